// Attack: reading secrets out of a stolen database. A backup, a replica or an SQL injection
// that leaks the users table must not leak what logs a user in: the old service kept TOTP
// secrets and codes in clear (defect 3). TOTP secrets are sealed with AES-256-GCM under a
// key the database never sees, tagged with the key's id so keys can rotate; recovery codes
// exist only as keyed hashes. A wrong key, or an altered value, opens nothing.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { rotateSecrets } from '../src/crypto/rotate-keys.js';
import { createUsersStore } from '../src/users/users.store.js';
import { clearedWithTwoFactor } from '../src/services.js';
import { createSecretBox } from '../src/crypto/secret-box.js';
import { createDatabase, type Database } from '../src/db/client.js';
import type { Sql, SqlValue } from '../src/db/sql.js';
import { applyMigrations } from '../src/db/migrate.js';
import { ManualClock, TEST_SECRET, uniqueName, useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { appCode, buildSecurityServices, enrollAndConfirm, midStep, testEncryptionKey, totpUser } from './support/totp.js';
import { EnrollTotpDocument, GenerateRecoveryCodesDocument } from './generated/graphql.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');
const run = promisify(execFile);

/** Every column of the user's row as stored, and every audit row about them, as one text. */
async function everythingStoredAbout(database: Database, username: string): Promise<string> {
  const users = await database.db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM users WHERE username = ${username}`;
  const audit = await database.db.$queryRaw<Record<string, unknown>[]>`SELECT * FROM audit_events WHERE username = ${username}`;
  const codes = await database.db.$queryRaw<Record<string, unknown>[]>`
    SELECT r.* FROM recovery_codes r JOIN users u ON u.id = r.user_id WHERE u.username = ${username}`;
  return JSON.stringify([users, audit, codes], (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}

/** A key id no other test file uses: rotation here must not touch their rows. */
const freshKey = () => testEncryptionKey(uniqueName('key').replace(/[^A-Za-z0-9_-]/g, ''));

describe('secrets at rest', () => {
  const clock = new ManualClock(midStep());
  const k1 = freshKey();
  const app = useTestApp({ ENCRYPTION_KEY: k1.env }, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('keeps a TOTP secret only sealed: pending after enrolment, active after confirmation', async () => {
    const username = await createUser(app);
    const { enrollTotp } = await execute(app, EnrollTotpDocument, { username });
    const { secret } = expectType(enrollTotp, 'TotpEnrollment');

    const pending = await totpUser(database, username);
    expect(pending.totpPendingSecret).toMatch(new RegExp(`^v1\\.${k1.key.id}\\.[\\w-]{16}\\.[\\w-]+\\.[\\w-]{22}$`));
    expect(pending.totpSecret).toBeNull();
    const stored = await everythingStoredAbout(database, username);
    expect(stored).not.toContain(secret);
    expect(stored.toUpperCase()).not.toContain(secret);
    expect(createSecretBox([k1.key]).decrypt(pending.totpPendingSecret ?? '')).toBe(secret);

    // enrollAndConfirm enrols anew (replacing the pending secret) and confirms that one.
    const confirmed = await enrollAndConfirm(app, username, clock);
    const active = await totpUser(database, username);
    expect(active.totpPendingSecret).toBeNull();
    expect(active.totpSecret).toMatch(new RegExp(`^v1\\.${k1.key.id}\\.`));
    expect(createSecretBox([k1.key]).decrypt(active.totpSecret ?? '')).toBe(confirmed);
    expect(await everythingStoredAbout(database, username)).not.toContain(confirmed);
  });

  it('seals the same secret differently every time (random IV)', () => {
    const box = createSecretBox([k1.key]);
    const sealed = new Set(Array.from({ length: 20 }, () => box.encrypt('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')));
    expect(sealed.size).toBe(20);
  });

  it('opens nothing with a wrong key, an unknown key id, or an altered value, and says so without the value', () => {
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    const sealed = createSecretBox([k1.key]).encrypt(secret);
    const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
    const failures = [
      // Same id, other key bytes: the tag check fails.
      () => createSecretBox([{ id: k1.key.id, key: freshKey().key.key }]).decrypt(sealed),
      // A key id the box does not hold.
      () => createSecretBox([freshKey().key]).decrypt(sealed),
      // One byte of ciphertext changed.
      () => createSecretBox([k1.key]).decrypt([version, keyId, iv, flipFirst(ciphertext ?? ''), tag].join('.')),
      // Relabelled with another id whose key is the same bytes: the id is authenticated.
      () => createSecretBox([{ id: 'other', key: k1.key.key }]).decrypt([version, 'other', iv, ciphertext, tag].join('.')),
      // Moved to a column of another purpose.
      () => createSecretBox([k1.key], { purpose: 'something-else' }).decrypt(sealed),
      () => createSecretBox([k1.key]).decrypt('JBSWY3DPEHPK3PXP'),
    ];
    for (const attempt of failures) {
      let message = '';
      try {
        attempt();
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
      expect(message).toMatch(/^secret box: /);
      expect(message).not.toContain(secret);
      expect(message).not.toContain(ciphertext);
    }
  });

  it('stores recovery codes only as keyed hashes', async () => {
    const username = await createUser(app);
    const { generateRecoveryCodes } = await execute(app, GenerateRecoveryCodesDocument, { username });
    const { codes } = expectType(generateRecoveryCodes, 'RecoveryCodes');
    const rows = await database.db.recoveryCode.findMany({ where: { user: { username } } });
    expect(rows).toHaveLength(codes.length);
    for (const row of rows) expect(row.codeHash).toMatch(/^[0-9a-f]{64}$/);
    const stored = await everythingStoredAbout(database, username);
    for (const code of codes) {
      expect(stored).not.toContain(code);
      expect(stored.toLowerCase()).not.toContain(code.replace('-', ''));
    }
  });

  describe('key rotation', () => {
    /** Users with an active app, and one with a pending enrolment too, all sealed under k1. */
    async function usersUnderK1() {
      const active = await createUser(app);
      const activeSecret = await enrollAndConfirm(app, active, clock);
      const both = await createUser(app);
      await enrollAndConfirm(app, both, clock);
      const { enrollTotp } = await execute(app, EnrollTotpDocument, { username: both });
      const pendingSecret = expectType(enrollTotp, 'TotpEnrollment').secret;
      return { active, activeSecret, both, pendingSecret };
    }

    it('re-seals every secret under the newest key; the old ciphertexts are gone and the old key can go', async () => {
      const { active, activeSecret, both, pendingSecret } = await usersUnderK1();
      const before = [await totpUser(database, active), await totpUser(database, both)];
      const k2 = freshKey();
      const rotating = buildSecurityServices(database, clock, [k2.key, k1.key]);

      const result = await rotateSecrets({ sources: [() => createUsersStore({ sql: database.sql, clearedWithTwoFactor }).sealedSecrets()], box: rotating.box, audit: rotating.audit });
      expect(result.reencrypted).toBeGreaterThanOrEqual(3);
      for (const user of before) expect(result.unreadable).not.toContain(`user ${user.id}`);

      const after = [await totpUser(database, active), await totpUser(database, both)];
      const onlyK2 = createSecretBox([k2.key]);
      const onlyK1 = createSecretBox([k1.key]);
      for (const [i, user] of after.entries()) {
        for (const column of ['totpSecret', 'totpPendingSecret'] as const) {
          const value = user[column];
          if (value === null) continue;
          expect(onlyK2.keyIdOf(value)).toBe(k2.key.id);
          expect(value).not.toBe(before[i]?.[column]);
          expect(() => onlyK1.decrypt(value)).toThrow(/secret box/);
        }
      }
      expect(onlyK2.decrypt(after[0]?.totpSecret ?? '')).toBe(activeSecret);
      expect(onlyK2.decrypt(after[1]?.totpPendingSecret ?? '')).toBe(pendingSecret);
      // Nothing else changed: the step accounting and the enrolment state are kept.
      expect(after.map((u) => [u.totpLastStep, u.totpEnabledAt])).toEqual(before.map((u) => [u.totpLastStep, u.totpEnabledAt]));

      // The app, now configured with k2 alone, still accepts the user's codes.
      const withK2 = buildSecurityServices(database, clock, [k2.key]);
      clock.advance(30_000);
      expect(await withK2.totp.verifyCode(await totpUser(database, active), appCode(activeSecret, clock.now()), clock.now())).toBe('OK');

      // A second run has nothing left to do for these users.
      const current = [await totpUser(database, active), await totpUser(database, both)];
      const again = await rotateSecrets({ sources: [() => createUsersStore({ sql: database.sql, clearedWithTwoFactor }).sealedSecrets()], box: rotating.box, audit: rotating.audit });
      expect(again.alreadyCurrent).toBeGreaterThanOrEqual(3);
      expect([await totpUser(database, active), await totpUser(database, both)]).toEqual(current);
      const audited = await database.db.auditEvent.findMany({ where: { event: 'KEY_ROTATION', caller: 'rotate-keys' } });
      expect(audited.length).toBeGreaterThanOrEqual(2);
    });

    it('never overwrites a secret that changed while it was being re-sealed', async () => {
      const username = await createUser(app);
      await enrollAndConfirm(app, username, clock);
      const { enrollTotp } = await execute(app, EnrollTotpDocument, { username });
      expect(enrollTotp.__typename).toBe('TotpEnrollment');
      const k2 = freshKey();
      const rotating = buildSecurityServices(database, clock, [k2.key, k1.key]);
      let newer = '';
      // Between rotation's read and its write, the user enrols again.
      const racing = sqlThatChangesAfterRead(database.sql, async () => {
        if (newer) return;
        const again = await execute(app, EnrollTotpDocument, { username });
        newer = expectType(again.enrollTotp, 'TotpEnrollment').secret;
      });

      const result = await rotateSecrets({ sources: [() => createUsersStore({ sql: racing, clearedWithTwoFactor }).sealedSecrets()], box: rotating.box, audit: rotating.audit });
      expect(result.changedMeanwhile).toBeGreaterThanOrEqual(1);
      const user = await totpUser(database, username);
      // The enrolment made during rotation survives (still under k1: the next run rotates it).
      expect(rotating.box.decrypt(user.totpPendingSecret ?? '')).toBe(newer);
      expect(rotating.box.keyIdOf(user.totpPendingSecret ?? '')).toBe(k1.key.id);
      expect(rotating.box.keyIdOf(user.totpSecret ?? '')).toBe(k2.key.id);
    });
  });
});

describe('npm run rotate-keys', () => {
  let url = '';
  let cleanup: () => Promise<void> = async () => undefined;
  let database: Database;
  beforeAll(async () => {
    ({ url, cleanup } = await freshDatabase());
    database = createDatabase(parseConfig({ DATABASE_URL: url }).database);
    await database.init();
  });
  afterAll(async () => {
    await database.close();
    await cleanup();
  });

  it('re-seals under the newest key, prints the counts, audits, and flags what no key opens', async () => {
    const k1 = freshKey();
    const k2 = freshKey();
    const old = createSecretBox([k1.key]);
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await database.db.user.create({ data: { username: 'rotate-a', totpSecret: old.encrypt(secret), totpPendingSecret: old.encrypt(secret) } });
    await database.db.user.create({ data: { username: 'rotate-b', totpSecret: old.encrypt(secret) } });

    const first = await rotateKeysCommand(url, `${k2.env},${k1.env}`);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Re-encrypted under key "${k2.key.id}": 3; already current: 0`);
    const rows = await database.db.user.findMany({ select: { totpSecret: true, totpPendingSecret: true } });
    const values = rows.flatMap((row) => [row.totpSecret, row.totpPendingSecret]).filter((v) => v !== null);
    expect(values).toHaveLength(3);
    for (const value of values) expect(createSecretBox([k2.key]).decrypt(value)).toBe(secret);
    expect(await database.db.auditEvent.count({ where: { event: 'KEY_ROTATION', caller: 'rotate-keys', outcome: 'SUCCESS' } })).toBe(1);

    const second = await rotateKeysCommand(url, `${k2.env},${k1.env}`);
    expect(second.stdout).toContain(`Re-encrypted under key "${k2.key.id}": 0; already current: 3`);

    // A secret sealed under a key that was dropped from ENCRYPTION_KEY too early.
    const lost = await database.db.user.create({ data: { username: 'rotate-c', totpSecret: createSecretBox([freshKey().key]).encrypt(secret) } });
    const third = await rotateKeysCommand(url, k2.env);
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(`user ${lost.id}`);
    expect(`${third.stdout}${third.stderr}`).not.toContain(secret);
  });

  it('refuses to run without ENCRYPTION_KEY', async () => {
    const result = await rotateKeysCommand(url, '');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ENCRYPTION_KEY is not set');
  });
});

