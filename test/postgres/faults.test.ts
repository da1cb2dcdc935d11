// Faults: the database going away under traffic, and the process dying mid-request. A service
// that crashes, leaks a stack trace or SQL, or needs a restart when its database blinks turns a
// short outage into a long one; a process killed between two writes must not leave a code that
// is half-recorded or usable although its delivery never completed.
// The third fault of issue 6, the SMTP server down (a clear 502 and no usable code), is covered
// in test/email-delivery.test.ts ("an SMTP server that is down" and its neighbours).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';
import { createTestApp, uniqueName, type TestApp } from '../support/app.js';
import { executeRaw } from '../support/graphql.js';
import { storedOtpLogs, type StoredOtpLog } from '../support/db.js';
import {
  call,
  remoteCreateUser,
  remoteGenerate,
  remoteGraphql,
  remoteRequestCode,
  remoteVerify,
  type RemoteAnswer,
} from '../support/remote.js';
import { sleep, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';

/** Polls `probe` every 100 ms until it is true, for at most `timeoutMs`; fails with `what`. */
async function eventually(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const readyz = (url: string) => call<{ status: string }>(url, '/readyz');

/** What a client must never see in an error: a stack frame, SQL, or the ORM's words. */
const LEAK = /\bat \S+ \(|:\d+:\d+\)|prisma|\bselect\b|\binsert into\b|otp_logs|econnrefused|"stack"/i;

/** A 503 the way the contract says: JSON `{detail}` that names the database and leaks nothing. */
function expectDatabaseUnavailable(answer: RemoteAnswer) {
  expect(answer.status, answer.text).toBe(503);
  expect(answer.body).toEqual({ detail: expect.stringMatching(/database/i) as unknown });
  expect(answer.text).not.toMatch(LEAK);
}

interface Observed {
  phase: 'up' | 'down' | 'back';
  what: string;
  answer?: RemoteAnswer;
  error?: string;
}

/**
 * Callers that keep going whatever happens: each worker loops over generate, verify of the
 * code it got, a GraphQL read and /readyz, recording every answer with the phase it was sent in.
 */
function startTraffic(url: string, usernames: string[], phase: () => Observed['phase']) {
  const observed: Observed[] = [];
  let running = true;
  const record = async (what: string, request: () => Promise<RemoteAnswer>) => {
    const sentIn = phase();
    try {
      const answer = await request();
      observed.push({ phase: sentIn, what, answer });
      return answer;
    } catch (error) {
      observed.push({ phase: sentIn, what, error: String(error) });
      return undefined;
    }
  };
  const worker = async (username: string) => {
    while (running) {
      const generated = await record('generate', () => remoteGenerate(url, username));
      const code = (generated?.body as { otp_code?: unknown } | undefined)?.otp_code;
      await record('verify', () => remoteVerify(url, username, typeof code === 'string' ? code : '000000'));
      await record('graphql users', () => remoteGraphql(url, 'query($p: String) { users(usernamePrefix: $p, first: 2) { edges { node { username } } } }', { p: username }));
      await record('readyz', () => readyz(url));
      await sleep(10);
    }
  };
  const workers = usernames.map(worker);
  return {
    observed,
    async stop() {
      running = false;
      await Promise.all(workers);
    },
  };
}

describe('PostgreSQL stopped under traffic, then started again', () => {
  const { cleanups, runCleanups } = cleanupStack();
  let postgres: ThrowawayPostgres;
  let service: ServiceProcess;
  let url: string;

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    cleanups.push(() => postgres.destroy());
    url = await postgres.createDatabase('twofa');
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    service = await startServiceProcess({
      env: {
        DATABASE_URL: url,
        ALLOW_ANONYMOUS_CALLERS: 'true',
        IP_RATE_LIMIT: '1000000',
        // Traffic repeats generate and verify for a few users: no throttle or lockout in the way.
        OTP_RESEND_INTERVAL_SECONDS: '0',
        OTP_MAX_SENDS_PER_HOUR: '1000',
        LOCKOUT_THRESHOLD: '1000',
      },
    });
    cleanups.push(() => service.stop());
  }, 90_000);
  afterAll(runCleanups, 60_000);

  it('answers 503 with a clear detail while it is down, and recovers by itself when it is back', async () => {
    const usernames = await Promise.all([0, 1, 2, 3].map(() => remoteCreateUser(service.url, uniqueName('fault'))));
    let phase: Observed['phase'] = 'up';
    const traffic = startTraffic(service.url, usernames, () => phase);
    try {
      await eventually('successful traffic', 10_000, async () =>
        traffic.observed.some((o) => o.what === 'verify' && o.answer?.status === 200),
      );

      phase = 'down';
      await postgres.stop();
      const downSince = traffic.observed.length;
      await eventually('/readyz to say 503', 10_000, async () => (await readyz(service.url)).status === 503);
      expect((await readyz(service.url)).body).toEqual({ status: 'database unreachable' });
      // Each surface, asked directly while the database is down.
      expectDatabaseUnavailable(await remoteGenerate(service.url, usernames[0] ?? ''));
      expectDatabaseUnavailable(await remoteVerify(service.url, usernames[0] ?? '', '123456'));
      const graphql = await remoteGraphql(service.url, 'mutation($u: String!) { generateOtp(username: $u) { __typename } }', {
        u: usernames[0],
      });
      expect(graphql.body.errors?.map((e) => e.extensions?.code), graphql.text).toEqual(['DATABASE_UNAVAILABLE']);
      expect(graphql.text).not.toMatch(LEAK);
      await eventually('traffic to meet the outage', 10_000, async () => traffic.observed.length > downSince + 20);

      phase = 'back';
      await postgres.start();
      await eventually('/readyz to say 200 again', 30_000, async () => (await readyz(service.url)).status === 200);
      const backSince = traffic.observed.length;
      await eventually('traffic to succeed again', 15_000, async () =>
        traffic.observed.slice(backSince).some((o) => o.what === 'verify' && o.answer?.status === 200),
      );
    } finally {
      await traffic.stop();
    }

    // Recovered without a restart: the same process answers, and a whole flow works.
    expect(service.exited, service.output()).toBe(false);
    const username = await remoteCreateUser(service.url);
    const code = await remoteRequestCode(service.url, username);
    expect((await remoteVerify(service.url, username, code)).status).toBe(200);

    // Every answer of the whole run: a success, an expected refusal, or a clean 503.
    const failures = traffic.observed.filter(({ answer, error }) => {
      if (error || !answer) return true;
      if (answer.status === 503) {
        return !(/database/i.test(answer.text) && !LEAK.test(answer.text));
      }
      if (answer.status >= 500) return true;
      const graphqlErrors = (answer.body as { errors?: { extensions?: { code?: string } }[] }).errors;
      return graphqlErrors?.some((e) => e.extensions?.code !== 'DATABASE_UNAVAILABLE') ?? false;
    });
    expect(failures.map((f) => `${f.phase} ${f.what}: ${f.error ?? `${f.answer?.status} ${f.answer?.text}`}`)).toEqual([]);
    const down = traffic.observed.filter((o) => o.phase === 'down' && o.what !== 'readyz');
    expect(down.some((o) => o.answer?.status === 503)).toBe(true);
  });
});

