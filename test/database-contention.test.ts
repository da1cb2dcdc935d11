// Contention faults: the database is up but cannot serve a request in time. A lock held past
// lock_timeout, a statement past statement_timeout, a pool whose every connection stays checked
// out, a deadlock, a SQLite write lock held past the busy timeout. On a loaded machine
// test/postgres/lock-order.test.ts got 500s from the pool's wait running out; each class is
// brought about here on purpose, not by load. The rule: 503 DATABASE_UNAVAILABLE with
// Retry-After (a deadlock's victim is sent once more first), nothing counted or used up, and
// the same request succeeds once the contention is gone.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { createPostgresSql } from '../src/db/postgres-sql.js';
import { restError } from '../src/http/error-reply.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { sleep } from './support/net.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';

const onPostgres = inject('databaseUrl').startsWith('postgres');

/** What a client must never see in an error: a stack frame, SQL, or the driver's words. */
const LEAK = /\bat \S+ \(|prisma|\bselect\b|\bupdate\b|otp_logs|timeout|deadlock|lock|"stack"/i;

type Reply = Awaited<ReturnType<typeof submitCode>>;

function expectDatabaseUnavailable(reply: Reply) {
  expect(reply.statusCode, reply.body).toBe(503);
  expect(reply.headers['retry-after']).toBe('1');
  expect(reply.json()).toEqual({ detail: 'The database is unavailable; try again shortly' });
  expect(reply.body).not.toMatch(LEAK);
}

async function expectGraphqlUnavailable(app: TestApp, username: string, code: string) {
  const answer = await executeRaw(app, 'mutation($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename } }', {
    u: username,
    c: code,
  });
  expect(answer.body.errors?.map((e) => e.extensions?.code), JSON.stringify(answer.body)).toEqual(['DATABASE_UNAVAILABLE']);
  expect(JSON.stringify(answer.body)).not.toMatch(LEAK);
}

async function eventually(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.runIf(onPostgres)('PostgreSQL under contention', () => {
  let database: PrivateDatabase;
  /** the test's own session: it holds the locks the app's statements wait for */
  let holder: pg.Client;
  /** a session outside any transaction, whose every look at pg_stat_activity is fresh */
  let watcher: pg.Client;
  let name: string;

  beforeAll(async () => {
    database = await createPrivateDatabase('contention');
    name = new URL(database.url).pathname.slice(1);
    holder = new pg.Client({ connectionString: database.url });
    watcher = new pg.Client({ connectionString: database.url });
    await Promise.all([holder.connect(), watcher.connect()]);
  });
  afterAll(async () => {
    await Promise.all([holder.end(), watcher.end()]);
    await database.drop();
  });

  /**
   * An app whose sessions start with `settings` (ALTER DATABASE reaches new sessions only, and
   * every app opens its own pool).
   */
  async function appWith(settings: Record<string, string>, env: Record<string, string> = {}): Promise<TestApp> {
    await holder.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} RESET ALL`);
    for (const [setting, value] of Object.entries(settings)) {
      await holder.query(`ALTER DATABASE ${pg.escapeIdentifier(name)} SET ${setting} = ${pg.escapeLiteral(value)}`);
    }
    return createTestApp({ DATABASE_URL: database.url, ...env });
  }

  async function stored(username: string) {
    const { rows } = await holder.query<{ failed: number; consecutive: number; status: string; attempts: number }>(
      `SELECT u.failed_verifications AS failed, u.consecutive_failures AS consecutive, o.status, o.attempts
         FROM users u JOIN otp_logs o ON o.user_id = u.id WHERE u.username = $1 ORDER BY o.id DESC LIMIT 1`,
      [username],
    );
    return rows[0];
  }

  /** Takes the user's row lock (what a verify's first statement needs) in the holder's transaction. */
  async function lockUser(username: string) {
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM users WHERE username = $1 FOR UPDATE', [username]);
  }

  /** How many sessions wait for a lock in the private database. */
  async function waitingForLocks(): Promise<number> {
    const { rows } = await watcher.query<{ waiting: number }>(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    return rows[0]?.waiting ?? 0;
  }

  it.each([
    ['lock_timeout', '55P03 lock_not_available'],
    ['statement_timeout', '57014 query_canceled'],
  ])('a lock held past %s (%s): 503 with Retry-After, nothing counted, the same code works afterwards', async (setting) => {
    const app = await appWith({ [setting]: '200ms' });
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      await lockUser(username);
      try {
        expectDatabaseUnavailable(await submitCode(app, username, code));
        expectDatabaseUnavailable(await submitCode(app, username, wrongCode(code)));
        await expectGraphqlUnavailable(app, username, code);
      } finally {
        await holder.query('ROLLBACK');
      }
      expect(await stored(username)).toEqual({ failed: 0, consecutive: 0, status: 'ACTIVE', attempts: 0 });
      const reply = await submitCode(app, username, code);
      expect(reply.statusCode, reply.body).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('every pooled connection checked out past the wait: 503 with Retry-After, not 500, and the waiting request still succeeds', async () => {
    const app = await appWith({}, { DATABASE_POOL_SIZE: '1' });
    try {
      const [first, second] = [await createUser(app), await createUser(app)];
      const [firstCode, secondCode] = [(await requestCode(app, first)).code, (await requestCode(app, second)).code];
      await lockUser(first);
      let stuck: Promise<Reply> | undefined;
      try {
        // the pool's one connection now waits for the holder's lock, for as long as it is held
        stuck = submitCode(app, first, firstCode);
        await eventually("the app's connection to wait for the lock", async () => (await waitingForLocks()) === 1);
        // pg-pool: "timeout exceeded when trying to connect", after its 5 s wait
        expectDatabaseUnavailable(await submitCode(app, second, secondCode));
      } finally {
        await holder.query('ROLLBACK');
      }
      const released = await stuck;
      expect(released.statusCode, released.body).toBe(200);
      expect(await stored(second)).toEqual({ failed: 0, consecutive: 0, status: 'ACTIVE', attempts: 0 });
      const reply = await submitCode(app, second, secondCode);
      expect(reply.statusCode, reply.body).toBe(200);
    } finally {
      await app.close();
    }
  });

  it("a verify chosen as a deadlock's victim is sent once more, and succeeds with one guess counted", async () => {
    // The app's session runs the deadlock check 50 ms into a wait, the others only after a
    // minute: in a cycle that includes the app, the app is the one PostgreSQL aborts.
    const app = await appWith({ deadlock_timeout: '50ms' });
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const { rows } = await holder.query<{ id: number }>(
        'SELECT o.id FROM otp_logs o JOIN users u ON u.id = o.user_id WHERE u.username = $1 ORDER BY o.id DESC LIMIT 1',
        [username],
      );
      const codeId = rows[0]?.id;
      for (const session of [holder, other]) await session.query("SET deadlock_timeout = '60s'");
      // `other` holds the user's row; the holder holds the code's row. The verify's first
      // statement (the guess, with an attempt on the code) queues for the user's row, then the
      // holder queues behind it. When `other` lets go, the verify takes the user's row and waits
      // for the code's, which the holder keeps while it waits for the user's row: a cycle, closed
      // by the verify's wait, whose 50 ms check finds it.
      await other.query('BEGIN');
      await other.query('SELECT id FROM users WHERE username = $1 FOR UPDATE', [username]);
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM otp_logs WHERE id = $1 FOR UPDATE', [codeId]);
      const verify = submitCode(app, username, code);
      await eventually('the verify to wait for the user row', async () => (await waitingForLocks()) === 1);
      const holderWaits = holder.query('SELECT id FROM users WHERE username = $1 FOR UPDATE', [username]);
      await eventually('the holder to wait behind it', async () => (await waitingForLocks()) === 2);
      await other.query('ROLLBACK');
      // The verify's statement was aborted (40P01) and wrote nothing; the holder got the user's
      // row. The verify's second try now waits for the holder, which lets go.
      await holderWaits;
      await holder.query('ROLLBACK');
      // (had the holder been the victim instead, holderWaits would have failed with 40P01)
      const reply = await verify;
      expect(reply.statusCode, reply.body).toBe(200);
      // a success clears the counts; the code was used by the one statement that ran
      expect(await stored(username)).toEqual({ failed: 0, consecutive: 0, status: 'USED', attempts: 1 });
    } finally {
      await other.end();
      await app.close();
    }
  });

  it('a statement aborted twice (deadlock, serialization failure) is sent no third time: 503 with Retry-After', async () => {
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const sentAgain: string[] = [];
      const sql = createPostgresSql(pool, { onSentAgain: (sqlstate) => sentAgain.push(sqlstate) });
      for (const code of ['40P01', '40001']) {
        // the driver's error as pg gives it, injected where the pool answers
        const aborted = Object.assign(new Error('could not complete the statement'), { code, severity: 'ERROR' });
        const query = vi.spyOn(pool, 'query').mockRejectedValueOnce(aborted).mockRejectedValueOnce(aborted);
        await expect(sql.rows`SELECT 1 AS one`).rejects.toBe(aborted);
        expect(query).toHaveBeenCalledTimes(2);
        expect(restError(aborted)).toEqual({ status: 503, detail: 'The database is unavailable; try again shortly', expected: false, retryAfter: 1 });
        // aborted once, then answered: the caller sees the answer
        query.mockClear().mockRejectedValueOnce(aborted);
        expect(await sql.rows<{ one: number }>`SELECT 1 AS one`).toEqual([{ one: 1 }]);
        expect(query).toHaveBeenCalledTimes(2);
        query.mockRestore();
      }
      // each second try is reported (the app logs it: test/postgres/lock-order.test.ts reads that log)
      expect(sentAgain).toEqual(['40P01', '40P01', '40001', '40001']);
    } finally {
      await pool.end();
    }
  });
});

describe.runIf(!onPostgres)('SQLite under contention', () => {
  let database: PrivateDatabase;
  beforeAll(async () => {
    database = await createPrivateDatabase('contention');
  });
  afterAll(() => database.drop());

  it('a write lock held past the busy timeout (SQLITE_BUSY): 503 with Retry-After, nothing counted, the same code works afterwards', async () => {
    const app = await createTestApp({ DATABASE_URL: database.url });
    const other = new Database(database.url.replace(/^file:/, ''));
    try {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      other.exec('BEGIN IMMEDIATE');
      try {
        // the service waits up to its busy timeout (5 s) for the lock, without blocking its event loop
        expectDatabaseUnavailable(await submitCode(app, username, code));
      } finally {
        other.exec('ROLLBACK');
      }
      const row = other
        .prepare(
          `SELECT u.failed_verifications AS failed, u.consecutive_failures AS consecutive, o.status, o.attempts
             FROM users u JOIN otp_logs o ON o.user_id = u.id WHERE u.username = ? ORDER BY o.id DESC LIMIT 1`,
        )
        .get(username);
      expect(row).toEqual({ failed: 0, consecutive: 0, status: 'ACTIVE', attempts: 0 });
      const reply = await submitCode(app, username, code);
      expect(reply.statusCode, reply.body).toBe(200);
    } finally {
      other.close();
      await app.close();
    }
  });
});
