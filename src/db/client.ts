import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import type { DatabaseConfig } from '../config/config.js';
import { databaseFault, FORBIDDEN, READ_ONLY, STANDBY } from './faults.js';
import { migrationNames } from './migrate.js';
import { createPool } from './postgres-pool.js';
import { createPostgresSql } from './postgres-sql.js';
import type { Sql } from './sql.js';
import { createSqliteSql, sqliteConnectionSettings, watchSqliteFile, type SqliteFile } from './sqlite-sql.js';

/**
 * The one Prisma client type the app works with. The two generated clients have
 * interchangeable model types; their classes differ only in provider internals, so the
 * app is typed against the SQLite client (whose Pothos types are generated too).
 */
export type Db = SqliteClient;
export type DbProvider = DatabaseConfig['provider'];

export interface Database {
  readonly db: Db;
  /** the hot path's statements, on the driver itself (see sql.ts) */
  readonly sql: Sql;
  readonly provider: DbProvider;
  /** per-connection settings; call once before use */
  init(): Promise<void>;
  /** whether the database can serve this build now: reachable, migrated, and able to take writes */
  readiness(): Promise<Readiness>;
  /** connections open, idle and waited for (PostgreSQL's pool; SQLite has one connection) */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export type Readiness = { ready: true } | { ready: false; reason: string };

/** What the database layer reports to the app's log as it happens. */
export interface DatabaseEvents {
  /** a connection failed while idle in the pool (the server restarted) */
  onPoolError?: (error: Error) => void;
  /** PostgreSQL aborted a hot-path statement as a deadlock's victim or serialization conflict, and it was sent again */
  onSentAgain?: (sqlstate: string) => void;
}

export function createDatabase(config: DatabaseConfig, events: DatabaseEvents = {}): Database {
  const pool = config.provider === 'postgres' ? createPool(config, events.onPoolError) : undefined;
  const file = pool ? undefined : watchSqliteFile(config.sqlitePath);
  const db = pool ? createPostgresClient(pool, config) : createSqliteClient(config, file);
  const sql = pool
    ? createPostgresSql(pool, { namedStatements: !config.pgbouncer, onSentAgain: events.onSentAgain })
    : createSqliteSql(config.sqlitePath, config.sqliteBusyTimeoutMs, file);
  const migrations = expectedMigrations(config.provider);
  let checking: Promise<Readiness> | undefined;

  async function checkReadiness(): Promise<Readiness> {
    // SQLite: the file, its -wal/-shm and its folder writable, judged without writing (see SqliteFile).
    const fileFault = await file?.fault();
    if (fileFault) return { ready: false, reason: fileFault };
    let applied: Set<string>;
    try {
      const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      applied = new Set(rows.map((row) => row.migration_name));
    } catch (error) {
      return { ready: false, reason: databaseFault(error) ?? 'database check failed' };
    }
    const missing = migrations.filter((name) => !applied.has(name));
    if (missing.length > 0) return { ready: false, reason: `database not migrated to ${missing.at(-1)} (run the migrations)` };
    if (pool) {
      const fault = await postgresWriteFault(pool).catch((error: unknown) => databaseFault(error) ?? 'database check failed');
      if (fault) return { ready: false, reason: fault };
    }
    return { ready: true };
  }

  return {
    db,
    sql,
    provider: config.provider,
    async init() {
      if (config.provider !== 'sqlite') return;
      // The app starts without its database and reports itself not ready until it is there.
      try {
        sql.open();
      } catch (error) {
        if (databaseFault(error) === undefined) throw error;
      }
    },
    readiness() {
      // Probes from several orchestrators, or a burst of them, share the check under way.
      checking ??= checkReadiness().finally(() => {
        checking = undefined;
      });
      return checking;
    },
    poolStats: () =>
      pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : { total: 1, idle: 0, waiting: 0 },
    async close() {
      await sql.close();
      await db.$disconnect();
    },
  };
}

/**
 * Why PostgreSQL would refuse the service's writes, asked rather than tried, so a probe never
 * writes: a standby (`pg_is_in_recovery()`); a read-only session (the database's or role's
 * `default_transaction_read_only`, read on a pooled connection, which is what requests get: one
 * opened before the database turned writable again is replaced within a second, see
 * PostgresPool); a table or sequence of the service's schema it may not read, write or use.
 * `has_table_privilege` with several privileges answers whether any is held, hence one call each.
 */
async function postgresWriteFault(pool: pg.Pool): Promise<string | undefined> {
  const { rows } = await pool.query<{ standby: boolean; read_only: string; forbidden: number }>(`
    SELECT pg_is_in_recovery() AS standby,
           current_setting('transaction_read_only') AS read_only,
           (SELECT count(*)::int FROM pg_class c
              WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
                AND c.relname <> '_prisma_migrations'
                AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'USAGE')
                         WHEN c.relkind IN ('r', 'p') THEN NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
                           AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE'))
                         ELSE false END) AS forbidden`);
  const [state] = rows;
  if (!state) return 'database check failed';
  if (state.standby) return STANDBY;
  if (state.read_only === 'on') return READ_ONLY;
  if (state.forbidden > 0) return FORBIDDEN;
  return undefined;
}

/** This build's migrations, which a database must have applied; none known when prisma/ is not shipped. */
function expectedMigrations(provider: DbProvider): string[] {
  try {
    return migrationNames(provider);
  } catch {
    return [];
  }
}

function createSqliteClient(config: DatabaseConfig, file: SqliteFile | undefined): Db {
  // Never create the file: a missing database is a fault to report, not an empty one to fill.
  const factory = withReusedStatements(
    new PrismaBetterSQLite3({ url: config.sqlitePath, timeout: config.sqliteBusyTimeoutMs, fileMustExist: true }),
  );
  return new SqliteClient({ adapter: file ? guardedSqliteAdapter(factory, file) : factory });
}

/** Prepared statements kept per Prisma SQLite connection, least recently used dropped first. */
const REUSED_STATEMENTS = 200;

/**
 * Prisma's SQLite adapter prepares every statement anew (`client.prepare(sql).bind(args)`),
 * and a better-sqlite3 statement's native memory is freed only when a full collection, which is
 * rare, finalises its small JavaScript object: the heap grows with every query unless the
 * statements are kept and reused (figures in docs/performance.md). The adapter's connections
 * get a `prepare` that returns the cached statement behind the three calls the adapter makes
 * (`bind(args)` then `run`, `reader`/`columns`/`raw().all()`; `run` alone for BEGIN), each
 * passing the arguments at execution, so nothing is bound for good. A connection of another shape is left alone.
 */
function withReusedStatements(factory: SqliteAdapterFactory): SqliteAdapterFactory {
  return Object.assign(Object.create(factory) as SqliteAdapterFactory, {
    connect: async () => {
      const adapter = await factory.connect();
      reuseStatements(adapter);
      return adapter;
    },
  });
}

function reuseStatements(adapter: SqliteAdapter): void {
  const client = (adapter as unknown as { client?: unknown }).client;
  if (!(client instanceof BetterSqlite3)) return;
  const prepare = client.prepare.bind(client);
  const cache = new Map<string, BetterSqlite3.Statement>();
  const cached = (sql: string) => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = prepare(sql);
      if (cache.size >= REUSED_STATEMENTS) cache.delete(cache.keys().next().value ?? '');
    }
    cache.set(sql, statement);
    return statement;
  };
  const reusable = (sql: string) => {
    const statement = cached(sql);
    return {
      run: () => statement.run(),
      bind: (args: unknown[]) => ({
        get reader() {
          return statement.reader;
        },
        columns: () => statement.columns(),
        run: () => statement.run(...args),
        raw: () => ({ all: () => statement.raw(true).all(...args) }),
      }),
    };
  };
  Object.assign(client, { prepare: reusable });
}