describe('PostgreSQL refusing the service’s credentials (its role disabled), then accepting them again', () => {
  const { cleanups, runCleanups } = cleanupStack();
  let postgres: ThrowawayPostgres;
  let app: TestApp;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: postgres.urlOf('postgres') });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    cleanups.push(() => postgres.destroy());
    await admin('CREATE ROLE twofa LOGIN');
    await admin('CREATE DATABASE twofa OWNER twofa');
    const url = `postgresql://twofa@127.0.0.1:${postgres.port}/twofa`;
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    app = await createTestApp({ DATABASE_URL: url, ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '0' });
    cleanups.push(() => app.close());
  }, 90_000);
  afterAll(runCleanups, 60_000);

  it('/readyz says 503 "database refused the credentials", requests 503 DATABASE_UNAVAILABLE, and it serves again by itself', async () => {
    const username = uniqueName('creds');
    const created = await executeRaw(app, 'mutation($input: CreateUserInput!) { createUser(input: $input) { __typename } }', {
      input: { username, email: `${username}@example.com` },
    });
    expect(created.body.data).toEqual({ createUser: { __typename: 'User' } });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });

    // The role may no longer log in (as after a credential rotation): the server refuses every
    // new connection (SQLSTATE 28000), and the open ones are cut, as a server restart would.
    await admin('ALTER ROLE twofa NOLOGIN');
    await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'twofa'");

    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect({ status: ready.statusCode, body: ready.json<unknown>() }).toEqual({ status: 503, body: { status: 'database refused the credentials' } });
    for (const response of [
      await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` }),
      await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: '123456' } }),
    ]) {
      expect(response.statusCode, response.body).toBe(503);
      expect(response.json()).toEqual({ detail: expect.stringMatching(/database/i) as unknown });
      expect(response.body).not.toMatch(LEAK);
    }
    for (const query of [
      'query($u: String!) { user(username: $u) { username } }',
      'mutation($u: String!) { generateOtp(username: $u) { __typename } }',
    ]) {
      const result = await executeRaw(app, query, { u: username });
      expect(result.body.errors?.map((e) => e.extensions?.code), JSON.stringify(result.body)).toEqual(['DATABASE_UNAVAILABLE']);
      expect(JSON.stringify(result.body)).not.toMatch(LEAK);
    }

    await admin('ALTER ROLE twofa LOGIN');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    const generated = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` });
    expect(generated.statusCode, generated.body).toBe(200);
  });
});

