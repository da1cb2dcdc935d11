// The admin CLI an operator uses without the API: create, show and disable users, purge
// records past the retention period, and mint a caller token. It runs against DATABASE_URL
// like the service.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { decodeJwt } from 'jose';
import { uniqueName, useTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET } from './support/app.js';
import { bearer } from './support/callers.js';
import { createUser, JWT_SHAPE } from './support/flows.js';
import { openTestDatabase } from './support/db.js';
import { createPrivateDatabase } from './support/private-database.js';
import { parseConfig } from '../src/config/config.js';
import { createSecretBox } from '../src/crypto/secret-box.js';
import { createDatabase } from '../src/db/client.js';

async function cli(...args: string[]) {
  const lines: string[] = [];
  const code = await runCli(args, (line) => lines.push(line));
  return { code, output: lines.join('\n') };
}

describe('admin CLI', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    Object.assign(process.env, { DATABASE_URL: inject('databaseUrl'), SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test' });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prints its help', async () => {
    const { code, output } = await cli('--help');
    expect(code).toBe(0);
    expect(output).toContain('users:create');
    expect(output).toContain('logs:purge');
  });

  it('creates, shows and disables a user', async () => {
    const username = uniqueName('cli');
    expect(await cli('users:create', '--username', username, '--email', 'c@example.com')).toMatchObject({ code: 0 });
    const shown = await cli('users:show', username);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.output)).toMatchObject({ username, email: 'c@example.com', otpEnabled: true, recoveryCodesLeft: 0 });
    expect(await cli('users:disable', username)).toMatchObject({ code: 0 });
    expect(JSON.parse((await cli('users:show', username)).output)).toMatchObject({ otpEnabled: false });
  });

  it('re-encrypts secrets under the newest key (keys:rotate)', async () => {
    // A database of its own: other tests' apps seal secrets under keys of their own.
    const privateDb = await createPrivateDatabase('cli-rotate');
    const oldKey = { id: 'old', key: Buffer.alloc(32, 1) };
    const newKey = { id: 'new', key: Buffer.alloc(32, 2) };
    const database = createDatabase(parseConfig({ DATABASE_URL: privateDb.url }).database);
    try {
      await database.db.user.create({
        data: { username: uniqueName('rotate'), totpSecret: createSecretBox([oldKey]).encrypt('JBSWY3DPEHPK3PXP') },
      });
      process.env.DATABASE_URL = privateDb.url;
      process.env.ENCRYPTION_KEY = `new:${newKey.key.toString('base64')},old:${oldKey.key.toString('base64')}`;
      expect(await cli('keys:rotate')).toMatchObject({ code: 0, output: expect.stringMatching(/^Re-encrypted under key "\w+": 1; already current: 0;/) as unknown });
      const [user] = await database.db.user.findMany({ select: { totpSecret: true } });
      expect(user?.totpSecret).toMatch(/^v1\.new\./);
      expect(createSecretBox([newKey]).decrypt(user?.totpSecret ?? '')).toBe('JBSWY3DPEHPK3PXP');
    } finally {
      await database.close();
      await privateDb.drop();
    }
  });

  it('refuses bad input with a clear message and a non-zero status', async () => {
    expect(await cli('users:show', uniqueName('nobody'))).toMatchObject({ code: 1 });
    const bad = await cli('users:create', '--username', uniqueName('cli'), '--email', 'not-an-email');
    expect(bad.code).toBe(1);
    expect(bad.output).toMatch(/^refused: email/);
    expect((await cli('logs:purge', '--days', '0')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
  });

  it('purges code records and audit events older than the retention period, and nothing newer', async () => {
    const database = await openTestDatabase();
    try {
      const user = await database.db.user.create({ data: { username: uniqueName('purge'), email: 'p@example.com' } });
      const old = new Date(Date.now() - 400 * 86_400_000);
      await database.db.otpLog.create({
        data: { userId: user.id, codeHash: 'x', channel: 'EMAIL', destination: 'p***@example.com', expiresAt: old, createdAt: old },
      });
      await database.db.otpLog.create({
        data: { userId: user.id, codeHash: 'y', channel: 'EMAIL', destination: 'p***@example.com', expiresAt: new Date() },
      });
      await database.db.auditEvent.create({ data: { event: 'OTP_GENERATE', outcome: 'SUCCESS', userId: user.id, createdAt: old } });
      // An old event whose delivery is settled goes; one still to be sent stays, however old.
      const event = (id: string) => ({ id, type: 'verification.approved', userId: user.id, username: user.username, data: '{}', occurredAt: old, createdAt: old });
      const [settled, pending] = [`purge-${user.id}-settled`, `purge-${user.id}-pending`];
      await database.db.outboxEvent.create({ data: { ...event(settled), deliveries: { create: { kind: 'NOTICE', status: 'DELIVERED', nextAttemptAt: old } } } });
      await database.db.outboxEvent.create({ data: { ...event(pending), deliveries: { create: { kind: 'NOTICE', status: 'PENDING', nextAttemptAt: old } } } });
      const { code, output } = await cli('logs:purge', '--days', '365');
      expect(code).toBe(0);
      expect(output).toMatch(/deleted [1-9]\d* code records and [1-9]\d* audit events/);
      expect(await database.db.otpLog.count({ where: { userId: user.id } })).toBe(1);
      expect(await database.db.auditEvent.count({ where: { userId: user.id } })).toBe(0);
      expect((await database.db.outboxEvent.findMany({ where: { userId: user.id }, select: { id: true } })).map((row) => row.id)).toEqual([pending]);
    } finally {
      await database.close();
    }
  });
});

