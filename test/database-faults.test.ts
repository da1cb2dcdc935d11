// Database faults under a running instance, on both databases: the database dropped, recreated
// empty or left at an older migration; on SQLite its file deleted, replaced or made read-only.
// /readyz must say 503 with the reason, every request that cannot be served must answer 503
// DATABASE_UNAVAILABLE (REST `{detail}`, GraphQL error code), never a 500, no write may go to a
// deleted file, and the instance must serve again by itself once an operator has put the
// database back (`npm run migrate` where the schema was lost). Unreachable server and refused
// credentials: test/postgres/faults.test.ts (a throwaway PostgreSQL of the test's own).
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { linkSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { databaseFault } from '../src/db/faults.js';
import { restError } from '../src/http/error-reply.js';
import { createTestApp, uniqueName, type TestApp } from './support/app.js';
import { migrationNames } from './support/db.js';
import { postGenerate, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const provider = inject('databaseUrl').startsWith('file:') ? 'sqlite' : 'postgres';
const latest = migrationNames(provider).at(-1) ?? '';

/** No throttle in the way of repeated generates; anyone may call. */
const appEnv = (url: string) => ({
  DATABASE_URL: url,
  ALLOW_ANONYMOUS_CALLERS: 'true',
  IP_RATE_LIMIT: '0',
  OTP_RESEND_INTERVAL_SECONDS: '0',
  OTP_MAX_SENDS_PER_HOUR: '1000',
  LOCKOUT_THRESHOLD: '1000',
});

/** The operator's step: `npm run migrate` against the database, as a separate process. */
async function npmRunMigrate(url: string): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', 'migrate'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}` },
  });
  return stdout;
}

const LEAK = /\bat \S+ \(|:\d+:\d+\)|prisma|\bselect\b|\binsert into\b|otp_logs|no such|does not exist|SQLITE_|\/tmp\//i;

async function readyz(app: TestApp) {
  const response = await app.inject({ method: 'GET', url: '/readyz' });
  return { status: response.statusCode, body: response.json<{ status: string }>() };
}

/** A REST answer that is the contract's 503: `{detail}` naming the database, nothing internal. */
function expectRest503(response: { statusCode: number; body: string }) {
  expect(response.statusCode, response.body).toBe(503);
  expect(JSON.parse(response.body)).toEqual({ detail: expect.stringMatching(/database/i) as unknown });
  expect(response.body).not.toMatch(LEAK);
}

/** A GraphQL answer whose only error is DATABASE_UNAVAILABLE, with nothing internal. */
function expectGraphql503(result: Awaited<ReturnType<typeof executeRaw>>) {
  const text = JSON.stringify(result.body);
  expect(result.body.errors?.map((e) => e.extensions?.code), text).toEqual(['DATABASE_UNAVAILABLE']);
  expect(text).not.toMatch(LEAK);
}

const readUser = (app: TestApp, username: string) =>
  executeRaw(app, 'query($u: String!) { user(username: $u) { username } }', { u: username });
const createUserMutation = (app: TestApp, username: string) =>
  executeRaw(app, 'mutation($input: CreateUserInput!) { createUser(input: $input) { __typename } }', {
    input: { username, email: `${username}@example.com` },
  });
const generateMutation = (app: TestApp, username: string) =>
  executeRaw(app, 'mutation($u: String!) { generateOtp(username: $u) { __typename } }', { u: username });

/** Every surface at once: REST generate and verify (hot path), GraphQL read and writes (Prisma and hot path). */
async function expectEverySurface503(app: TestApp, username: string) {
  expectRest503(await postGenerate(app, username));
  expectRest503(await submitCode(app, username, '123456'));
  expectGraphql503(await readUser(app, username));
  expectGraphql503(await createUserMutation(app, uniqueName('fault')));
  expectGraphql503(await generateMutation(app, username));
}

/** A whole flow on a working database: a user created, a code generated and verified. */
async function expectServing(app: TestApp) {
  expect(await readyz(app)).toEqual({ status: 200, body: { status: 'ready' } });
  const username = uniqueName('fault');
  const created = await createUserMutation(app, username);
  expect(created.body, JSON.stringify(created.body)).toEqual({ data: { createUser: { __typename: 'User' } } });
  const generated = await postGenerate(app, username);
  expect(generated.statusCode, generated.body).toBe(200);
  const verified = await submitCode(app, username, generated.json<{ otp_code: string }>().otp_code);
  expect(verified.statusCode, verified.body).toBe(200);
  return username;
}

