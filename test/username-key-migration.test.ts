// The migration that adds `username_key`, run on a database the legacy service filled: users
// whose names collide once folded (`Bo`, `BO`, fullwidth `ｂｏ`), a name stored decomposed, and
// plain ones. The migration must apply (a unique index over colliding keys would fail it),
// give every user it can a key, the oldest of each colliding set first (ASCII names in SQL, the
// rest in the migrator), rewrite a decomposed name to the composed form every entry looks up,
// and leave the others' names as they were so they keep working by them.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { applyMigrations, migrationNames } from '../src/db/migrate.js';
import { usernameKey } from '../src/vocabulary/username.js';

const KEY_MIGRATION = '20261207020000_username_key';

/** The legacy rows, oldest first. */
const legacy = ['Bo', 'ｂｏ', 'BO', 'Zoé'.normalize('NFD'), 'Ünal', 'ünal', 'plain'];

interface Row {
  id: number;
  username: string;
  username_key: string | null;
}

/** A database of the run's kind migrated up to just before the key, filled with `legacy`, then migrated by the service's migrator. */
async function migratedFromLegacy(): Promise<Row[]> {
  const provider = inject('databaseUrl').startsWith('file:') ? 'sqlite' : 'postgres';
  const before = migrationNames(provider).filter((name) => name < KEY_MIGRATION);
  const sqlOf = (name: string) => readFileSync(join('prisma', provider, 'migrations', name, 'migration.sql'), 'utf8');
  const ledger = `CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP, "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;

  if (provider === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'twofa-key-migration-'));
    try {
      const path = join(dir, 'legacy.db');
      const db = new Sqlite(path);
      db.exec(ledger);
      for (const name of before) {
        db.exec(sqlOf(name));
        db.prepare(`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, 'x', CURRENT_TIMESTAMP, ?, 1)`).run(randomUUID(), name);
      }
      const insert = db.prepare(`INSERT INTO users (username, email, updated_at) VALUES (?, 'legacy@example.com', CURRENT_TIMESTAMP)`);
      for (const username of legacy) insert.run(username);
      db.close();
      expect(await applyMigrations(parseConfig({ DATABASE_URL: `file:${path}` }).database)).toEqual([KEY_MIGRATION, ...migrationNames(provider).filter((name) => name > KEY_MIGRATION)]);
      const after = new Sqlite(path);
      try {
        return after.prepare<[], Row>('SELECT id, username, username_key FROM users ORDER BY id').all();
      } finally {
        after.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  const name = `twofa_key_migration_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  try {
    const url = new URL(inject('databaseUrl'));
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(ledger);
      for (const migration of before) {
        await client.query(sqlOf(migration));
        await client.query(`INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, 'x', now(), $2, 1)`, [
          randomUUID(),
          migration,
        ]);
      }
      for (const username of legacy) await client.query(`INSERT INTO users (username, email, updated_at) VALUES ($1, 'legacy@example.com', now())`, [username]);
      await applyMigrations(parseConfig({ DATABASE_URL: url.toString() }).database);
      return (await client.query<Row>('SELECT id, username, username_key FROM users ORDER BY id')).rows;
    } finally {
      await client.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

describe('the username_key migration on a legacy database', () => {
  it('applies over colliding names: ASCII names keyed first, oldest first; the rest by the migrator; names kept, a decomposed one composed', async () => {
    const rows = await migratedFromLegacy();
    expect(rows.map((row) => [row.username, row.username_key])).toEqual([
      ['Bo', 'bo'],
      // older than BO, but ASCII names are keyed first (in SQL): Bo holds the key
      ['ｂｏ', null],
      ['BO', null],
      ['Zoé', usernameKey('Zoé')],
      ['Ünal', usernameKey('Ünal')],
      ['ünal', null],
      ['plain', 'plain'],
    ]);
  });
});
