// Configuration is parsed once and a bad value stops the service with a message naming every
// bad variable. Stops the old service's defect 10: a default SECRET_KEY
// ("your_super_secret_key") used silently. In production a missing, default or short secret
// refuses to start, and codes are not returned to callers unless asked for.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, LEGACY_DEFAULT_SECRET, parseConfig } from '../src/config/config.js';
import { builtMain } from './support/built-service.js';

const GOOD_SECRET = 'k'.repeat(32);
/** A well-formed ENCRYPTION_KEY: 32 bytes, base64. */
const GOOD_KEY = Buffer.alloc(32, 7).toString('base64');
/** What production needs besides the variable under test. */
const PRODUCTION = { NODE_ENV: 'production', ENCRYPTION_KEY: GOOD_KEY };

/** The ConfigError that parsing `env` throws. */
function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    if (error instanceof ConfigError) return error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

const badVariables = (error: ConfigError) => [...new Set(error.problems.map((problem) => problem.variable))].sort();

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      env: 'development',
      production: false,
      server: { host: '127.0.0.1', port: 8004 },
      logLevel: 'info',
      database: { provider: 'sqlite', url: 'file:./2fa.db', sqlitePath: './2fa.db', urlIsDefault: true },
      security: { algorithm: 'HS256', secretKeyIsEphemeral: true },
      otp: { length: 6, expirationMinutes: 5, maxAttempts: 5, inResponse: true },
      smtp: undefined,
    });
  });

  it('listens on loopback only outside production, where anonymous callers get every scope; on every interface in production', () => {
    expect(parseConfig({ NODE_ENV: 'test' }).server.host).toBe('127.0.0.1');
    expect(parseConfig({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET }).server.host).toBe('0.0.0.0');
    expect(parseConfig({ HOST: '0.0.0.0' }).server.host).toBe('0.0.0.0');
    expect(parseConfig({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET, HOST: '10.0.0.5' }).server.host).toBe('10.0.0.5');
  });

  it('knows whether DATABASE_URL was set, so production can say it fell back to ./2fa.db', () => {
    expect(parseConfig({ DATABASE_URL: 'file:./2fa.db' }).database.urlIsDefault).toBe(false);
    expect(parseConfig({ DATABASE_URL: ' ' }).database.urlIsDefault).toBe(true);
  });

  it('reserves the key id "ephemeral" for the key a process makes itself (what is sealed under it is replaced at start)', () => {
    const error = configError({ ENCRYPTION_KEY: `ephemeral:${GOOD_KEY}` });
    expect(badVariables(error)).toEqual(['ENCRYPTION_KEY']);
    expect(error.message).toContain('reserved');
  });

  it('outside production without SECRET_KEY: a random key per process, never the legacy default', () => {
    const first = parseConfig({}).security.secretKey;
    const second = parseConfig({}).security.secretKey;
    expect(first).not.toBe(LEGACY_DEFAULT_SECRET);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(second).not.toBe(first);
  });

  it('returns codes to callers outside production only, unless OTP_IN_RESPONSE says otherwise', () => {
    expect(parseConfig({ NODE_ENV: 'test' }).otp.inResponse).toBe(true);
    expect(parseConfig({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET }).otp.inResponse).toBe(false);
    expect(parseConfig({ OTP_IN_RESPONSE: 'false' }).otp.inResponse).toBe(false);
  });

  it('reports every bad variable in one ConfigError', () => {
    const error = configError({
      PORT: 'abc',
      OTP_EXPIRATION_MINUTES: '0',
      DATABASE_URL: 'mysql://x',
      OTP_IN_RESPONSE: 'maybe',
      SMTP_FROM_EMAIL: 'not-an-address',
    });
    expect(badVariables(error)).toEqual(['DATABASE_URL', 'OTP_EXPIRATION_MINUTES', 'OTP_IN_RESPONSE', 'PORT', 'SMTP_FROM_EMAIL']);
    for (const variable of badVariables(error)) expect(error.message).toMatch(new RegExp(`^  ${variable}: `, 'm'));
  });

  it('refuses values out of range and malformed URLs', () => {
    expect(badVariables(configError({ PORT: '70000' }))).toEqual(['PORT']);
    expect(badVariables(configError({ OTP_EXPIRATION_MINUTES: '2.5' }))).toEqual(['OTP_EXPIRATION_MINUTES']);
    expect(badVariables(configError({ OTP_MAX_ATTEMPTS: '0' }))).toEqual(['OTP_MAX_ATTEMPTS']);
    expect(badVariables(configError({ DATABASE_URL: 'postgresql://db.example:port/app' }))).toEqual(['DATABASE_URL']);
    expect(badVariables(configError({ SMTP_SECURITY: 'ssl' }))).toEqual(['SMTP_SECURITY']);
    expect(badVariables(configError({ SMTP_MAX_CONNECTIONS: '0' }))).toEqual(['SMTP_MAX_CONNECTIONS']);
  });

  it('reads an empty variable as unset, not as 0 or a bad value', () => {
    const config = parseConfig({ PORT: '', OTP_IN_RESPONSE: ' ', SMTP_SERVER: 'mail.example', SMTP_PORT: '' });
    expect(config.server.port).toBe(8004);
    expect(config.otp.inResponse).toBe(true);
    expect(config.smtp?.port).toBe(587);
  });

  describe('in production', () => {
    it.each([
      ['missing', {}],
      ['empty', { SECRET_KEY: '   ' }],
      ['the legacy default', { SECRET_KEY: LEGACY_DEFAULT_SECRET }],
      ['31 characters', { SECRET_KEY: 'k'.repeat(31) }],
    ])('refuses a SECRET_KEY that is %s', (_case, secret: Record<string, string>) => {
      const error = configError({ ...PRODUCTION, ...secret });
      expect(badVariables(error)).toEqual(['SECRET_KEY']);
      expect(error.message).toContain('SECRET_KEY');
    });

    it('names a bad secret together with the other bad variables', () => {
      const error = configError({ NODE_ENV: 'production', PORT: 'abc' });
      expect(badVariables(error)).toEqual(['ENCRYPTION_KEY', 'PORT', 'SECRET_KEY']);
    });

    it('accepts a secret of 32 characters or more', () => {
      const config = parseConfig({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET });
      expect(config.production).toBe(true);
      expect(config.security).toMatchObject({ secretKey: GOOD_SECRET, secretKeyIsEphemeral: false, algorithm: 'HS256' });
      expect(config.security.allowAnonymousCallers).toBe(false);
    });

    it('refuses a missing ENCRYPTION_KEY, and keys that are not 32 bytes', () => {
      expect(badVariables(configError({ NODE_ENV: 'production', SECRET_KEY: GOOD_SECRET }))).toEqual(['ENCRYPTION_KEY']);
      const short = Buffer.alloc(16).toString('base64');
      expect(badVariables(configError({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET, ENCRYPTION_KEY: short }))).toEqual(['ENCRYPTION_KEY']);
    });

    it('reads several encryption keys as id:key, the first one encrypting', () => {
      const other = Buffer.alloc(32, 9).toString('base64');
      const config = parseConfig({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET, ENCRYPTION_KEY: `new:${other},old:${GOOD_KEY}` });
      expect(config.security.encryptionKeys.map((k) => k.id)).toEqual(['new', 'old']);
      expect(config.security.encryptionKeys[0]?.key.equals(Buffer.alloc(32, 9))).toBe(true);
    });
  });

  it('reads TRUST_PROXY as off, on, a hop count or a list of proxies', () => {
    expect(parseConfig({}).server.trustProxy).toBe(false);
    expect(parseConfig({ TRUST_PROXY: 'true' }).server.trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: '2' }).server.trustProxy).toBe(2);
    expect(parseConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }).server.trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
  });

  it("honours the legacy service's variable names", () => {
    const config = parseConfig({
      DATABASE_URL: 'postgresql://twofa:pw@db.example:5432/twofa?schema=auth',
      SECRET_KEY: GOOD_SECRET,
      ALGORITHM: 'HS512',
      OTP_EXPIRATION_MINUTES: '10',
      SMTP_SERVER: 'smtp.example',
      SMTP_PORT: '2525',
      SMTP_USERNAME: 'mailer',
      SMTP_PASSWORD: 'mail-pass',
      SMTP_FROM_EMAIL: 'codes@example.com',
      TWILIO_ACCOUNT_SID: 'AC123',
      TWILIO_AUTH_TOKEN: 'twilio-token',
      TWILIO_PHONE_NUMBER: '+15005550006',
    });
    expect(config.database).toMatchObject({
      provider: 'postgres',
      url: 'postgresql://twofa:pw@db.example:5432/twofa?schema=auth',
      schema: 'auth',
    });
    expect(config.security).toMatchObject({ secretKey: GOOD_SECRET, algorithm: 'HS512' });
    expect(config.otp.expirationMinutes).toBe(10);
    expect(config.smtp).toEqual({
      host: 'smtp.example',
      port: 2525,
      username: 'mailer',
      password: 'mail-pass',
      from: 'codes@example.com',
      security: 'starttls',
      timeoutMs: 10_000,
      maxConnections: 5,
    });
    expect(config.twilio).toEqual({ accountSid: 'AC123', authToken: 'twilio-token', phoneNumber: '+15005550006' });
  });
});

