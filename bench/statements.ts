/**
 * `npx tsx bench/statements.ts [--postgres[=URL]]`: the CPU cost of the statements a verify
 * makes, in-process, through the service's own hot-path executor (src/db/sql.ts) and, for
 * comparison, through Prisma's raw tagged templates. CPU time (process.cpuUsage), not wall
 * time, so other work on the machine disturbs it little.
 *
 * The first four cases are a verify as four statements (the user, reserving an attempt on the
 * code, consuming it, and the audit row), as it was written when the hot path left Prisma. The
 * next two are a right-code verify's writes as the stores make them today
 * (src/verification/verification.store.ts): the guess, the attempt, the code used up, the
 * budget cleared, the audit row and the event, once as four entries of the group commit (each
 * step awaited, as before issue 24's item 5) and once as its two units. "one at a time" awaits
 * each verify before the next; "50 at once" runs 50 verifies concurrently, as 50 connections
 * do, which on SQLite lets the executor commit the writes of one event-loop turn together.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { securityEvent } from '../src/events/events.js';
import { createStores } from '../src/services.js';

const USERS = 20_000;
const ROUNDS = 4;

const postgresArg = process.argv.find((arg) => arg.startsWith('--postgres'));
const adminUrl = postgresArg ? (postgresArg.split('=')[1] ?? 'postgresql://postgres@127.0.0.1:5432/test') : undefined;
const tmp = mkdtempSync(join(tmpdir(), 'twofa-statements-'));
let databaseUrl = `file:${join(tmp, 'statements.db')}`;
let dropDatabase: (() => Promise<void>) | undefined;
if (adminUrl) {
  const name = `twofa_statements_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
}

const config = parseConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
await applyMigrations(config.database);
const database = createDatabase(config.database);
await database.init();

type Verify = (index: number, now: Date) => Promise<unknown>;

/** The four statements of a right-code verify, as the services write them, on the executor. */
const onExecutor =
  ({ sql }: Database): Verify =>
  async (index, now) => {
    const username = `u${index}`;
    const [user] = await sql.rows<{ id: number }>`
      SELECT id, otp_enabled, locked_until, failed_verifications, totp_secret, totp_last_step FROM users WHERE username = ${username}`;
    if (!user) throw new Error(`no user ${username}`);
    const [code] = await sql.rows<{ id: number }>`
      UPDATE otp_logs SET attempts = attempts + 1
       WHERE id = (SELECT id FROM otp_logs WHERE user_id = ${user.id} AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
         AND status = 'ACTIVE' AND attempts < ${5} AND expires_at > ${now}
      RETURNING id, code_hash, attempts`;
    if (!code) throw new Error(`no code for ${username}`);
    await sql.run`UPDATE otp_logs SET status = 'USED', verified = ${true}, used_at = ${now} WHERE id = ${code.id} AND status = 'ACTIVE'`;
    await sql.run`
      INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
      VALUES (${now}, 'OTP_VERIFY', 'SUCCESS', ${null}, 'otp', ${null}, ${user.id}, ${username}, ${null}, '127.0.0.1', 'bench', ${`req-${index}`})`;
  };

/** The same four through Prisma's raw tagged templates (what the service did before). */
const onPrisma =
  ({ db }: Database): Verify =>
  async (index, now) => {
    const username = `u${index}`;
    // Prisma's SQLite adapter reads integers as BigInt
    const [user] = await db.$queryRaw<{ id: number | bigint }[]>`
      SELECT id, otp_enabled, locked_until, failed_verifications, totp_secret, totp_last_step FROM users WHERE username = ${username}`;
    if (!user) throw new Error(`no user ${username}`);
    const userId = Number(user.id);
    const [code] = await db.$queryRaw<{ id: number | bigint }[]>`
      UPDATE otp_logs SET attempts = attempts + 1
       WHERE id = (SELECT id FROM otp_logs WHERE user_id = ${userId} AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
         AND status = 'ACTIVE' AND attempts < ${5} AND expires_at > ${now}
      RETURNING id, code_hash, attempts`;
    if (!code) throw new Error(`no code for ${username}`);
    await db.$executeRaw`UPDATE otp_logs SET status = 'USED', verified = ${true}, used_at = ${now} WHERE id = ${Number(code.id)} AND status = 'ACTIVE'`;
    await db.$executeRaw`
      INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
      VALUES (${now}, 'OTP_VERIFY', 'SUCCESS', ${null}, 'otp', ${null}, ${userId}, ${username}, ${null}, '127.0.0.1', 'bench', ${`req-${index}`})`;
  };

