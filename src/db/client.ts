import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import type { DatabaseConfig } from '../config/config.js';
import { createPostgresSql } from './postgres-sql.js';
import type { Sql } from './sql.js';
import { createSqliteSql, sqliteConnectionSettings } from './sqlite-sql.js';

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
  /** true when the database answers a trivial query */
  ping(): Promise<boolean>;
  /** connections open, idle and waited for (PostgreSQL's pool; SQLite has one connection) */
  poolStats(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export function createDatabase(config: DatabaseConfig, onPoolError?: (error: Error) => void): Database {
  const pool = config.provider === 'postgres' ? createPool(config, onPoolError) : undefined;
  const db = pool ? createPostgresClient(pool, config) : createSqliteClient(config);
  const sql = pool ? createPostgresSql(pool, { namedStatements: !config.pgbouncer }) : createSqliteSql(config.sqlitePath, config.sqliteBusyTimeoutMs);
  return {
    db,
    sql,
    provider: config.provider,
    async init() {
      if (config.provider !== 'sqlite') return;
      // PRAGMA journal_mode answers with a row: run as a query, the others would refuse it.
      for (const setting of sqliteConnectionSettings) await db.$queryRawUnsafe(`PRAGMA ${setting}`);
      sql.open();
    },
    async ping() {
      try {
        await db.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    poolStats: () =>
      pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : { total: 1, idle: 0, waiting: 0 },
    async close() {
      await sql.close();
      await db.$disconnect();
    },
  };
}

function createSqliteClient(config: DatabaseConfig): Db {
  const adapter = new PrismaBetterSQLite3({ url: config.sqlitePath, timeout: config.sqliteBusyTimeoutMs });
  return new SqliteClient({ adapter });
}

/**
 * The pool is made here rather than inside the adapter so its use can be measured, and so a
 * connection that dies while idle (the server restarted) is reported instead of crashing the
 * process: pg emits it as an 'error' event, fatal when nobody listens.
 */
function createPool(config: DatabaseConfig, onPoolError?: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolSize,
    connectionTimeoutMillis: config.connectTimeoutMs,
    // Raw statements name tables unqualified; the search path points them at `?schema=`.
    options: config.schema ? `-c search_path=${quoteIdentifier(config.schema)}` : undefined,
  });
  pool.on('error', (error) => onPoolError?.(error));
  return pool;
}

function createPostgresClient(pool: pg.Pool, config: DatabaseConfig): Db {
  const adapter = new PrismaPg(pool, { ...(config.schema ? { schema: config.schema } : {}), disposeExternalPool: true });
  // The generated PostgreSQL client differs from the SQLite one only in provider
  // internals; every model type and query method the app uses is the same.
  return new PostgresClient({ adapter }) as unknown as Db;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
