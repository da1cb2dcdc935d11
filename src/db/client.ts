import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import type { DatabaseConfig } from '../config/config.js';
import { connectionLost, databaseFault, FORBIDDEN, READ_ONLY, STANDBY } from './faults.js';
import { migrationNames } from './migrate.js';
import { createPool } from './postgres-pool.js';
import { createPostgresSql } from './postgres-sql.js';
import type { Sql } from './sql.js';
import { sqliteAdapterFactory } from './sqlite-adapter.js';
import { createSqliteSql, watchSqliteFile } from './sqlite-sql.js';

/**
 * Prisma's client, for the Pothos schema's reads only (the stores speak `Sql`; a `Database` holds
 * both). The two generated clients have interchangeable model types; their classes differ only in
 * provider internals, so the app is typed against the SQLite client (whose Pothos types are
 * generated too).
 */
export type PrismaReads = SqliteClient;
export type DbProvider = DatabaseConfig['provider'];

export interface Database {
  /** Prisma, for the Pothos schema's reads */
  readonly db: PrismaReads;
  /** every store's statements, on the driver itself (see sql.ts) */
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
  let db: PrismaReads;
  let sql: Sql;
  if (pool) {
    // one pool for both, which the adapter ends
    db = createPostgresClient(pool, config);
    sql = createPostgresSql(pool, { namedStatements: !config.pgbouncer, onSentAgain: events.onSentAgain });
  } else {
    // one connection for both: Prisma's statements go through the executor (sqlite-adapter.ts)
    const sqliteSql = createSqliteSql(config.sqlitePath, config.sqliteBusyTimeoutMs, file);
    db = new SqliteClient({ adapter: sqliteAdapterFactory(sqliteSql) });
    sql = sqliteSql;
  }
  const migrations = expectedMigrations(config.provider);
  let checking: Promise<Readiness> | undefined;

  async function checkReadiness(): Promise<Readiness> {
    // SQLite: the file, its -wal/-shm and its folder writable, judged without writing (see SqliteFile).
    const fileFault = await file?.fault();
    if (fileFault) return { ready: false, reason: fileFault };
    let applied: Set<string>;
    try {
      const rows = await onceMoreIfLost(() =>
        db.$queryRawUnsafe<{ migration_name: string }[]>(
          'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
        ),
      );
      applied = new Set(rows.map((row) => row.migration_name));
    } catch (error) {
      return { ready: false, reason: databaseFault(error) ?? 'database check failed' };
    }
    const missing = migrations.filter((name) => !applied.has(name));
    if (missing.length > 0) return { ready: false, reason: `database not migrated to ${missing.at(-1)} (run the migrations)` };
    if (pool) {
      const fault = await onceMoreIfLost(() => postgresWriteFault(pool)).catch((error: unknown) => databaseFault(error) ?? 'database check failed');
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
      // the pool is the service's (Prisma's adapter only borrows it): ended here whether or not Prisma ever ran a query
      if (pool && !pool.ended) await pool.end();
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

function createPostgresClient(pool: pg.Pool, config: DatabaseConfig): PrismaReads {
  const adapter = new PrismaPg(pool, config.schema ? { schema: config.schema } : {});
  // The generated PostgreSQL client differs from the SQLite one only in provider
  // internals; every model type and query method the app uses is the same.
  return new PostgresClient({ adapter }) as unknown as PrismaReads;
}

/**
 * A readiness check, tried once more when its connection was lost: a pooled connection the
 * server cut while idle (a restart, a terminated backend) fails once and leaves the pool, and
 * the state of the database is what a fresh connection meets.
 */
async function onceMoreIfLost<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!connectionLost(error)) throw error;
    return check();
  }
}
