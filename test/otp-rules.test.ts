// Rules of a delivered code (DESIGN.md, "Rules of verification"): 6 digits, valid for
// OTP_EXPIRATION_MINUTES and no longer, single use, superseded by a newer code, stored only as
// a keyed hash. Each stops a defect of the old service: a "5 minute" code that lived 30 s or
// forever (2), codes in plain text (3), any earlier code with the same digits accepted (9).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, ManualClock, useTestApp, type TestApp } from './support/app.js';
import { openTestDatabase, slowDatabase, storedOtpLogs } from './support/db.js';
import { GenerateOtpDocument, LogsDocument, UpdateUserDocument, VerifyOtpDocument } from './generated/graphql.js';
import { createUser, postGenerate, requestCode, submitCode, verifiedAnswer } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';

const MINUTE = 60_000;
/** Longer than any per-user send interval, so a second code is never throttled. */
const BETWEEN_SENDS = 2 * MINUTE;

describe('a delivered code', () => {
  const clock = new ManualClock();
  let app: TestApp;
  let database: Database;
  beforeAll(async () => {
    app = await createTestApp({}, { clock });
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('is valid for OTP_EXPIRATION_MINUTES (5 by default): still accepted a second before it ends', async () => {
    const username = await createUser(app);
    const issuedAt = clock.now();
    const { code, expiresAt } = await requestCode(app, username);
    expect(expiresAt.getTime()).toBe(issuedAt.getTime() + 5 * MINUTE);

    clock.advance(5 * MINUTE - 1_000);
    const response = await submitCode(app, username, code);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual(verifiedAnswer());
  });

  it('is refused as expired once OTP_EXPIRATION_MINUTES have passed, on REST and GraphQL', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);

    clock.advance(5 * MINUTE + 1_000);
    const response = await submitCode(app, username, code);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'The code has expired; request a new one' });

    const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code });
    expect(verifyOtp).toMatchObject({ __typename: 'CodeExpiredError', code: 'CODE_EXPIRED' });
  });

  it('works once: the same right code is refused the second time', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);

    expect((await submitCode(app, username, code)).statusCode).toBe(200);
    const again = await submitCode(app, username, code);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: 'The code has already been used; request a new one' });
    const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code });
    expect(verifyOtp).toMatchObject({ __typename: 'CodeAlreadyUsedError', code: 'CODE_ALREADY_USED' });
  });

  it('is superseded by a newer code: the old one is refused, the new one accepted', async () => {
    const username = await createUser(app);
    const first = await requestCode(app, username);
    clock.advance(BETWEEN_SENDS);
    const second = await requestCode(app, username);
    expect(second.code).not.toBe(first.code);

    const old = await submitCode(app, username, first.code);
    expect(old.statusCode).toBe(400);
    expect(old.json()).toEqual({ detail: 'Invalid code' });

    const fresh = await submitCode(app, username, second.code);
    expect(fresh.statusCode, fresh.body).toBe(200);
    expect(fresh.json()).toEqual(verifiedAnswer());

    const { logs } = await execute(app, LogsDocument, { username });
    expect(logs.edges.map((edge) => edge.node.status)).toEqual(['USED', 'SUPERSEDED']);
  });

  it('asked for twice at once: exactly one of the two codes works', async () => {
    // A slow database makes the two generates overlap in it, as under load.
    const slow = slowDatabase(3);
    const racing = await createTestApp({}, { clock, database: slow });
    try {
      for (let round = 0; round < 5; round++) {
        const username = await createUser(racing);
        const ask = () => postGenerate(racing, username);
        const responses = await Promise.all([ask(), ask()]);
        // A send throttle may refuse one of them; every code that was issued is tried.
        const codes = responses
          .filter((response) => response.statusCode === 200)
          .map((response) => response.json<{ otp_code: string }>().otp_code);
        expect(codes.length).toBeGreaterThanOrEqual(1);
        // Twice each: a code refused once must not start working once the other is used.
        const statuses = [];
        for (const code of [...codes, ...codes]) statuses.push((await submitCode(racing, username, code)).statusCode);
        expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      }
    } finally {
      await racing.close();
      await slow.close();
    }
  });

  it('stops working when two-factor authentication is switched off for the user', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const { updateUser } = await execute(app, UpdateUserDocument, { input: { username, otpEnabled: false } });
    expect(expectType(updateUser, 'User').otpEnabled).toBe(false);

    const refused = await submitCode(app, username, code);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Two-factor authentication is not enabled for this user' });
    const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code });
    expect(verifyOtp).toMatchObject({ __typename: 'TwoFactorDisabledError', code: 'TWO_FACTOR_DISABLED' });
  });

  it('has 6 digits from a random source, on REST and GraphQL', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => createUser(app)));
    const codes = await Promise.all(users.map(async (username) => (await requestCode(app, username)).code));
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // 30 draws from a million collide at most once except with negligible probability.
    expect(new Set(codes).size).toBeGreaterThanOrEqual(29);

    const { generateOtp } = await execute(app, GenerateOtpDocument, { username: await createUser(app) });
    expect(expectType(generateOtp, 'GenerateOtpPayload').otpCode).toMatch(/^\d{6}$/);
  });

  it('is stored only as a keyed hash: the plain code is in no column of otp_logs', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);

    const before = await storedOtpLogs(database, username);
    expect(before).toHaveLength(1);
    const [row] = before;
    expect(row?.status).toBe('ACTIVE');
    for (const value of Object.values(row ?? {})) expect(String(value)).not.toContain(code);
    // A plain SHA-256 of six digits falls to a million tries; the stored form needs the key.
    expect(row?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.code_hash).not.toBe(createHash('sha256').update(code).digest('hex'));

    expect((await submitCode(app, username, code)).statusCode).toBe(200);
    const [used] = await storedOtpLogs(database, username);
    expect(used?.status).toBe('USED');
    for (const value of Object.values(used ?? {})) expect(String(value)).not.toContain(code);
  });
});

describe('OTP_EXPIRATION_MINUTES', () => {
  const clock = new ManualClock();
  const app = useTestApp({ OTP_EXPIRATION_MINUTES: '2' }, { clock });

  it('sets how long a code lives: 2 minutes here, not the default 5', async () => {
    const early = await createUser(app);
    const late = await createUser(app);
    const issuedAt = clock.now();
    const earlyCode = await requestCode(app, early);
    const lateCode = await requestCode(app, late);
    expect(earlyCode.expiresAt.getTime()).toBe(issuedAt.getTime() + 2 * MINUTE);

    clock.advance(2 * MINUTE - 1_000);
    expect((await submitCode(app, early, earlyCode.code)).statusCode).toBe(200);

    clock.advance(2_000);
    const expired = await submitCode(app, late, lateCode.code);
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toEqual({ detail: 'The code has expired; request a new one' });
  });
});