describe('tokens:mint, a caller token for development and operations', () => {
  const saved = { ...process.env };
  const app = useTestApp({ CALLER_AUDIENCE: 'fountainai-2fa-test' });
  beforeEach(() => {
    Object.assign(process.env, { SECRET_KEY: TEST_SECRET, CALLER_AUDIENCE: 'fountainai-2fa-test', NODE_ENV: 'test' });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** The CLI's stdout and stderr apart: the token alone goes to stdout. */
  async function mint(...args: string[]) {
    const [out, err]: [string[], string[]] = [[], []];
    const code = await runCli(['tokens:mint', ...args], (line) => out.push(line), (line) => err.push(line));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('prints a token the service accepts for its scopes and refuses for any other', async () => {
    const minted = await mint('--scope', 'otp:generate otp:verify', '--ttl', '600', '--sub', 'billing');
    expect(minted).toMatchObject({ code: 0, err: '' });
    expect(minted.out).toMatch(JWT_SHAPE);
    expect(decodeJwt(minted.out)).toMatchObject({ sub: 'billing', scope: 'otp:generate otp:verify', aud: 'fountainai-2fa-test' });
    const claims = decodeJwt(minted.out);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600);

    const username = await createUser(app);
    const generate = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: bearer(minted.out) });
    expect(generate.statusCode, generate.body).toBe(200);
    const { otp_code: code } = generate.json<{ otp_code: string }>();
    const verify = await app.inject({ method: 'POST', url: '/auth/verify', headers: bearer(minted.out), payload: { username, otp_code: code } });
    expect(verify.statusCode, verify.body).toBe(200);

    const verifyOnly = await mint('--scope', 'otp:verify');
    expect(verifyOnly.code).toBe(0);
    const refused = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: bearer(verifyOnly.out) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'The token does not grant the scope otp:generate' });
  });

  it('refuses unknown scopes, a lifetime past CALLER_TOKEN_MAX_TTL_SECONDS and a random SECRET_KEY, printing no token', async () => {
    const unknown = await mint('--scope', 'otp:generate otp:everything');
    expect(unknown).toMatchObject({ code: 2, out: '' });
    expect(unknown.err).toContain('unknown scope otp:everything: choose from otp:generate otp:verify users:read');
    expect(await mint()).toMatchObject({ code: 2, out: '', err: expect.stringContaining('--scope is required') as unknown });
    const long = await mint('--scope', 'otp:verify', '--ttl', '3601');
    expect(long).toMatchObject({ code: 2, out: '', err: expect.stringContaining('CALLER_TOKEN_MAX_TTL_SECONDS') as unknown });
    delete process.env.SECRET_KEY;
    expect(await mint('--scope', 'otp:verify')).toMatchObject({ code: 2, out: '', err: expect.stringContaining('SECRET_KEY is not set') as unknown });
  });

  it('refuses in production unless --allow-production is given, naming it', async () => {
    Object.assign(process.env, { NODE_ENV: 'production', ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });
    const refused = await mint('--scope', 'otp:verify');
    expect(refused).toMatchObject({ code: 2, out: '' });
    expect(refused.err).toContain('--allow-production');
    expect(refused.err).toContain('CALLER_JWKS_URL');
    const allowed = await mint('--scope', 'otp:verify', '--allow-production');
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(JWT_SHAPE);
  });
});