describe('PostgreSQL that cannot take writes: read-only (a failover to a standby), a privilege revoked', () => {
  // Found from outside: with the database read-only, 20 of 20 writes answered 500 and /readyz
  // said ready. Reads keep working on such a database, so nothing failed until a write did.
  const { cleanups, runCleanups } = cleanupStack();
  let postgres: ThrowawayPostgres;
  const admin = async (database: string, sql: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: postgres.urlOf(database) });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  /** a user's codes, by status, read by an admin session: what the refused requests may not have changed */
  const codesOf = async (database: string, username: string) =>
    (
      await admin(database, 'SELECT o.status FROM otp_logs o JOIN users u ON u.id = o.user_id WHERE u.username = $1 ORDER BY o.id', [
        username,
      ])
    ).map((row) => String(row.status));
  const readyz = async (app: TestApp) => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    return { status: response.statusCode, body: response.json<unknown>() };
  };
  const appEnv = (url: string) => ({
    DATABASE_URL: url,
    ALLOW_ANONYMOUS_CALLERS: 'true',
    IP_RATE_LIMIT: '0',
    OTP_RESEND_INTERVAL_SECONDS: '0',
    OTP_MAX_SENDS_PER_HOUR: '1000',
    LOCKOUT_THRESHOLD: '1000',
  });
  const createUser = (app: TestApp, username: string) =>
    executeRaw(app, 'mutation($input: CreateUserInput!) { createUser(input: $input) { __typename } }', {
      input: { username, email: `${username}@example.com` },
    });
  const generate = (app: TestApp, username: string) => app.inject({ method: 'POST', url: `/auth/generate?username=${username}` });
  const verify = (app: TestApp, username: string, code: string) =>
    app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code } });
  const readUser = (app: TestApp, username: string) => executeRaw(app, 'query($u: String!) { user(username: $u) { username } }', { u: username });

  /** Twenty writes of every kind: REST generate and verify, GraphQL createUser and generateOtp. Each answer, summed up. */
  async function twentyWrites(app: TestApp, username: string, code: string): Promise<string[]> {
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const response of [await generate(app, username), await verify(app, username, code)]) {
        expect(response.body).not.toMatch(LEAK);
        answers.push(`${response.statusCode} ${response.json<{ detail?: string }>().detail ?? response.body}`);
      }
      for (const result of [
        await createUser(app, uniqueName('refused')),
        await executeRaw(app, 'mutation($u: String!) { generateOtp(username: $u) { __typename } }', { u: username }),
      ]) {
        const text = JSON.stringify(result.body);
        expect(text).not.toMatch(LEAK);
        answers.push(result.body.errors ? result.body.errors.map((e) => String(e.extensions?.code)).join(',') : text);
      }
    }
    return answers;
  }

  beforeAll(async () => {
    postgres = await startThrowawayPostgres();
    cleanups.push(() => postgres.destroy());
  }, 90_000);
  afterAll(runCleanups, 60_000);

  it('read-only: every write 503 DATABASE_UNAVAILABLE, /readyz 503 "database is read-only", nothing written; writes again by itself', async () => {
    const url = await postgres.createDatabase('readonly');
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    const app = await createTestApp(appEnv(url));
    cleanups.push(() => app.close());
    const username = uniqueName('ro');
    expect((await createUser(app, username)).body.data).toEqual({ createUser: { __typename: 'User' } });
    const generated = await generate(app, username);
    expect(generated.statusCode, generated.body).toBe(200);
    const code = generated.json<{ otp_code: string }>().otp_code;

    // As a failover to a standby looks to the service: every session cut, every new one read-only.
    await admin('postgres', 'ALTER DATABASE readonly SET default_transaction_read_only = on');
    await admin('postgres', "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'readonly'");

    await eventually('/readyz to say read-only', 10_000, async () => (await readyz(app)).status === 503);
    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database is read-only' } });
    const answers = await twentyWrites(app, username, code);
    console.log(`read-only PostgreSQL: ${answers.filter((a) => /^503 |^DATABASE_UNAVAILABLE$/.test(a)).length}/${answers.length} writes 503 DATABASE_UNAVAILABLE`);
    expect(answers).toEqual(
      Array.from({ length: 5 }, () => [
        '503 The database is unavailable; try again shortly',
        '503 The database is unavailable; try again shortly',
        'DATABASE_UNAVAILABLE',
        'DATABASE_UNAVAILABLE',
      ]).flat(),
    );
    // Reads still served, and nothing half-written: the code issued before is still the only one, unused.
    expect((await readUser(app, username)).body).toEqual({ data: { user: { username } } });
    expect(await codesOf('readonly', username)).toEqual(['ACTIVE']);

    // Sessions opened during the spell and kept in the pool (concurrent reads need several):
    // they keep refusing writes after the database turns writable, until replaced.
    await Promise.all([...Array.from({ length: 4 }, () => readUser(app, username)), readyz(app)]);
    await admin('postgres', 'ALTER DATABASE readonly SET default_transaction_read_only = off');
    const writableAt = Date.now();
    await eventually('/readyz to say ready again', 15_000, async () => (await readyz(app)).status === 200);
    const readyAfter = Date.now() - writableAt;
    expect((await verify(app, username, code)).statusCode).toBe(200);
    // Once ready, every write goes through: no session left that was opened read-only.
    // (concurrent, so they take several pooled connections; distinct users, so no throttle of one user's sends)
    const afterwards = await Promise.all(Array.from({ length: 8 }, () => createUser(app, uniqueName('after'))));
    expect(afterwards.map((result) => JSON.stringify(result.body))).toEqual(
      Array.from({ length: 8 }, () => JSON.stringify({ data: { createUser: { __typename: 'User' } } })),
    );
    console.log(`read-only PostgreSQL: /readyz ready again ${readyAfter} ms after the database turned writable`);
  });

  it('a privilege revoked: every write 503 DATABASE_UNAVAILABLE, /readyz 503 naming it; serves again once granted', async () => {
    await admin('postgres', 'CREATE ROLE service LOGIN');
    const url = await postgres.createDatabase('forbidden');
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    const grant = (verb: 'GRANT' | 'REVOKE') =>
      admin(
        'forbidden',
        verb === 'GRANT'
          ? 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO service; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO service'
          : 'REVOKE INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public FROM service',
      );
    await grant('GRANT');
    const app = await createTestApp(appEnv(`postgresql://service@127.0.0.1:${postgres.port}/forbidden`));
    cleanups.push(() => app.close());
    const username = uniqueName('forbidden');
    expect((await createUser(app, username)).body.data).toEqual({ createUser: { __typename: 'User' } });
    const generated = await generate(app, username);
    expect(generated.statusCode, generated.body).toBe(200);
    const code = generated.json<{ otp_code: string }>().otp_code;
    expect(await readyz(app)).toEqual({ status: 200, body: { status: 'ready' } });

    // Reading is still allowed: nothing fails until a write does, which is what made this a 500.
    await grant('REVOKE');
    expect(await readyz(app)).toEqual({ status: 503, body: { status: 'database denies the service a privilege it needs' } });
    const answers = await twentyWrites(app, username, code);
    console.log(`privilege revoked: ${answers.filter((a) => /^503 |^DATABASE_UNAVAILABLE$/.test(a)).length}/${answers.length} writes 503 DATABASE_UNAVAILABLE`);
    expect(new Set(answers)).toEqual(new Set(['503 The database is unavailable; try again shortly', 'DATABASE_UNAVAILABLE']));
    expect((await readUser(app, username)).body).toEqual({ data: { user: { username } } });
    expect(await codesOf('forbidden', username)).toEqual(['ACTIVE']);

    await grant('GRANT');
    expect(await readyz(app)).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await verify(app, username, code)).statusCode).toBe(200);
  });
});

