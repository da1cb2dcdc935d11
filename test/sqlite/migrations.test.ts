// Upgrading a database that already holds users and codes must keep every row: later
// migrations rebuild tables on SQLite, where a careless DROP would cascade into the codes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { applyMigrations } from '../../src/db/migrate.js';

const migrationsDir = join(import.meta.dirname, '..', '..', 'prisma', 'sqlite', 'migrations');
const [first, ...later] = readdirSync(migrationsDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe('migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twofa-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('upgrades a SQLite database from the first migration keeping users and their codes', async () => {
    const path = join(dir, 'old.db');
    const old = new Sqlite(path);
    old.exec(readFileSync(join(migrationsDir, first ?? '', 'migration.sql'), 'utf8'));
    old.exec(`CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL,
      "finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`);
    old.prepare(`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
      VALUES (?, 'x', current_timestamp, ?, 1)`).run(randomUUID(), first);
    old.prepare(`INSERT INTO users (username, email, updated_at) VALUES ('old-user', 'o@example.com', current_timestamp)`).run();
    old.prepare(`INSERT INTO otp_logs (user_id, code_hash, channel, destination, status, expires_at)
      VALUES (1, 'h', 'EMAIL', 'o***@example.com', 'USED', current_timestamp)`).run();
    old.close();

    const applied = await applyMigrations(parseConfig({ DATABASE_URL: `file:${path}` }).database);
    expect(applied).toEqual(later);

    const db = new Sqlite(path, { readonly: true });
    expect(db.prepare('SELECT username, failed_verifications FROM users').all()).toEqual([
      { username: 'old-user', failed_verifications: 0 },
    ]);
    expect(db.prepare('SELECT user_id, status FROM otp_logs').all()).toEqual([{ user_id: 1, status: 'USED' }]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('applies nothing twice', async () => {
    const path = join(dir, 'fresh.db');
    const config = parseConfig({ DATABASE_URL: `file:${path}` }).database;
    expect(await applyMigrations(config)).toEqual([first, ...later]);
    expect(await applyMigrations(config)).toEqual([]);
  });
});
