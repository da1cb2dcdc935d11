import Sqlite from 'better-sqlite3';
import type pg from 'pg';

/**
 * The statements every generate and verify makes, run on the driver itself rather than
 * through Prisma, whose query compiler and adapter cost each statement about ten times the
 * driver's own work (bench/statements.ts). Each statement is a tagged template, like
 * Prisma's `$queryRaw`: its values become parameters, never SQL text, and its call site's
 * strings array is the key under which it is prepared once.
 *
 * What the drivers hand back differs and is left to the caller to read with {@link dateOf}
 * and {@link boolOf}: SQLite returns timestamps as the ISO text Prisma stored and booleans
 * as 0/1; PostgreSQL returns Dates and booleans. Values sent are written the way Prisma
 * writes them, so both can read and compare each other's rows.
 */
export interface Sql {
  /** the rows of a statement (a SELECT, or a write with RETURNING) */
  rows<T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]): Promise<T[]>;
  /** the number of rows a write changed */
  run(strings: TemplateStringsArray, ...values: SqlValue[]): Promise<number>;
  /** opens what has to be opened; called once before use */
  open(): void;
  close(): Promise<void>;
}

export type SqlValue = string | number | boolean | Date | null;
/** a timestamp column as a driver returns it: ISO text (SQLite) or a Date (PostgreSQL) */
export type SqlDate = string | Date;
/** a boolean column as a driver returns it: 0/1 (SQLite) or a boolean (PostgreSQL) */
export type SqlBool = number | boolean;

export function dateOf(value: SqlDate): Date;
export function dateOf(value: SqlDate | null): Date | null;
export function dateOf(value: SqlDate | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

export function boolOf(value: SqlBool): boolean {
  return value === true || value === 1;
}

/**
 * SQLite: a connection of its own beside Prisma's, on the same file (WAL lets both read
 * while one writes). Its statements run synchronously and each commits on its own, so it
 * never holds a lock while other code runs. Prisma's transactions do hold the write lock
 * across awaits: a write here that meets one must not wait synchronously (the event loop
 * would stop with the lock holder inside it), so the connection's busy timeout is zero and
 * a busy write is retried after a short pause, up to `busyTimeoutMs`.
 */
export function createSqliteSql(path: string, busyTimeoutMs: number): Sql {
  let connection: Sqlite.Database | undefined;
  const prepared = new WeakMap<TemplateStringsArray, Sqlite.Statement>();

  function open(): Sqlite.Database {
    if (connection) return connection;
    if (path === ':memory:' || path === '') {
      throw new Error('An in-memory SQLite database cannot be shared by two connections: set DATABASE_URL to a file');
    }
    const opened = new Sqlite(path, { timeout: 0 });
    opened.pragma('journal_mode = WAL');
    opened.pragma('synchronous = NORMAL');
    opened.pragma('foreign_keys = ON');
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
    rows: <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) =>
      withRetry(() => statement(strings).all(...values.map(sqliteValue)) as T[]),
    run: (strings, ...values) => withRetry(() => statement(strings).run(...values.map(sqliteValue)).changes),
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

/**
 * PostgreSQL: the pool Prisma's adapter uses, with each statement named so every connection
 * parses and plans it once. Prisma keeps DateTime columns as `timestamp(3)` holding UTC, so
 * dates go out as UTC ISO text and come back read as UTC, whatever the process's time zone.
 */
export function createPostgresSql(pool: pg.Pool, types: typeof pg.types): Sql {
  const named = new WeakMap<TemplateStringsArray, { name: string; text: string }>();
  let count = 0;
  const parseUtc = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
  const parsers: pg.CustomTypesConfig = {
    getTypeParser: (oid, format) =>
      oid === types.builtins.TIMESTAMP && format !== 'binary' ? parseUtc : (types.getTypeParser(oid, format) as unknown),
  };

  function query(strings: TemplateStringsArray, values: SqlValue[]) {
    let statement = named.get(strings);
    if (!statement) {
      statement = { name: `hot_${++count}`, text: strings.reduce((text, part, i) => `${text}$${i}${part}`) };
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
