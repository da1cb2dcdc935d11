import pg from 'pg';
import { createWriteBatcher, SEND_AGAIN, sendAgainPause } from './postgres-batch.js';
import type { PipelinedStatement } from './postgres-pipeline.js';
import type { Sql, SqlResult, SqlStatement, SqlValue } from './sql.js';

/**
 * PostgreSQL: the pool Prisma's adapter uses, with each statement named so every connection
 * parses and plans it once. Behind PgBouncer in transaction mode (`?pgbouncer=true`) a named
 * statement prepared on one server connection is unknown on the next one PgBouncer hands out
 * (1.18 does not track them), so there every statement goes unnamed: parsed each time, in the
 * same round trip. Prisma keeps DateTime columns as `timestamp(3)` holding UTC, so
 * dates go out as UTC ISO text and come back read as UTC, whatever the process's time zone.
 *
 * Reads go to the pool one by one. Writes (INSERT, UPDATE, DELETE, or a WITH that holds one)
 * and atomic sets are grouped per turn of the event loop into one pipeline, one commit
 * (postgres-batch.ts): a commit's round trip and WAL flush shared by the group.
 */
export function createPostgresSql(
  pool: pg.Pool,
  options: { namedStatements?: boolean; onSentAgain?: (sqlstate: string) => void } = {},
): Sql {
  const namedStatements = options.namedStatements ?? true;
  const sentAgainOnce = <T>(work: () => Promise<T>) => sendAgainOnce(work, options.onSentAgain);
  const { types } = pg;
  const named = new WeakMap<TemplateStringsArray, { name?: string; text: string; write: boolean }>();
  let count = 0;
  const parseUtc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
  const parsers: pg.CustomTypesConfig = {
    getTypeParser: (oid, format) =>
      oid === types.builtins.TIMESTAMP && format !== 'binary' ? parseUtc : (types.getTypeParser(oid, format) as unknown),
  };

  const batcher = createWriteBatcher(pool, parsers, options.onSentAgain);

  function prepared(strings: TemplateStringsArray) {
    let statement = named.get(strings);
    if (!statement) {
      const text = strings.reduce((text, part, i) => `${text}$${i}${part}`);
      const write = WRITE.test(text) || (WITH.test(text) && WRITES_IN_WITH.test(text));
      statement = namedStatements ? { name: `hot_${++count}`, text, write } : { text, write };
      named.set(strings, statement);
    }
    return statement;
  }

  function pipelined(strings: TemplateStringsArray, values: readonly SqlValue[]): PipelinedStatement {
    const { name, text } = prepared(strings);
    return { name, text, values: values.map(textOf) };
  }

  function configOf(strings: TemplateStringsArray, values: readonly SqlValue[]): pg.QueryConfig {
    const { name, text } = prepared(strings);
    return { name, text, values: values.map(textOf), types: parsers };
  }

  function read(strings: TemplateStringsArray, values: readonly SqlValue[]) {
    return sentAgainOnce(() => pool.query(configOf(strings, values)));
  }

  async function query(strings: TemplateStringsArray, values: readonly SqlValue[], key?: string): Promise<{ rows: object[]; rowCount: number }> {
    if (!prepared(strings).write) {
      const { rows, rowCount } = await read(strings, values);
      return { rows: rows as object[], rowCount: rowCount ?? 0 };
    }
    const [result] = await batcher.write([pipelined(strings, values)], key);
    return result ?? { rows: [], rowCount: 0 };
  }

  /**
   * One entry of a write group, its statements between the group's others: a failing one fails
   * the set (and the group's transaction, which the others are sent again outside of).
   */
  async function atomic(statements: readonly SqlStatement[]): Promise<number[]> {
    if (statements.length === 0) return [];
    const results = await batcher.write(statements.map(({ strings, values }) => pipelined(strings, values)));
    return results.map((result) => result.rowCount);
  }

  /** A unit's statements on one client, each result handed back to `work` before it yields the next. */
  function unit<T>(work: () => Generator<SqlStatement, T, SqlResult>): Promise<T> {
    return sentAgainOnce(() =>
      inTransaction(async (client) => {
        const steps = work();
        let step = steps.next();
        while (!step.done) {
          const answer = await client.query(configOf(step.value.strings, step.value.values));
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

  /** `rows` and `run`; with `key`, their writes go in a group in the order of their keys (`Sql.forUser`) */
  const access = (key?: string): Pick<Sql, 'rows' | 'run'> => ({
    rows: async <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => (await query(strings, values, key)).rows as T[],
    run: async (strings, ...values) => (await query(strings, values, key)).rowCount,
  });

  return {
    ...access(),
    forUser: access,
    statement: (strings, ...values) => ({ strings, values }),
    atomic,
    unit,
    dialect: 'postgres',
    open: () => undefined,
    // the pool is ended by the database's close() (client.ts), which owns it
    close: async () => undefined,
  };
}

/** a statement that writes: the verbs that change rows, first or inside a WITH */
const WRITE = /^\s*(INSERT|UPDATE|DELETE|MERGE)\b/i;
const WITH = /^\s*WITH\b/i;
const WRITES_IN_WITH = /\b(INSERT|UPDATE|DELETE|MERGE)\b/i;

/** A parameter as the driver sends it (pg's own mapping for these types): text, or null. */
function textOf(value: SqlValue): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

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
    await sendAgainPause();
    return work();
  }
}