describe('the main entry', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  let dir: string;
  beforeAll(() => {
    // Its own folder as working directory: no .env is read and nothing lands in the repo.
    dir = mkdtempSync(join(tmpdir(), 'twofa-main-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the compiled service (`dist/main.js`) with exactly `env`, calling `onStdout` with all output so far. */
  function run(env: Record<string, string>, onStdout?: (output: string, stop: () => void) => void) {
    const child = spawn(process.execPath, [builtMain], {
      cwd: dir,
      env: { PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout?.(stdout, () => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('exits with status 1 and a message naming each bad variable', async () => {
    const result = await run({ NODE_ENV: 'production', PORT: 'abc', DATABASE_URL: `file:${join(dir, 'refused.db')}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^ {2}SECRET_KEY: /m);
    expect(result.stderr).toMatch(/^ {2}PORT: /m);
    expect(result.stdout).not.toMatch(/listening/i);
  });

  it('starts with a valid production configuration and stops on SIGTERM', async () => {
    let started = false;
    const result = await run(
      {
        ...PRODUCTION,
        SECRET_KEY: GOOD_SECRET,
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: `file:${join(dir, 'prod.db')}`,
      },
      (output, stop) => {
        if (!started && /start-up complete/.test(output)) {
          started = true;
          stop();
        }
      },
    );
    expect(started, result.stdout + result.stderr).toBe(true);
    expect(result.code, result.stderr).toBe(0);
  });

  it('in production without DATABASE_URL, warns at start that it uses ./2fa.db', async () => {
    let started = false;
    const result = await run({ ...PRODUCTION, SECRET_KEY: GOOD_SECRET, HOST: '127.0.0.1', PORT: '0' }, (output, stop) => {
      if (!started && /start-up complete/.test(output)) {
        started = true;
        stop();
      }
    });
    expect(started, result.stdout + result.stderr).toBe(true);
    const warning = result.stdout.split('\n').find((line) => line.includes('DATABASE_URL is not set'));
    expect(warning, result.stdout).toBeDefined();
    expect(JSON.parse(warning ?? '{}')).toMatchObject({ level: 40, msg: expect.stringContaining('./2fa.db') as unknown });
    expect(result.code, result.stderr).toBe(0);
  });
});
