/**
 * `npx tsx bench/statements.ts [--postgres[=URL]]`: the CPU cost of each database statement
 * the verify path makes, measured in-process through the service's own Prisma client, next to
 * the raw alternatives. CPU time (process.cpuUsage), not wall time, so other work on the
 * machine disturbs it little. One statement at a time (no concurrency).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import Sqlite from 'better-sqlite3';
import { SignJWT } from 'jose';
import pg from 'pg';
import { PrismaClient as SqliteClient } from '../src/db/generated/sqlite/client.js';
import { parseConfig } from '../src/config/config.js';
import { createDatabase, type Db } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';

const ROUNDS = 6;
const CALLS_PER_ROUND = 500;
const WARM_UP = 500;

const postgresArg = process.argv.find((arg) => arg.startsWith('--postgres'));
const adminUrl = postgresArg ? (postgresArg.split('=')[1] ?? 'postgresql://postgres@127.0.0.1:5432/test') : undefined;

const tmp = mkdtempSync(join(tmpdir(), 'twofa-statements-'));
let dropDatabase: (() => Promise<void>) | undefined;
let databaseUrl = `file:${join(tmp, 'statements.db')}`;
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
const db: Db = database.db;

try {
  const now = new Date();
  const user = await db.user.create({ data: { username: 'bench-statements', email: 'bench@bench.test' } });
  const expires = new Date(now.getTime() + 3_600_000);
  const log = await db.otpLog.create({
    data: { userId: user.id, codeHash: 'x'.repeat(64), channel: 'EMAIL', destination: 'b***@bench.test', expiresAt: expires, createdAt: now, status: 'ACTIVE' },
  });
  const audit = {
    createdAt: now,
    event: 'OTP_VERIFY',
    outcome: 'SUCCESS',
    reason: null,
    method: 'otp',
    channel: null,
    userId: user.id,
    username: user.username,
    caller: null,
    ip: '127.0.0.1',
    userAgent: 'bench',
    requestId: 'req-1',
  };

  const cases: [string, (db: Db) => Promise<unknown>][] = [
    ['SELECT 1 ($queryRaw): the floor of any statement', (db) => db.$queryRaw`SELECT 1`],
    [
      'user.findUnique (select 4 fields)  [verify step 1]',
      (db) => db.user.findUnique({ where: { username: user.username }, select: { id: true, otpEnabled: true, lockedUntil: true, failedVerifications: true } }),
    ],
    [
      '$queryRaw SELECT the same user',
      (db) => db.$queryRaw`SELECT id, otp_enabled, locked_until, failed_verifications FROM users WHERE username = ${user.username}`,
    ],
    [
      '$queryRaw UPDATE ... RETURNING (reserve an attempt)  [verify step 2]',
      (db) => db.$queryRaw`
        UPDATE otp_logs SET attempts = attempts + 1
         WHERE id = (SELECT id FROM otp_logs WHERE user_id = ${user.id} AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
           AND status = 'ACTIVE' AND attempts < ${1_000_000_000} AND expires_at > ${now}
        RETURNING id, code_hash, attempts`,
    ],
    [
      '$executeRaw UPDATE (consume the code)  [verify step 3]',
      (db) => db.$executeRaw`UPDATE otp_logs SET status = 'ACTIVE', verified = ${false}, used_at = ${now} WHERE id = ${log.id} AND status = 'ACTIVE'`,
    ],
    ['auditEvent.create (select id)  [verify step 4]', (db) => db.auditEvent.create({ data: audit, select: { id: true } })],
    [
      '$executeRaw INSERT INTO audit_events',
      (db) => db.$executeRaw`
        INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
        VALUES (${audit.createdAt}, ${audit.event}, ${audit.outcome}, ${audit.reason}, ${audit.method}, ${audit.channel}, ${audit.userId},
                ${audit.username}, ${audit.caller}, ${audit.ip}, ${audit.userAgent}, ${audit.requestId})`,
    ],
    [
      'otpLog.findFirst (diagnose/hasPendingCode)',
      (db) =>
        db.otpLog.findFirst({
          where: { userId: user.id, status: { in: ['ACTIVE', 'USED'] } },
          orderBy: { id: 'desc' },
          select: { status: true, attempts: true, expiresAt: true },
        }),
    ],
  ];

  // SQLite only: the same statements through Prisma's adapter as shipped (a fresh prepare per
  // statement), interleaved round by round with the service's client so drift on a busy machine
  // hits both alike.
  const plain = adminUrl ? undefined : new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: config.database.sqlitePath }) });
  const direct = adminUrl ? undefined : new Sqlite(config.database.sqlitePath);
  const variants: [string, Db][] = [['service client', db]];
  if (plain) variants.push(['adapter as shipped', plain]);

  process.stdout.write(
    `${adminUrl ? 'PostgreSQL' : 'SQLite'}: CPU µs per call (process.cpuUsage), ${ROUNDS * CALLS_PER_ROUND} sequential calls each, Node ${process.version}\n`,
  );
  process.stdout.write(`| statement | ${variants.map(([name]) => name).join(' | ')} |\n|---|${variants.map(() => '--:').join('|')}|\n`);
  for (const [name, run] of cases) {
    const cpu = variants.map(() => 0);
    for (const [, client] of variants) for (let i = 0; i < WARM_UP; i++) await run(client);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, [, client]] of variants.entries()) {
        const before = process.cpuUsage();
        for (let i = 0; i < CALLS_PER_ROUND; i++) await run(client);
        const used = process.cpuUsage(before);
        cpu[index] = (cpu[index] ?? 0) + used.user + used.system;
      }
    }
    process.stdout.write(`| ${name} | ${cpu.map((us) => (us / (ROUNDS * CALLS_PER_ROUND)).toFixed(0)).join(' | ')} |\n`);
  }
  // The whole verify (user, reserve, consume, audit): as the service makes it now, with raw
  // tagged templates only, and on the driver under Prisma (prepared once).
  const audited = (client: Db, i: number) =>
    client.$executeRaw`
      INSERT INTO audit_events (created_at, event, outcome, method, user_id, username, ip, user_agent, request_id)
      VALUES (${now}, 'OTP_VERIFY', 'SUCCESS', 'otp', ${user.id}, ${user.username}, '127.0.0.1', 'bench', ${`req-${i}`})`;
  const reserve = (client: Db) =>
    client.$queryRaw<{ id: number }[]>`
      UPDATE otp_logs SET attempts = attempts + 1
       WHERE id = (SELECT id FROM otp_logs WHERE user_id = ${user.id} AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
         AND status = 'ACTIVE' AND attempts < ${1_000_000_000} AND expires_at > ${now}
      RETURNING id, code_hash, attempts`;
  const consume = (client: Db) =>
    client.$executeRaw`UPDATE otp_logs SET status = 'ACTIVE', verified = ${false}, used_at = ${now} WHERE id = ${log.id} AND status = 'ACTIVE'`;
  const sequences: [string, (i: number) => unknown][] = [
    [
      'verify as now: findUnique + 2 raw + auditEvent.create',
      async (i) => {
        await db.user.findUnique({ where: { username: user.username }, select: { id: true, otpEnabled: true, lockedUntil: true, failedVerifications: true } });
        await reserve(db);
        await consume(db);
        await db.auditEvent.create({ data: { ...audit, requestId: `req-${i}` }, select: { id: true } });
      },
    ],
    [
      'verify with raw tagged templates only (4 statements)',
      async (i) => {
        await db.$queryRaw`SELECT id, otp_enabled, locked_until, failed_verifications FROM users WHERE username = ${user.username}`;
        await reserve(db);
        await consume(db);
        await audited(db, i);
      },
    ],
  ];
  const iso = (date: Date) => date.toISOString().replace('Z', '+00:00');
  let pool: pg.Pool | undefined;
  if (direct) {
    const select = direct.prepare('SELECT id, otp_enabled, locked_until, failed_verifications FROM users WHERE username = ?');
    const reserveStatement = direct.prepare(`
      UPDATE otp_logs SET attempts = attempts + 1
       WHERE id = (SELECT id FROM otp_logs WHERE user_id = ? AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
         AND status = 'ACTIVE' AND attempts < ? AND expires_at > ?
      RETURNING id, code_hash, attempts`);
    const consumeStatement = direct.prepare("UPDATE otp_logs SET status = 'ACTIVE', verified = 0, used_at = ? WHERE id = ? AND status = 'ACTIVE'");
    const insert = direct.prepare(`
      INSERT INTO audit_events (created_at, event, outcome, method, user_id, username, ip, user_agent, request_id)
      VALUES (?, 'OTP_VERIFY', 'SUCCESS', 'otp', ?, ?, '127.0.0.1', 'bench', ?)`);
    sequences.push([
      'verify on better-sqlite3 directly (4 statements)',
      (i) => {
        select.get(user.username);
        reserveStatement.all(user.id, 1_000_000_000, iso(now));
        consumeStatement.run(iso(now), log.id);
        insert.run(iso(now), user.id, user.username, `req-${i}`);
      },
    ]);
  } else {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    const on = pool;
    sequences.push([
      'verify on pg directly (4 named prepared statements)',
      async (i) => {
        await on.query({ name: 'user', text: 'SELECT id, otp_enabled, locked_until, failed_verifications FROM users WHERE username = $1', values: [user.username] });
        await on.query({
          name: 'reserve',
          text: `UPDATE otp_logs SET attempts = attempts + 1
                  WHERE id = (SELECT id FROM otp_logs WHERE user_id = $1 AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
                    AND status = 'ACTIVE' AND attempts < $2 AND expires_at > $3
                 RETURNING id, code_hash, attempts`,
          values: [user.id, 1_000_000_000, now],
        });
        await on.query({ name: 'consume', text: "UPDATE otp_logs SET status = 'ACTIVE', verified = false, used_at = $1 WHERE id = $2 AND status = 'ACTIVE'", values: [now, log.id] });
        await on.query({
          name: 'audit',
          text: `INSERT INTO audit_events (created_at, event, outcome, method, user_id, username, ip, user_agent, request_id)
                 VALUES ($1, 'OTP_VERIFY', 'SUCCESS', 'otp', $2, $3, '127.0.0.1', 'bench', $4)`,
          values: [now, user.id, user.username, `req-${i}`],
        });
      },
    ]);
  }
  // the result token a successful verify signs: jose over WebCrypto, and node:crypto directly
  const secret = randomBytes(32).toString('base64url');
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  sequences.push(
    [
      'result token: jose SignJWT, WebCrypto key imported once',
      () => new SignJWT({ amr: ['otp'] }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('u').setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(key),
    ],
    [
      'result token: node:crypto createHmac, synchronous',
      () => {
        const issuedAt = Math.floor(Date.now() / 1000);
        const body = Buffer.from(JSON.stringify({ amr: ['otp'], sub: 'u', iat: issuedAt, exp: issuedAt + 300, jti: randomUUID() })).toString('base64url');
        return `${header}.${body}.${createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url')}`;
      },
    ],
  );
  process.stdout.write('\n| the whole verify | CPU µs per verify | verifies/s of one core |\n|---|--:|--:|\n');
  const totals = sequences.map(() => 0);
  let n = 0;
  for (const [, run] of sequences) for (let i = 0; i < WARM_UP; i++) await run(n++);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, run]] of sequences.entries()) {
      const before = process.cpuUsage();
      for (let i = 0; i < CALLS_PER_ROUND; i++) await run(n++);
      const used = process.cpuUsage(before);
      totals[index] = (totals[index] ?? 0) + used.user + used.system;
    }
  }
  for (const [index, [name]] of sequences.entries()) {
    const us = (totals[index] ?? 0) / (ROUNDS * CALLS_PER_ROUND);
    process.stdout.write(`| ${name} | ${us.toFixed(0)} | ${Math.round(1e6 / us).toLocaleString('en-US')} |\n`);
  }
  direct?.close();
  await pool?.end();
  await plain?.$disconnect();
} finally {
  await database.close();
  await dropDatabase?.();
  rmSync(tmp, { recursive: true, force: true });
}
