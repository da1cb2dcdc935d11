import pg from 'pg';
import type { Sql, SqlValue } from './sql.js';

/**
 * PostgreSQL: the pool Prisma's adapter uses, with each statement named so every connection
 * parses and plans it once. Behind PgBouncer in transaction mode (`?pgbouncer=true`) a named
 * statement prepared on one server connection is unknown on the next one PgBouncer hands out
 * (1.18 does not track them), so there every statement goes unnamed: parsed each time, in the
 * same round trip. Prisma keeps DateTime columns as `timestamp(3)` holding UTC, so
 * dates go out as UTC ISO text and come back read as UTC, whatever the process's time zone.
 */
export function createPostgresSql(pool: pg.Pool, options: { namedStatements?: boolean } = {}): Sql {
  const namedStatements = options.namedStatements ?? true;
  const { types } = pg;
  const named = new WeakMap<TemplateStringsArray, { name?: string; text: string }>();
  let count = 0;
  const parseUtc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
  const parsers: pg.CustomTypesConfig = {
    getTypeParser: (oid, format) =>
      oid === types.builtins.TIMESTAMP && format !== 'binary' ? parseUtc : (types.getTypeParser(oid, format) as unknown),
  };

  function query(strings: TemplateStringsArray, values: SqlValue[]) {
    let statement = named.get(strings);
    if (!statement) {
      const text = strings.reduce((text, part, i) => `${text}$${i}${part}`);
      statement = namedStatements ? { name: `hot_${++count}`, text } : { text };
      named.set(strings, statement);
    }
    return pool.query({ ...statement, values: values.map((v) => (v instanceof Date ? v.toISOString() : v)), types: parsers });
  }

  return {
    rows: async <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => (await query(strings, values)).rows as T[],
    run: async (strings, ...values) => (await query(strings, values)).rowCount ?? 0,
    open: () => undefined,
    // the pool belongs to Prisma's adapter, which ends it
    close: async () => undefined,
  };
}