describe('the service killed with SIGKILL under load, then restarted', () => {
  const USERS = 40;
  let smtp: TestSmtpServer;
  let database: Database;
  const { cleanups, runCleanups } = cleanupStack();
  /** Every process started, the killed one included: stopping an exited one is a no-op. */
  const started: ServiceProcess[] = [];
  const start = async () => {
    const service = await startServiceProcess({ env: env() });
    started.push(service);
    return service;
  };
  const env = () => ({
    DATABASE_URL: inject('databaseUrl'),
    ALLOW_ANONYMOUS_CALLERS: 'true',
    IP_RATE_LIMIT: '1000000',
    SMTP_SERVER: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    SMTP_SECURITY: 'none',
    // Held deliveries must still be in flight when the process dies, not time out first.
    SMTP_TIMEOUT_MS: '60000',
  });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    database = createDatabase(parseConfig({ DATABASE_URL: inject('databaseUrl') }).database);
    cleanups.push(() => database.close());
    await database.init();
    cleanups.push(() => Promise.all(started.map((service) => service.kill())));
  });
  afterAll(runCleanups);

  it('leaves every code fully recorded or absent, and none usable whose delivery never completed', async () => {
    const first = await start();
    const usernames = Array.from({ length: USERS }, () => uniqueName('crash'));
    for (let i = 0; i < USERS; i += 10) {
      await Promise.all(usernames.slice(i, i + 10).map((username) => emailUser(first.url, username)));
    }

    // Each user: generate, then (two in three) verify the code that came back, so codes are
    // left in every state. The codes of completed answers are kept.
    const answered = new Map<string, string>();
    const flows = usernames.map(async (username, i) => {
      await sleep(i * 10);
      const generated = await remoteGenerate(first.url, username).catch(() => undefined);
      const code = generated?.body.otp_code;
      if (generated?.status !== 200 || typeof code !== 'string') return;
      answered.set(username, code);
      if (i % 3 !== 0) await remoteVerify(first.url, username, code).catch(() => undefined);
    });

    // Once some flows are through, deliveries start to hang: their codes reach the mail server
    // (and so the user) while their rows wait for the delivery's answer. Then the plug is pulled.
    await eventually('some completed generates', 15_000, async () => answered.size >= USERS / 4);
    smtp.behave({ holdData: true });
    await eventually('deliveries in flight', 15_000, async () => smtp.messages.some((m) => !m.accepted));
    await sleep(50);
    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    await Promise.all(flows);
    smtp.behave({});

    const restarted = await start();

    const rows = new Map<string, StoredOtpLog[]>();
    for (const username of usernames) rows.set(username, await storedOtpLogs(database, username));
    const all = [...rows.values()].flat();
    expect(all.length).toBeGreaterThan(0);

    // Fully recorded: a known status, a keyed hash, an expiry, and USED exactly when verified.
    for (const row of all) {
      expect(['SENDING', 'ACTIVE', 'USED', 'SUPERSEDED', 'FAILED'], JSON.stringify(row, jsonSafe)).toContain(row.status);
      expect(row.code_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(row.channel).toBe('EMAIL');
      expect(row.destination).toMatch(/\*\*\*@example\.com$/);
      expect(new Date(String(row.expires_at)).getTime()).toBeGreaterThan(Date.now());
      const used = row.status === 'USED';
      expect({ verified: Boolean(row.verified), usedAt: row.used_at !== null }, JSON.stringify(row, jsonSafe)).toEqual({
        verified: used,
        usedAt: used,
      });
    }
    // One send per user here (the resend interval): never two rows, never two codes in play.
    for (const [username, list] of rows) expect(list.length, username).toBeLessThanOrEqual(1);

    // The codes that reached the mail server but whose delivery never finished: never usable.
    const held = smtp.messages.filter((m) => !m.accepted);
    expect(held.length).toBeGreaterThan(0);
    for (const message of held) {
      const username = message.to[0]?.replace(/@example\.com$/, '') ?? '';
      expect(rows.get(username)?.map((row) => row.status), username).toEqual(['SENDING']);
      const refused = await remoteVerify(restarted.url, username, codeIn(message.text));
      expect(refused.status, refused.text).toBe(400);
      expect((await storedOtpLogs(database, username)).map((row) => row.status)).toEqual(['SENDING']);
    }

    // The codes the callers got: usable after the restart exactly while recorded ACTIVE.
    for (const [username, code] of answered) {
      const status = rows.get(username)?.[0]?.status;
      expect(['ACTIVE', 'USED'], username).toContain(status);
      const answer = await remoteVerify(restarted.url, username, code);
      expect(answer.status, `${username} (${String(status)}): ${answer.text}`).toBe(status === 'ACTIVE' ? 200 : 400);
    }
    const stopped = await restarted.stop();
    expect(stopped.code, restarted.output()).toBe(0);
  }, 120_000);
});

/** Creates a user whose email address is `<username>@example.com`, so mail tells whose code it carries. */
async function emailUser(url: string, username: string) {
  const answer = await remoteGraphql(
    url,
    'mutation($input: CreateUserInput!) { createUser(input: $input) { __typename } }',
    { input: { username, email: `${username}@example.com` } },
  );
  if (answer.body.data?.createUser?.__typename !== 'User') throw new Error(`createUser failed: ${answer.text}`);
}

function codeIn(text: string): string {
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in the message: ${text}`);
  return code;
}

/** Undo steps, run last-in first-out in afterAll, each whatever the others do. */
function cleanupStack() {
  const cleanups: (() => Promise<unknown>)[] = [];
  const runCleanups = async () => {
    const failures = [];
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length) throw new AggregateError(failures, 'cleanup failed');
  };
  return { cleanups, runCleanups };
}

const jsonSafe = (_key: string, value: unknown) => (typeof value === 'bigint' ? Number(value) : value);