const stores = createStores({ sql: database.sql });
const limits = { threshold: 1_000, maxConsecutive: 1_000 };
const auditRow = (index: number, userId: number, now: Date) => ({
  createdAt: now,
  event: 'OTP_VERIFY',
  outcome: 'SUCCESS',
  reason: null,
  method: 'otp',
  channel: null,
  userId,
  username: `u${index}`,
  caller: null,
  ip: '127.0.0.1',
  userAgent: 'bench',
  requestId: `req-${String(index)}`,
});
const approved = (index: number, userId: number, now: Date) => [securityEvent('verification.approved', userId, { username: `u${index}`, method: 'otp' }, now)];

/** A right code's writes through the stores, each step its own entry of the group commit (before issue 24's item 5). */
const storesInSteps: Verify = async (index, now) => {
  const { users, codes, audit, outbox } = stores;
  const guess = await users.takeGuess(`u${index}`, now, now, limits);
  if (!guess) throw new Error(`no guess for u${index}`);
  const code = await codes.reserveAttempt(guess.id, now, 5);
  if (!code || !(await codes.consume(code.id, now))) throw new Error(`no code for u${index}`);
  await database.sql.atomic([users.clearGuessesStatement(guess.id), audit.insertStatement(auditRow(index, guess.id, now)), ...outbox.statements(approved(index, guess.id, now))]);
};

/** The same writes as the service makes them now: the guess with its attempt, then the settlement, two units. */
const storesInUnits: Verify = async (index, now) => {
  const taken = await stores.verification.takeGuess(`u${index}`, now, now, limits, { maxAttempts: 5 });
  const code = taken?.reserved;
  if (!taken || !code) throw new Error(`no code for u${index}`);
  const userId = taken.guess.id;
  const settled = await stores.verification.settle({
    at: now,
    consumeCode: code.id,
    clearGuessesOf: userId,
    audits: [auditRow(index, userId, now)],
    events: approved(index, userId, now),
  });
  if (!settled) throw new Error(`code of u${index} used twice`);
};

/** Gives every user a fresh ACTIVE code, so each verify finds one. */
async function freshCodes(now: Date): Promise<void> {
  const expires = new Date(now.getTime() + 3_600_000);
  await database.sql.run`UPDATE otp_logs SET status = 'ACTIVE', attempts = 0, expires_at = ${expires}`;
}

/** CPU µs per verify over all users, `concurrency` verifies at a time. */
async function measure(verify: Verify, concurrency: number): Promise<number> {
  const now = new Date();
  await freshCodes(now);
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let index = next++; index < USERS; index = next++) await verify(index, now);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / USERS;
}

try {
  const now = new Date();
  for (let i = 0; i < USERS; i++) {
    const [user] = await database.sql.rows<{ id: number }>`
      INSERT INTO users (username, email, delivery_method, locale, otp_enabled, failed_verifications, created_at, updated_at)
      VALUES (${`u${i}`}, ${`u${i}@bench.test`}, 'EMAIL', 'en', ${true}, 0, ${now}, ${now}) RETURNING id`;
    await database.sql.run`
      INSERT INTO otp_logs (user_id, code_hash, channel, destination, status, attempts, verified, expires_at, created_at)
      VALUES (${user?.id ?? 0}, ${'0'.repeat(64)}, 'EMAIL', 'u***@bench.test', 'ACTIVE', 0, ${false}, ${now}, ${now})`;
  }
  const cases: [string, Verify, number][] = [
    ['Prisma raw templates, one at a time', onPrisma(database), 1],
    ['Prisma raw templates, 50 at once', onPrisma(database), 50],
    ['hot-path executor, one at a time', onExecutor(database), 1],
    ['hot-path executor, 50 at once', onExecutor(database), 50],
    ['stores, right code, four group entries (before), 50 at once', storesInSteps, 50],
    ['stores, right code, two units (now), 50 at once', storesInUnits, 50],
    ['stores, right code, four group entries (before), one at a time', storesInSteps, 1],
    ['stores, right code, two units (now), one at a time', storesInUnits, 1],
  ];
  process.stdout.write(
    `${adminUrl ? 'PostgreSQL' : 'SQLite'}: CPU µs per verify, ${USERS.toLocaleString('en-US')} verifies per round, best of ${ROUNDS}, Node ${process.version}\n\n` +
      '| verify | CPU µs | verifies/s of one core |\n|---|--:|--:|\n',
  );
  for (const [name, verify, concurrency] of cases) {
    let best = Infinity;
    for (let round = 0; round < ROUNDS; round++) best = Math.min(best, await measure(verify, concurrency));
    process.stdout.write(`| ${name} | ${best.toFixed(0)} | ${Math.round(1e6 / best).toLocaleString('en-US')} |\n`);
  }
} finally {
  await database.close();
  await dropDatabase?.();
  rmSync(tmp, { recursive: true, force: true });
}
