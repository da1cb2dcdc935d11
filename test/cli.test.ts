// The admin CLI an operator uses without the API: create, show and disable users, and purge
// records past the retention period. It runs against DATABASE_URL like the service.
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { uniqueName, TEST_ENCRYPTION_KEY, TEST_SECRET } from './support/app.js';
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
