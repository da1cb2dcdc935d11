import Sqlite from 'better-sqlite3';
import type { Sql, SqlValue } from './sql.js';

interface QueuedWrite {
  statement: Sqlite.Statement;
  params: (string | number | null)[];
  /** whether the caller wants rows (RETURNING) or the count of changed rows */
  returnsRows: boolean;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * What every SQLite connection of the service sets (this one and Prisma's):
 * - WAL lets readers run beside the writer; NORMAL syncs at checkpoints instead of every
 *   commit (measured 2.4x faster, durable across a process crash);
 * - a 4 MB page cache: better-sqlite3 builds SQLite with 16 MB per connection, which a large
 *   database fills, two connections making 32 MB of the process's memory. The hot path's
 *   lookups go through the indexes' upper pages, which stay cached; the pages below come from
 *   the operating system's file cache.
 */
export const sqliteConnectionSettings = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'cache_size = -4000'] as const;

/**
 * SQLite: a connection of its own beside Prisma's, on the same file (WAL lets both read
 * while one writes).
 *
 * Reads run at once. Writes are committed in groups: every write asked for during one turn
 * of the event loop runs, in order, in one transaction at the end of the turn, and each
 * caller hears of its write only once that transaction has committed. Each statement
 * commits as before from its caller's point of view (nothing is acknowledged before it is
 * durable, a failed statement fails alone), but a commit's cost, the WAL pages written, is
 * shared by the whole group: under load a verify costs about a third of what it does with
 * one commit per statement (bench/statements.ts).
 *
 * The transaction opens and commits within one synchronous call, so this connection never
 * holds the write lock while other code runs. Prisma's transactions do hold it across
 * awaits: a group that meets one must not wait inside the driver (the event loop would stop
 * with the lock holder unable to finish), so the busy timeout is zero and the group is
 * retried after a short pause, up to `busyTimeoutMs`.
 */
export function createSqliteSql(path: string, busyTimeoutMs: number): Sql {
  let connection: Sqlite.Database | undefined;
  let control: { begin: Sqlite.Statement; commit: Sqlite.Statement; rollback: Sqlite.Statement } | undefined;
  const prepared = new WeakMap<TemplateStringsArray, Sqlite.Statement>();
  let queue: QueuedWrite[] = [];
  let flushScheduled = false;

  function open(): Sqlite.Database {
    if (connection) return connection;
    if (path === ':memory:' || path === '') {
      throw new Error('An in-memory SQLite database cannot be shared by two connections: set DATABASE_URL to a file');
    }
    const opened = new Sqlite(path, { timeout: 0 });
    for (const setting of sqliteConnectionSettings) opened.pragma(setting);
    control = { begin: opened.prepare('BEGIN IMMEDIATE'), commit: opened.prepare('COMMIT'), rollback: opened.prepare('ROLLBACK') };
    connection = opened;
    return opened;
  }

  function statement(strings: TemplateStringsArray): Sqlite.Statement {
    let stmt = prepared.get(strings);
    if (!stmt) {
      stmt = open().prepare(strings.join('?'));
      prepared.set(strings, stmt);
    }
    return stmt;
  }

  function execute<R>(strings: TemplateStringsArray, values: SqlValue[], returnsRows: boolean): Promise<R> {
    const stmt = statement(strings);
    const params = values.map(sqliteValue);
    if (stmt.readonly) return withRetry(() => (returnsRows ? stmt.all(...params) : stmt.run(...params).changes) as R);
    return new Promise<R>((resolve, reject) => {
      queue.push({ statement: stmt, params, returnsRows, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(() => void flush());
      }
    });
  }

  /** Runs the queued writes in one transaction, then tells each caller how its write ended. */
  async function flush(): Promise<void> {
    try {
      await withRetry(() => control?.begin.run());
    } catch (error) {
      flushScheduled = false;
      return rejectAll(takeQueue(), error);
    }
    // From here to the commit, all synchronous: writes asked for meanwhile form the next group.
    flushScheduled = false;
    const group = takeQueue();
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    for (const write of group) {
      try {
        const value = write.returnsRows ? write.statement.all(...write.params) : write.statement.run(...write.params).changes;
        results.push({ ok: true, value });
      } catch (error) {
        // A constraint failure undoes its own statement only; an I/O or disk-full error can
        // end the whole transaction, and with it the group's earlier writes.
        if (!connection?.inTransaction) return rejectAll(group, error);
        results.push({ ok: false, error });
      }
    }
    try {
      control?.commit.run();
    } catch (error) {
      if (connection?.inTransaction) control?.rollback.run();
      return rejectAll(group, error);
    }
    group.forEach((write, i) => {
      const result = results[i];
      if (result?.ok) write.resolve(result.value);
      else write.reject(result?.error);
    });
  }

  function takeQueue(): QueuedWrite[] {
    const taken = queue;
    queue = [];
    return taken;
  }

  function rejectAll(group: QueuedWrite[], error: unknown): void {
    for (const write of group) write.reject(error);
  }

  async function withRetry<R>(work: () => R): Promise<R> {
    const deadline = Date.now() + busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        return work();
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || Date.now() + pause > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  return {
    rows: <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => execute<T[]>(strings, values, true),
    run: (strings, ...values) => execute<number>(strings, values, false),
    open: () => void open(),
    async close() {
      connection?.close();
      connection = undefined;
    },
  };
}

/** As Prisma's SQLite adapter writes them: ISO text with +00:00, booleans as 0/1. */
function sqliteValue(value: SqlValue): string | number | null {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
