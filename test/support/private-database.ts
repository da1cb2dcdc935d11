import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { applyMigrations } from '../../src/db/migrate.js';

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of the run's kind (SQLite or PostgreSQL) that no other test file
 * writes to, for a test that must count every row (the run's database is shared by the files
 * running in parallel). A PostgreSQL one is made on the run's server. Drop it after use.
 */
export async function createPrivateDatabase(label: string): Promise<PrivateDatabase> {
  const runUrl = inject('databaseUrl');
  if (runUrl.startsWith('file:')) {
    const dir = mkdtempSync(join(tmpdir(), `twofa-${label}-`));
    const url = `file:${join(dir, 'private.db')}`;
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    return { url, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `twofa_${label.replace(/\W/g, '_')}_${randomUUID().slice(0, 8)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: runUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(runUrl);
  url.pathname = `/${name}`;
  await applyMigrations(parseConfig({ DATABASE_URL: url.toString() }).database);
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`) };
}