function flipFirst(text: string): string {
  return `${text.startsWith('A') ? 'B' : 'A'}${text.slice(1)}`;
}

/** The store's connection, which runs `change` after each read of the users' sealed secrets and before handing the rows back. */
function sqlThatChangesAfterRead(sql: Sql, change: () => Promise<void>): Sql {
  return {
    ...sql,
    rows: async <T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]) => {
      const rows = await sql.rows<T>(strings, ...values);
      if (/SELECT id, totp_secret, totp_pending_secret FROM users/.test(strings.join('?'))) await change();
      return rows;
    },
  };
}

/** Runs the command as an operator would, on the Node running the tests, in a folder without .env. */
async function rotateKeysCommand(databaseUrl: string, encryptionKey: string) {
  const cwd = mkdtempSync(join(tmpdir(), 'twofa-rotate-'));
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', tsxLoader, join(root, 'src/cli/cli.ts'), 'keys:rotate'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: databaseUrl, SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: encryptionKey },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    // execFile rejects on a non-zero exit with the exit code and the output on the error.
    const field = (name: string): unknown => (error instanceof Error ? Reflect.get(error, name) : undefined);
    const [code, stdout, stderr] = [field('code'), field('stdout'), field('stderr')];
    return {
      code: typeof code === 'number' ? code : -1,
      stdout: typeof stdout === 'string' ? stdout : '',
      stderr: typeof stderr === 'string' ? stderr : '',
    };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** An empty, migrated database of this run's kind, for counts no other test can disturb. */
async function freshDatabase(): Promise<{ url: string; cleanup: () => Promise<void> }> {
  const shared = inject('databaseUrl');
  if (!shared.startsWith('postgres')) {
    const dir = mkdtempSync(join(tmpdir(), 'twofa-rotate-db-'));
    const url = `file:${join(dir, 'rotate.db')}`;
    await applyMigrations(parseConfig({ DATABASE_URL: url }).database);
    return { url, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `twofa_rotate_${Date.now()}_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: shared });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(shared);
  url.pathname = `/${name}`;
  await applyMigrations(parseConfig({ DATABASE_URL: url.toString() }).database);
  return { url: url.toString(), cleanup: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