type SqliteAdapterFactory = PrismaBetterSQLite3;
type SqliteAdapter = Awaited<ReturnType<SqliteAdapterFactory['connect']>>;

/**
 * Prisma's SQLite connection, watched like the hot path's (see SqliteFile): each statement
 * first checks that the path still names the file opened (and, for a write, that it is
 * writable); when the file was replaced, the connection is closed and the next statement
 * opens the new file, with the service's connection settings.
 */
function guardedSqliteAdapter(factory: SqliteAdapterFactory, file: SqliteFile): SqliteAdapterFactory {
  let inner: SqliteAdapter | undefined;
  let opening: Promise<SqliteAdapter> | undefined;
  const connection = {
    async close(checkpoint: boolean) {
      const closing = inner;
      inner = undefined;
      file.closed(connection);
      if (!closing) return;
      if (checkpoint) await closing.executeScript('PRAGMA wal_checkpoint(TRUNCATE)').catch(() => undefined);
      await closing.dispose();
    },
  };
  const adapter = async (write: boolean): Promise<SqliteAdapter> => {
    await file.check(write);
    if (inner) return inner;
    opening ??= (async () => {
      try {
        const opened = await factory.connect();
        await opened.executeScript(sqliteConnectionSettings.map((setting) => `PRAGMA ${setting};`).join('\n'));
        inner = opened;
        file.opened(connection);
        return opened;
      } finally {
        opening = undefined;
      }
    })();
    return opening;
  };
  const isRead = (sql: string) => /^\s*SELECT\b/i.test(sql);
  const guarded: SqliteAdapter = {
    provider: factory.provider,
    adapterName: factory.adapterName,
    queryRaw: async (query) => (await adapter(!isRead(query.sql))).queryRaw(query),
    executeRaw: async (query) => (await adapter(true)).executeRaw(query),
    executeScript: async (script) => (await adapter(true)).executeScript(script),
    startTransaction: async (isolationLevel) => (await adapter(true)).startTransaction(isolationLevel),
    dispose: () => connection.close(false),
  };
  return Object.assign(Object.create(factory) as SqliteAdapterFactory, { connect: async () => guarded });
}

function createPostgresClient(pool: pg.Pool, config: DatabaseConfig): Db {
  const adapter = new PrismaPg(pool, { ...(config.schema ? { schema: config.schema } : {}), disposeExternalPool: true });
  // The generated PostgreSQL client differs from the SQLite one only in provider
  // internals; every model type and query method the app uses is the same.
  return new PostgresClient({ adapter }) as unknown as Db;
}
