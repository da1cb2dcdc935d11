import { AsyncLocalStorage } from 'node:async_hooks';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { DatabaseUnavailableError } from '../errors/errors.js';
import type { Sql, SqlResult, SqlStatement, SqlValue } from './sql.js';

interface QueuedWrite {
  /**
   * Runs the write inside the group's transaction. It looks its statement up only then, so a
   * statement is prepared again if the connection was reopened meanwhile.
   */
  run(): unknown;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** A value bound to a statement given as text (Prisma's, see sqlite-adapter.ts). */
export type SqliteParam = string | number | bigint | Buffer | null;

/**
 * What a statement given as text gives back: the columns and rows of one that returns rows
 * (each row an array, integers as BigInt so none loses precision), and the rows it changed.
 */
export interface TextResult {
  columns: Sqlite.ColumnDefinition[];
  rows: unknown[][];
  changes: number;
}

/**
 * The executor with what Prisma's adapter (sqlite-adapter.ts) needs besides the hot path's
 * tagged templates: statements given as text, and transactions that span awaits.
 */
export interface SqliteSql extends Sql {
  /** a statement given as text: a read runs at once, a write joins the group commit as `run`'s do */
  text(sql: string, params: readonly SqliteParam[]): Promise<TextResult>;
  /** several statements separated by semicolons, run between two groups */
  script(sql: string): Promise<void>;
  /**
   * A transaction that has the connection to itself from its BEGIN IMMEDIATE until it ends:
   * groups, reads and other transactions wait for it, so nothing else runs inside it or sees
   * what it has not committed.
   */
  transaction(): Promise<SqliteTransaction>;
}

export interface SqliteTransaction {
  /** a statement of the transaction, run at once (COMMIT and ROLLBACK included) */
  text(sql: string, params: readonly SqliteParam[]): TextResult;
  /** gives the connection back, first rolling back whatever the transaction left uncommitted */
  end(): void;
}

/**
 * Statements given as text kept prepared, least recently used dropped first: preparing anew
 * for every query made the heap grow, since a better-sqlite3 statement's native memory is
 * freed only when a full collection, which is rare, finalises its small JavaScript object
 * (figures in docs/performance.md). The hot path's templates are keyed by their call site instead.
 */
const REUSED_STATEMENTS = 200;

/**
 * What the service's SQLite connection sets:
 * - WAL lets readers (other processes: the CLI, another instance) run beside the writer;
 *   NORMAL syncs at checkpoints instead of every commit (much faster, see
 *   docs/performance.md; durable across a process crash);
 * - a 4 MB page cache: better-sqlite3 builds SQLite with 16 MB per connection, which a large
 *   database fills. The hot path's lookups go through the indexes' upper pages, which stay
 *   cached; the pages below come from the operating system's file cache.
 */
const sqliteConnectionSettings = ['journal_mode = WAL', 'synchronous = NORMAL', 'foreign_keys = ON', 'cache_size = -4000'] as const;

/**
 * SQLite: the service's one connection to the database file, which Prisma's adapter
 * (sqlite-adapter.ts) shares.
 *
 * Reads run at once. Writes are committed in groups: every write asked for during one turn
 * of the event loop runs, in order, in one transaction at the end of the turn, and each
 * caller hears of its write only once that transaction has committed. Each statement
 * commits as before from its caller's point of view (nothing is acknowledged before it is
 * durable, a failed statement fails alone), but a commit's cost, the WAL pages written, is
 * shared by the whole group, which under load makes a verify much cheaper (docs/performance.md).
 *
 * A group opens and commits its transaction within one synchronous call, so it never holds the
 * connection while other code runs. A transaction through `transaction` (Prisma's) does, across
 * awaits: while it is open, groups, reads and other transactions wait for it (on one connection
 * they would otherwise run inside it). Another process's transaction holds the file's write
 * lock the same way; a group that meets it must not wait inside the driver (the event loop
 * would stop), so the busy timeout is zero and the group is retried after a short pause, up
 * to `busyTimeoutMs`.
 *
 * An atomic set (`atomic`) is one entry of a group, run between a SAVEPOINT and its RELEASE:
 * it commits with its group, and a statement of the set that fails rolls back to the
 * savepoint, undoing the set's earlier statements and nothing of the rest of the group.
 */
export function createSqliteSql(path: string, busyTimeoutMs: number, file: SqliteFile = watchSqliteFile(path)): SqliteSql {
  let connection: Sqlite.Database | undefined;
  let control:
    | {
        begin: Sqlite.Statement;
        commit: Sqlite.Statement;
        rollback: Sqlite.Statement;
        savepoint: Sqlite.Statement;
        release: Sqlite.Statement;
        rollbackTo: Sqlite.Statement;
      }
    | undefined;
  let prepared = new WeakMap<TemplateStringsArray, Sqlite.Statement>();
  let preparedText = new Map<string, Sqlite.Statement>();
  let queue: QueuedWrite[] = [];
  let flushScheduled = false;
  /** the turn of whoever may next begin a transaction on the connection: a group or a `transaction` */
  let turn = Promise.resolve();
  /** while a `transaction` is open: settles when it ends */
  let transactionOpen: Promise<void> | undefined;

  function open(): Sqlite.Database {
    if (connection) return connection;
    if (path === ':memory:' || path === '') {
      throw new Error('An in-memory SQLite database cannot be migrated on one connection and served on another: set DATABASE_URL to a file');
    }
    // Never create the file: a missing database is a fault to report, not an empty one to fill.
    const opened = new Sqlite(path, { timeout: 0, fileMustExist: true });
    for (const setting of sqliteConnectionSettings) opened.pragma(setting);
    control = {
      begin: opened.prepare('BEGIN IMMEDIATE'),
      commit: opened.prepare('COMMIT'),
      rollback: opened.prepare('ROLLBACK'),
      savepoint: opened.prepare('SAVEPOINT atomic_set'),
      release: opened.prepare('RELEASE atomic_set'),
      rollbackTo: opened.prepare('ROLLBACK TO atomic_set'),
    };
    connection = opened;
    file.opened(guarded);
    return opened;
  }

  /** How the file's guard closes this connection when the file under it is gone or replaced. */
  const guarded: SqliteConnection = {
    close(checkpoint) {
      if (!connection) return;
      if (checkpoint) checkpointQuietly(() => connection?.pragma('wal_checkpoint(TRUNCATE)'));
      connection.close();
      connection = undefined;
      control = undefined;
      prepared = new WeakMap();
      preparedText = new Map();
      file.closed(guarded);
    },
  };

  function statement(strings: TemplateStringsArray): Sqlite.Statement {
    let stmt = prepared.get(strings);
    if (!stmt) {
      stmt = open().prepare(strings.join('?'));
      prepared.set(strings, stmt);
    }
    return stmt;
  }

  function textStatement(sql: string): Sqlite.Statement {
    let stmt = preparedText.get(sql);
    if (stmt) {
      preparedText.delete(sql);
    } else {
      stmt = open().prepare(sql).safeIntegers(true);
      if (preparedText.size >= REUSED_STATEMENTS) preparedText.delete(preparedText.keys().next().value ?? '');
    }
    preparedText.set(sql, stmt);
    return stmt;
  }

  function runText(stmt: Sqlite.Statement, params: readonly SqliteParam[]): TextResult {
    if (!stmt.reader) return { columns: [], rows: [], changes: stmt.run(...params).changes };
    return { columns: stmt.columns(), rows: stmt.raw(true).all(...params) as unknown[][], changes: 0 };
  }

  /**
   * Runs `work` once the path has been looked at (once a turn: a read never comes from a file
   * that is no longer the database) and no transaction holds the connection.
   */
  function whenFree<R>(work: () => Promise<R>): Promise<R> {
    if (transactionOpen) return transactionOpen.then(() => whenFree(work));
    try {
      const reopening = file.check(false);
      if (reopening) return reopening.then(() => whenFree(work));
      return work();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function execute<R>(strings: TemplateStringsArray, values: SqlValue[], returnsRows: boolean): Promise<R> {
    return whenFree(() => {
      const stmt = statement(strings);
      const params = values.map(sqliteValue);
      const run = () => (returnsRows ? statement(strings).all(...params) : statement(strings).run(...params).changes) as R;
      return stmt.readonly ? withRetry(run) : enqueue<R>(run);
    });
  }

  function text(sql: string, params: readonly SqliteParam[]): Promise<TextResult> {
    return whenFree(() => {
      const stmt = textStatement(sql);
      return stmt.readonly ? withRetry(() => runText(stmt, params)) : enqueue<TextResult>(() => runText(textStatement(sql), params));
    });
  }

  function enqueue<R>(run: () => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      queue.push({ run, resolve, reject });
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(() => void flush());
      }
    });
  }

  function atomic(statements: readonly SqlStatement[]): Promise<number[]> {
    const [first] = statements;
    if (!first) return Promise.resolve([]);
    // one statement is atomic by itself: no savepoint needed
    if (statements.length === 1) return execute<number>(first.strings, [...first.values], false).then((count) => [count]);
    const set = statements.map(({ strings, values }) => ({ strings, params: values.map(sqliteValue) }));
    return whenFree(() => enqueue(() => runSet(set)));
  }

  function unit<T>(work: () => Generator<SqlStatement, T, SqlResult>): Promise<T> {
    // The unit's steps run when its group commits, in whichever caller's turn scheduled that:
    // each step is run back in its own caller's async context (its trace, its log fields).
    const inCaller = AsyncLocalStorage.snapshot();
    return whenFree(() => enqueue(() => runUnit(work, inCaller)));
  }

  /** Runs a unit inside the group's transaction, like an atomic set: all of it, or (rolled back to its savepoint) none. */
  function runUnit<T>(work: () => Generator<SqlStatement, T, SqlResult>, inCaller: <R>(fn: () => R) => R): T {
    control?.savepoint.run();
    try {
      const steps = inCaller(work);
      let step = inCaller(() => steps.next());
      while (!step.done) {
        const stmt = statement(step.value.strings);
        const params = step.value.values.map(sqliteValue);
        let result: SqlResult;
        if (stmt.reader) {
          const rows = stmt.all(...params) as object[];
          result = { rows, count: rows.length };
        } else result = { rows: [], count: stmt.run(...params).changes };
        step = inCaller(() => steps.next(result));
      }
      control?.release.run();
      return step.value;
    } catch (error) {
      if (connection?.inTransaction) {
        control?.rollbackTo.run();
        control?.release.run();
      }
      throw error;
    }
  }

  /** Runs an atomic set inside the group's transaction: all of it, or (rolled back to its savepoint) none. */
  function runSet(set: { strings: TemplateStringsArray; params: (string | number | null)[] }[]): number[] {
    control?.savepoint.run();
    try {
      const counts = set.map((write) => statement(write.strings).run(...write.params).changes);
      control?.release.run();
      return counts;
    } catch (error) {
      if (connection?.inTransaction) {
        control?.rollbackTo.run();
        control?.release.run();
      }
      throw error;
    }
  }

  /** Waits for the turn to begin a transaction on the connection; resolves to what ends the turn. */
  async function takeTurn(): Promise<() => void> {
    const previous = turn;
    let release = () => {};
    turn = new Promise((resolve) => (release = resolve));
    await previous;
    return release;
  }

  /**
   * Opens the connection on a writable file and begins a transaction there, waiting between
   * tries while another process holds the write lock; the caller has the turn.
   */
  async function begin(): Promise<void> {
    // The path still names the file this connection has open, and it is writable:
    // better-sqlite3 would otherwise go on writing to a deleted file's inode.
    const reopening = file.check(true);
    if (reopening) await reopening;
    open();
    await withRetry(() => control?.begin.run());
  }

  /** Runs the queued writes in one transaction, then tells each caller how its write ended. */
  async function flush(): Promise<void> {
    const endTurn = await takeTurn();
    try {
      await runGroup();
    } finally {
      endTurn();
    }
  }

  async function runGroup(): Promise<void> {
    try {
      await begin();
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
        results.push({ ok: true, value: write.run() });
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

  async function transaction(): Promise<SqliteTransaction> {
    const endTurn = await takeTurn();
    try {
      await begin();
    } catch (error) {
      endTurn();
      throw error;
    }
    let close = () => {};
    transactionOpen = new Promise((resolve) => (close = resolve));
    // Its statements run on the connection it began on, never on one opened meanwhile on a
    // replacing file, where they would run outside any transaction.
    const ownConnection = connection;
    let ended = false;
    return {
      text(sql, params) {
        if (ended || connection !== ownConnection) throw Object.assign(new DatabaseUnavailableError(), { reason: 'database file replaced' });
        return runText(textStatement(sql), params);
      },
      end() {
        if (ended) return;
        ended = true;
        if (connection === ownConnection && connection?.inTransaction) control?.rollback.run();
        transactionOpen = undefined;
        close();
        endTurn();
      },
    };
  }

  async function script(sql: string): Promise<void> {
    const endTurn = await takeTurn();
    try {
      await whenFree(async () => {
        const reopening = file.check(true);
        if (reopening) await reopening;
        open().exec(sql);
      });
    } finally {
      endTurn();
    }
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

  const rows = <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => execute<T[]>(strings, values, true);
  const run = (strings: TemplateStringsArray, ...values: SqlValue[]) => execute<number>(strings, values, false);
  return {
    rows,
    run,
    // one group commits at a time: nothing to order
    forUser: () => ({ rows, run }),
    statement: (strings, ...values) => ({ strings, values }),
    atomic,
    unit,
    text,
    script,
    transaction,
    dialect: 'sqlite',
    open: () => void open(),
    async close() {
      await guarded.close(false);
    },
  };
}

/** A connection on the database file, as {@link SqliteFile} closes it. */
export interface SqliteConnection {
  /** `checkpoint`: first copy the WAL into the file and empty it (the last connection to close) */
  close(checkpoint: boolean): void | Promise<void>;
}

/**
 * The database file that the service's SQLite connection (Prisma's statements included) has
 * open, watched for what SQLite does not notice: a connection keeps reading and writing the
 * file it opened even after that file is deleted or replaced at its path, so writes would
 * go on, acknowledged, into a file nobody will ever read again.
 *
 * Before the statements of each turn of the event loop, `check` compares the path's current
 * device and inode with the ones opened (one stat). A missing file is refused (DatabaseUnavailableError) and its
 * connections closed; a file replaced by another closes every connection on the old one,
 * and the statement then runs on the new file, which the readiness check judges (migrated or
 * not). Closing, the last connection first empties the WAL into the old file: a WAL left
 * behind with the old file's pages would be read as part of the new one.
 * For a write, the file, its -wal/-shm and its folder must also be writable (a read-only mount, `chattr +i`, permissions).
 */
export interface SqliteFile {
  readonly path: string;
  /**
   * Nothing (synchronously) when the statement may run; throws DatabaseUnavailableError when
   * it may not; a promise to await when the connections are being closed, after which the
   * statement opens the file anew.
   */
  check(write: boolean): Promise<void> | undefined;
  /** why the file cannot serve writes now, or undefined; closes connections like `check` */
  fault(): Promise<string | undefined>;
  opened(connection: SqliteConnection): void;
  closed(connection: SqliteConnection): void;
}

export function watchSqliteFile(path: string): SqliteFile {
  const connections = new Set<SqliteConnection>();
  let identity: { dev: number; ino: number } | undefined;
  let closing: Promise<void> | undefined;
  /**
   * What passed the check in this turn of the event loop (reads, or writes too): statements of
   * the same turn run on the file it found, so the path is looked at once a turn, not once a
   * statement (its stat, and for writes three more system calls, had been a tenth of a
   * generate's CPU). Forgotten at the turn's end, and on any fault or replacement.
   */
  let passed: 'read' | 'write' | undefined;
  const forget = () => {
    passed = undefined;
  };

  /** Closes every connection, the last one emptying the WAL first; once, however many ask. */
  function closeAll(): Promise<void> {
    closing ??= (async () => {
      try {
        const open = [...connections];
        for (const [i, connection] of open.entries()) {
          try {
            await connection.close(i === open.length - 1);
          } catch {
            // closing a connection on a vanished file may fail; it is dropped all the same
          }
          connections.delete(connection);
        }
      } finally {
        identity = undefined;
        closing = undefined;
        passed = undefined;
      }
    })();
    return closing;
  }

  /** the fault of the file at the path, closing connections on a file that is gone or replaced */
  function inspect(write: boolean): { fault?: string; reopen?: Promise<void> } {
    if (closing) return { reopen: closing };
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) {
      if (connections.size > 0) void closeAll();
      return { fault: 'database file missing' };
    }
    // A connection opened while the others were being closed: the file it opened is the one now.
    if (!identity && connections.size > 0) identity = { dev: stat.dev, ino: stat.ino };
    if (identity && (stat.dev !== identity.dev || stat.ino !== identity.ino)) return { reopen: closeAll() };
    if (write && !writable(path)) return { fault: 'database file not writable' };
    return {};
  }

  return {
    path,
    check(write) {
      if (passed === 'write' || (passed === 'read' && !write)) return undefined;
      const { fault, reopen } = inspect(write);
      if (fault) throw Object.assign(new DatabaseUnavailableError(), { reason: fault });
      if (reopen) return reopen;
      if (!passed) setImmediate(forget);
      passed = write ? 'write' : 'read';
      return undefined;
    },
    async fault() {
      for (;;) {
        const { fault, reopen } = inspect(true);
        if (!reopen) return fault;
        await reopen;
      }
    },
    opened(connection) {
      connections.add(connection);
      if (!identity) {
        const stat = statSync(path, { throwIfNoEntry: false });
        if (stat) identity = { dev: stat.dev, ino: stat.ino };
      }
    },
    closed(connection) {
      connections.delete(connection);
      if (connections.size === 0 && !closing) identity = undefined;
    },
  };
}

/**
 * Whether this process may write the file, its -wal and -shm, and its folder, in which SQLite
 * creates and deletes them (root included: `chattr +i`, a read-only mount answer EPERM/EROFS).
 * Judged by access(2) rather than by a write, so a probe never writes; SQLite's own refusal
 * (SQLITE_READONLY and its extended codes) is a fault too, should the file turn read-only between
 * this check and the write (see faults.ts).
 */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    for (const companion of [`${path}-wal`, `${path}-shm`]) {
      if (statSync(companion, { throwIfNoEntry: false })) accessSync(companion, constants.W_OK);
    }
    return true;
  } catch {
    return false;
  }
}

function checkpointQuietly(checkpoint: () => unknown): void {
  try {
    checkpoint();
  } catch {
    // best effort: the file may already be unreadable
  }
}

/** As Prisma's SQLite adapter writes them: ISO text with +00:00, booleans as 0/1. */
function sqliteValue(value: SqlValue): string | number | null {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
