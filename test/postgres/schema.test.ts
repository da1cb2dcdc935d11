// A PostgreSQL deployment may keep the service's tables in a schema of their own
// (`DATABASE_URL=...?schema=twofa`): migrations, model queries and the raw statements of the
// hot path must all land there. In test/postgres/, which only the PostgreSQL project runs.
import { inject, describe, expect, it, afterAll } from 'vitest';
import pg from 'pg';
import { parseConfig } from '../../src/config/config.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { createTestApp, uniqueName } from '../support/app.js';
import { migrationNames } from '../support/db.js';
import { createUser, requestCode, submitCode, verifiedAnswer } from '../support/flows.js';

describe('PostgreSQL with ?schema=', () => {
  const schema = `svc_${uniqueName('s').replace(/-/g, '_')}`;
  const url = new URL(inject('databaseUrl'));
  url.searchParams.set('schema', schema);

  afterAll(async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('migrates into the schema and serves generate and verify from it', async () => {
    const applied = await applyMigrations(parseConfig({ DATABASE_URL: url.toString() }).database);
    expect(applied).toEqual(migrationNames('postgres'));

    const app = await createTestApp({ DATABASE_URL: url.toString() });
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const verified = await submitCode(app, username, code);
      expect(verified.json()).toEqual(verifiedAnswer());
    } finally {
      await app.close();
    }

    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".otp_logs WHERE status = 'USED'`);
    await client.end();
    expect(Number(rows[0]?.n)).toBe(1);
  });
});
