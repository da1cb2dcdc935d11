import pg from 'pg';
import type { Sql, SqlResult, SqlStatement, SqlValue } from './sql.js';

/**
 * PostgreSQL: the pool Prisma's adapter uses, with each statement named so every connection
 * parses and plans it once. Behind PgBouncer in transaction mode (`?pgbouncer=true`) a named
 * statement prepared on one server connection is unknown on the next one PgBouncer hands out
 * (1.18 does not track them), so there every statement goes unnamed: parsed each time, in the
 * same round trip. Prisma keeps DateTime columns as `timestamp(3)` holding UTC, so
 * dates go out as UTC ISO text and come back read as UTC, whatever the process's time zone.
 */
export function createPostgresSql(
  pool: pg.Pool,
  options: { namedStatements?: boolean; onSentAgain?: (sqlstate: string) => void } = {},
): Sql {
  const namedStatements = options.namedStatements ?? true;
  const sentAgainOnce = <T>(work: () => Promise<T>) => sendAgainOnce(work, options.onSentAgain);
  const { types } = pg;
  const named = new WeakMap<TemplateStringsArray, { name?: string; text: string }>();
  let count = 0;
  const parseUtc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
  const parsers: pg.CustomTypesConfig = {
    getTypeParser: (oid, format) =>
      oid === types.builtins.TIMESTAMP && format !== 'binary' ? parseUtc : (types.getTypeParser(oid, format) as unknown),
  };

  function config(strings: TemplateStringsArray, values: readonly SqlValue[]): pg.QueryConfig {
    let statement = named.get(strings);
    if (!statement) {
      const text = strings.reduce((text, part, i) => `${text}$${i}${part}`);
      statement = namedStatements ? { name: `hot_${++count}`, text } : { text };
      named.set(strings, statement);
    }
    return { ...statement, values: values.map((v) => (v instanceof Date ? v.toISOString() : v)), types: parsers };
  }

  function query(strings: TemplateStringsArray, values: readonly SqlValue[]) {
    return sentAgainOnce(() => pool.query(config(strings, values)));
  }

  /**
   * One client of the pool from BEGIN to COMMIT. Behind PgBouncer in transaction mode the
   * whole transaction stays on one server connection, and the statements go unnamed as above.
   */
  async function atomic(statements: readonly SqlStatement[]): Promise<number[]> {
    const [only, ...more] = statements;
    if (!only) return [];
    // one statement is atomic by itself: no transaction to open
    if (more.length === 0) return [(await query(only.strings, only.values)).rowCount ?? 0];
    return sentAgainOnce(() => transaction(statements));
  }

  function transaction(statements: readonly SqlStatement[]): Promise<number[]> {
    return inTransaction(async (client) => {
      const counts: number[] = [];
      for (const { strings, values } of statements) counts.push((await client.query(config(strings, values))).rowCount ?? 0);
      return counts;
    });
  }

  /** A unit's statements on one client, each result handed back to `work` before it yields the next. */
  function unit<T>(work: () => Generator<SqlStatement, T, SqlResult>): Promise<T> {
    return sentAgainOnce(() =>
      inTransaction(async (client) => {
        const steps = work();
        let step = steps.next();
        while (!step.done) {
          const answer = await client.query(config(step.value.strings, step.value.values));
          step = steps.next({ rows: answer.rows as object[], count: answer.rowCount ?? 0 });
        }
        return step.value;
      }),
    );
  }

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // a connection that cannot roll back is not given back to the pool for reuse
      await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
      throw error;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  return {
    rows: async <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => (await query(strings, values)).rows as T[],
    run: async (strings, ...values) => (await query(strings, values)).rowCount ?? 0,
    statement: (strings, ...values) => ({ strings, values }),
    atomic,
    unit,
    dialect: 'postgres',
    open: () => undefined,
    // the pool belongs to Prisma's adapter, which ends it
    close: async () => undefined,
  };
}

/**
 * PostgreSQL's answers after which it has rolled the statement, or the whole transaction, back
 * and the same work may be sent again as it is: a deadlock's victim (40P01) and a serialization
 * conflict (40001). Under load, statements that take the same rows overlap for longer and more
 * of them meet; each such abort used to reach the caller.
 */
const SEND_AGAIN = new Set(['40P01', '40001']);

/**
 * Runs `work`, and once more after a short pause when PostgreSQL aborted it as one of
 * {@link SEND_AGAIN}. Sending it again gives no caller an extra guess or send: the aborted
 * statement wrote nothing (no guess slot taken, no attempt reserved, no code used up; the
 * budget's rule in throttle/guess-budget.ts counts what was committed), so the second try is
 * the only one that counts, exactly as if the request had come a moment later. Once only: a
 * second abort means contention that waiting a few milliseconds does not clear, and it is
 * answered 503 DATABASE_UNAVAILABLE with Retry-After (db/faults.ts) rather than held open.
 * The pause, random, keeps the two sides of a deadlock from meeting again in step.
 */
async function sendAgainOnce<T>(work: () => Promise<T>, onSentAgain?: (sqlstate: string) => void): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const { code } = error as { code?: unknown };
    if (typeof code !== 'string' || !SEND_AGAIN.has(code)) throw error;
    // said, because a steady stream of them means statements take rows in clashing orders
    onSentAgain?.(code);
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    return work();
  }
}
