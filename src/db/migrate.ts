import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseConfig } from '../config/config.js';
import { normaliseUsername, usernameKey } from '../vocabulary/username.js';

/**
 * Applies the checked-in Prisma migrations (prisma/<provider>/migrations) that the
 * database has not seen yet, recording them in Prisma's own `_prisma_migrations` table so
 * `prisma migrate status` and `migrate deploy` agree with it. It runs on the database
 * drivers directly, so neither the Prisma CLI nor its native engines are needed at run
 * time, and several instances starting at once apply each migration exactly once.
 */
export async function applyMigrations(config: DatabaseConfig): Promise<string[]> {
  const migrations = readMigrations(config.provider);
  if (config.provider === 'sqlite') return migrateSqlite(config, migrations);
  const applied = await migratePostgres(config, migrations);
  await backfillUsernameKeysPostgres(config);
  return applied;
}

/**
 * What SQL cannot do for the migration that added `username_key` (Unicode normalisation, a full
 * case fold; SQLite has neither), done in the same terms as src/vocabulary/username.ts: each user
 * still without a key gets it, and a name stored in another form than NFC (which every entry
 * now looks up) is rewritten to NFC, so a legacy caller's user keeps answering to the name it
 * had. A row whose key (or NFC name) another row holds keeps its null key and its name: it
 * still works by its exact name, and the older row keeps the visible name. Rows given a key
 * never come back here, so after the first start this reads only those few.
 */
interface UnkeyedUser {
  id: number;
  username: string;
}

function keyedUser(row: UnkeyedUser): { id: number; name: string; key: string } {
  const name = normaliseUsername(row.username);
  return { id: row.id, name, key: usernameKey(name) };
}

function backfillUsernameKeysSqlite(db: Sqlite.Database): void {
  const rows = db.prepare<[], UnkeyedUser>('SELECT id, username FROM users WHERE username_key IS NULL ORDER BY id').all();
  const taken = db.prepare<[string, string, number], { id: number }>('SELECT id FROM users WHERE (username_key = ? OR username = ?) AND id <> ? LIMIT 1');
  const keep = db.prepare<[string, string, number]>('UPDATE users SET username = ?, username_key = ? WHERE id = ? AND username_key IS NULL');
  for (const { id, name, key } of rows.map(keyedUser)) {
    if (!taken.get(key, name, id)) keep.run(name, key, id);
  }
}

async function backfillUsernameKeysPostgres(config: DatabaseConfig): Promise<void> {
  const client = new pg.Client({ connectionString: config.migrationUrl, connectionTimeoutMillis: config.connectTimeoutMs });
  await client.connect();
  try {
    await client.query('BEGIN');
    if (config.schema) await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(config.schema)}`);
    const { rows } = await client.query<UnkeyedUser>('SELECT id, username FROM users WHERE username_key IS NULL ORDER BY id');
    for (const { id, name, key } of rows.map(keyedUser)) {
      // A user created meanwhile by a running instance may take the key first: that row is skipped.
      await client.query('SAVEPOINT keyed');
      try {
        await client.query(
          `UPDATE users SET username = $1, username_key = $2
            WHERE id = $3 AND username_key IS NULL
              AND NOT EXISTS (SELECT 1 FROM users o WHERE o.id <> $3 AND (o.username_key = $2 OR o.username = $1))`,
          [name, key, id],
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT keyed');
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The names of this build's migrations, oldest first: what a database must have applied to serve it. */
export function migrationNames(provider: DatabaseConfig['provider']): string[] {
  return readMigrations(provider).map((m) => m.name);
}

function readMigrations(provider: DatabaseConfig['provider']): Migration[] {
  const dir = join(projectRoot(), 'prisma', provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** The folder holding prisma/, found from this file whether it runs from src/ or dist/. */
function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'prisma', 'models.prisma'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('Cannot find the prisma/ folder with the migrations');
    dir = parent;
  }
  return dir;
}

const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "checksum" TEXT NOT NULL,
  "finished_at" DATETIME,
  "migration_name" TEXT NOT NULL,
  "logs" TEXT,
  "rolled_back_at" DATETIME,
  "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
  "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

function migrateSqlite(config: DatabaseConfig, migrations: Migration[]): string[] {
  const db = new Sqlite(config.sqlitePath, { timeout: config.sqliteBusyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    // Prisma's SQLite migrations rebuild a table to alter it (create, copy, drop, rename).
    // With foreign keys on, the DROP would cascade into the rows that reference the table,
    // and the pragma cannot change inside a transaction, so it is switched off around it
    // and the references are checked before the commit.
    db.pragma('foreign_keys = OFF');
    db.exec(SQLITE_TABLE);
    // BEGIN IMMEDIATE takes the write lock first, so a second process waits and then
    // finds the migrations already recorded.
    const run = db.transaction(() => {
      const done = new Set(
        db
          .prepare<[], { migration_name: string }>(
            'SELECT migration_name FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL',
          )
          .all()
          .map((row) => row.migration_name),
      );
      const pending = migrations.filter((m) => !done.has(m.name));
      for (const m of pending) {
        db.exec(m.sql);
        const broken = db.pragma('foreign_key_check');
        if (Array.isArray(broken) && broken.length > 0) {
          throw new Error(`Migration ${m.name} leaves ${broken.length} broken foreign key reference(s)`);
        }
        db.prepare(
          `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
           VALUES (?, ?, current_timestamp, ?, 1)`,
        ).run(randomUUID(), m.checksum, m.name);
      }
      backfillUsernameKeysSqlite(db);
      return pending.map((m) => m.name);
    });
    return run.immediate();
  } finally {
    db.close();
  }
}

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Any constant shared by every instance; serialises concurrent start-ups. */
const MIGRATION_LOCK_ID = 2_026_112_300;

/**
 * One transaction per migration, each taking a transaction-scoped advisory lock first and
 * then reading what is done: concurrent start-ups apply each migration once, and nothing
 * outlives a transaction (no session lock, no session `search_path`), so this is also safe
 * through PgBouncer in transaction mode. It runs on DIRECT_DATABASE_URL when that is set.
 */
async function migratePostgres(config: DatabaseConfig, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: config.migrationUrl, connectionTimeoutMillis: config.connectTimeoutMs });
  await client.connect();
  const applied: string[] = [];
  try {
    for (;;) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
        if (config.schema) {
          await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(config.schema)}`);
          await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(config.schema)}`);
        }
        await client.query(POSTGRES_TABLE);
        const { rows } = await client.query<{ migration_name: string }>(
          'SELECT migration_name FROM _prisma_migrations WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL',
        );
        const done = new Set(rows.map((row) => row.migration_name));
        const next = migrations.find((m) => !done.has(m.name));
        if (next) {
          await client.query(next.sql);
          await client.query(
            `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
             VALUES ($1, $2, now(), $3, 1)`,
            [randomUUID(), next.checksum, next.name],
          );
        }
        await client.query('COMMIT');
        if (!next) return applied;
        applied.push(next.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
  } finally {
    await client.end();
  }
}
