import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../../src/config/config.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { ensureBuilt } from './built-service.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    /** a folder where isolatedSmsClock (twilio.ts) claims its slots, one folder per run of a project */
    clockSlots: string;
  }
}

/** The machine's PostgreSQL; each run makes a fresh database of its own there and drops it. */
const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * Makes one fresh, migrated database per project run (a SQLite file in a temporary folder,
 * or a new PostgreSQL database) and hands its URL to the tests through `inject`.
 */
export default async function setup(project: TestProject) {
  // Spawned service processes run the compiled service (service-process.ts).
  await ensureBuilt();
  // The unit project's files open no database.
  if (project.name === 'unit') return;
  const clockSlots = mkdtempSync(join(tmpdir(), 'twofa-clock-slots-'));
  project.provide('clockSlots', clockSlots);
  const removeSlots = () => rmSync(clockSlots, { recursive: true, force: true });
  if (project.config.env.TEST_DATABASE === 'postgres') {
    const name = `twofa_test_${Date.now()}_${process.pid}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    await applyMigrations(parseConfig({ DATABASE_URL: url.toString() }).database);
    project.provide('databaseUrl', url.toString());
    return async () => {
      removeSlots();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'twofa-test-'));
  const url = `file:${join(dir, 'test.db')}`;
  await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
  project.provide('databaseUrl', url);
  return () => {
    removeSlots();
    rmSync(dir, { recursive: true, force: true });
  };
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