/** An answer of a database left at an older migration: served, or the contract's 503; never a bare 500. */
function expectServedOr503(status: number, body: string) {
  expect([200, 400, 503], body).toContain(status);
  if (status === 503) expect(body).not.toMatch(LEAK);
}

/** Applies every migration but the latest, recorded as `npm run migrate` records them. */
async function migrateAllButLatest(url: string) {
  const dir = join(root, 'prisma', provider, 'migrations');
  const older = migrationNames(provider)
    .slice(0, -1)
    .map((name) => {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
  const table = `CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL,
    "finished_at" TIMESTAMP, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMP,
    "started_at" TIMESTAMP NOT NULL DEFAULT current_timestamp, "applied_steps_count" INTEGER NOT NULL DEFAULT 0)`;
  if (provider === 'sqlite') {
    const db = new Sqlite(url.replace(/^file:/, ''));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = OFF');
      db.exec(table);
      for (const m of older) {
        db.exec(m.sql);
        db.prepare('INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES (?, ?, current_timestamp, ?, 1)').run(
          randomUUID(),
          m.checksum,
          m.name,
        );
      }
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(table);
    for (const m of older) {
      await client.query(m.sql);
      await client.query(
        'INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ($1, $2, now(), $3, 1)',
        [randomUUID(), m.checksum, m.name],
      );
    }
  } finally {
    await client.end();
  }
}

describe.runIf(provider === 'postgres')('PostgreSQL: the database dropped, recreated empty, left at an older migration', () => {
  let database: PrivateDatabase;
  let app: TestApp;
  const admin = async (sql: string) => {
    const url = new URL(database.url);
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const name = () => new URL(database.url).pathname.slice(1);

  beforeAll(async () => {
    database = await createPrivateDatabase('faults');
    app = await createTestApp(appEnv(database.url));
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('answers 503 with the reason for each state, never 500, and serves again after npm run migrate', async () => {
    const username = await expectServing(app);

    await admin(`DROP DATABASE ${pg.escapeIdentifier(name())} WITH (FORCE)`);
    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database does not exist' } });
    await expectEverySurface503(app, username);

    await admin(`CREATE DATABASE ${pg.escapeIdentifier(name())}`);
    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database schema missing (run the migrations)' } });
    await expectEverySurface503(app, username);

    await migrateAllButLatest(database.url);
    expect(await readyz(app)).toEqual({ status: 503, body: { status: `database not migrated to ${latest} (run the migrations)` } });
    const generated = await postGenerate(app, username);
    expectServedOr503(generated.statusCode, generated.body);

    expect(await npmRunMigrate(database.url)).toContain(latest);
    await expectServing(app);
  }, 60_000);
});

describe.runIf(provider === 'sqlite')('SQLite: the file deleted, replaced, read-only, recreated empty, at an older migration', () => {
  let database: PrivateDatabase;
  let path: string;
  let scratch: string;
  let app: TestApp;
  /** how this machine makes a file unwritable for this process: root ignores permissions */
  const asRoot = process.getuid?.() === 0;
  const setWritable = async (writable: boolean, target = path) => {
    if (asRoot) await run('chattr', [writable ? '-i' : '+i', target]);
    else await run('chmod', [writable ? (target === path ? '644' : '755') : target === path ? '444' : '555', target]);
  };

  beforeAll(async () => {
    database = await createPrivateDatabase('faults');
    path = database.url.replace(/^file:/, '');
    scratch = mkdtempSync(join(tmpdir(), 'twofa-faults-'));
    app = await createTestApp(appEnv(database.url));
  });
  afterAll(async () => {
    await setWritable(true).catch(() => undefined);
    await setWritable(true, dirname(path)).catch(() => undefined);
    await app.close();
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** Users in a database file, read with a connection of the test's own (the file's WAL included). */
  const usersIn = (file: string) => {
    const db = new Sqlite(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare<[], { username: string }>('SELECT username FROM users').all().map((row) => row.username);
    } finally {
      db.close();
    }
  };

  it('the file deleted: 503 "database file missing", nothing written to the deleted file, serves again after npm run migrate', async () => {
    const username = await expectServing(app);
    // A second name for the file's inode, so what the instance might still write to it can be read afterwards.
    const kept = join(scratch, 'deleted.db');
    linkSync(path, kept);
    rmSync(path);

    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database file missing' } });
    await expectEverySurface503(app, username);
    const lost = uniqueName('lost');
    expectGraphql503(await createUserMutation(app, lost));
    expectRest503(await postGenerate(app, lost));
    // The instance closed its connections on the deleted file (emptying its WAL into it): the
    // file holds everything written before the deletion and nothing after.
    expect(usersIn(kept)).toContain(username);
    expect(usersIn(kept)).not.toContain(lost);

    expect(await npmRunMigrate(database.url)).toContain(latest);
    const afterwards = await expectServing(app);
    expect(usersIn(path)).toEqual([afterwards]);
  });

  it('the file replaced by an empty one: 503 "database schema missing", then serves after npm run migrate', async () => {
    const username = await expectServing(app);
    const empty = join(scratch, 'empty.db');
    writeFileSync(empty, '');
    renameSync(empty, path);

    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database schema missing (run the migrations)' } });
    await expectEverySurface503(app, username);

    expect(await npmRunMigrate(database.url)).toContain(latest);
    await expectServing(app);
  });

  it('the file replaced by another migrated database (a restore): serves from the new file, none of it written to the old one', async () => {
    await expectServing(app);
    const kept = join(scratch, 'replaced.db');
    linkSync(path, kept);
    const restored = await createPrivateDatabase('restored');
    try {
      renameSync(restored.url.replace(/^file:/, ''), path);
      const username = await expectServing(app);
      expect(usersIn(path)).toEqual([username]);
      expect(usersIn(kept)).not.toContain(username);
    } finally {
      await restored.drop();
    }
  });

  it('the file left at an older migration: 503 "database not migrated to <latest>", requests never a bare 500, then serves after npm run migrate', async () => {
    await expectServing(app);
    const older = join(scratch, 'older.db');
    await migrateAllButLatest(`file:${older}`);
    renameSync(older, path);

    expect(await readyz(app)).toEqual({ status: 503, body: { status: `database not migrated to ${latest} (run the migrations)` } });
    const created = await createUserMutation(app, uniqueName('older'));
    const generated = await postGenerate(app, uniqueName('older'));
    expectServedOr503(generated.statusCode, generated.body);
    expect(JSON.stringify(created.body)).not.toMatch(LEAK);

    expect(await npmRunMigrate(database.url)).toContain(latest);
    await expectServing(app);
  });

  it(`the file not writable (${asRoot ? 'chattr +i: root ignores permissions' : 'chmod 444'}): 503 "database file not writable" for writes, reads still served, then serves again`, async () => {
    const username = await expectServing(app);
    await setWritable(false);
    try {
      expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database file not writable' } });
      expectRest503(await postGenerate(app, username));
      expectRest503(await submitCode(app, username, '123456'));
      expectGraphql503(await createUserMutation(app, uniqueName('readonly')));
      expectGraphql503(await generateMutation(app, username));
      expect((await readUser(app, username)).body).toEqual({ data: { user: { username } } });
    } finally {
      await setWritable(true);
    }
    await expectServing(app);
  });
  it(`the folder not writable (${asRoot ? 'chattr +i' : 'chmod 555'}), where SQLite makes and removes its -wal and -shm: 503 "database file not writable" for writes, reads served, then serves again`, async () => {
    const username = await expectServing(app);
    await setWritable(false, dirname(path));
    try {
      expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database file not writable' } });
      expectRest503(await postGenerate(app, username));
      expectGraphql503(await createUserMutation(app, uniqueName('readonly')));
      expect((await readUser(app, username)).body).toEqual({ data: { user: { username } } });
    } finally {
      await setWritable(true, dirname(path));
    }
    await expectServing(app);
  });

  it('SQLite’s own refusal (SQLITE_READONLY, as a file turning read-only between the check and the write gets) is a fault, not a bug', () => {
    // A connection opened read-only is refused by SQLite itself, as root too: the real driver error.
    const db = new Sqlite(path, { readonly: true, fileMustExist: true });
    let refusal: unknown;
    try {
      db.prepare('DELETE FROM users WHERE id = -1').run();
    } catch (error) {
      refusal = error;
    } finally {
      db.close();
    }
    expect((refusal as { code?: unknown }).code).toBe('SQLITE_READONLY');
    expect(databaseFault(refusal)).toBe('database file not writable');
    expect(restError(refusal)).toEqual({ status: 503, detail: 'The database is unavailable; try again shortly', expected: false, retryAfter: 1 });
    // an extended code, and the words alone when a wrapper dropped the code
    expect(databaseFault(Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY_DIRECTORY' }))).toBe(
      'database file not writable',
    );
    expect(databaseFault(new Error('attempt to write a readonly database'))).toBe('database file not writable');
  });
});
