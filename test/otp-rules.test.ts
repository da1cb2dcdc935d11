// Rules of a delivered code (DESIGN.md, "Rules of verification"): 6 digits, valid for
// OTP_EXPIRATION_MINUTES and no longer, single use, superseded by a newer code, stored only as
// a keyed hash. Each stops a defect of the old service: a "5 minute" code that lived 30 s or
// forever (2), codes in plain text (3), any earlier code with the same digits accepted (9).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { openTestDatabase, storedOtpLogs } from './support/db.js';
import { executeRaw } from './support/graphql.js';

const MINUTE = 60_000;
/** Longer than any per-user send interval, so a second code is never throttled. */
const BETWEEN_SENDS = 2 * MINUTE;

const CREATE_USER = `mutation($u: String!) { createUser(input: { username: $u, email: "rules@example.com" }) { __typename } }`;
const VERIFY_OTP = `mutation($u: String!, $c: String!) {
  verifyOtp(username: $u, code: $c) {
    __typename
    ... on VerifyOtpPayload { success }
    ... on Error { code message }
  }
}`;
const LOG_STATUSES = `query($u: String!) { logs(username: $u) { edges { node { status } } } }`;

async function newUser(app: TestApp): Promise<string> {
  const username = uniqueName('rules');
  const created = await executeRaw(app, CREATE_USER, { u: username });
  expect(created.body.data).toEqual({ createUser: { __typename: 'User' } });
  return username;
}

async function generate(app: TestApp, username: string): Promise<{ code: string; expiresAt: Date }> {
  const response = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` });
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<{ otp_code: string; expires_at: string }>();
  return { code: body.otp_code, expiresAt: new Date(body.expires_at) };
}

function verify(app: TestApp, username: string, code: string) {
  return app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code } });
}

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
    const username = await newUser(app);
    const issuedAt = clock.now();
    const { code, expiresAt } = await generate(app, username);
    expect(expiresAt.getTime()).toBe(issuedAt.getTime() + 5 * MINUTE);

    clock.advance(5 * MINUTE - 1_000);
    const response = await verify(app, username, code);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ success: true, method: 'otp' });
  });

  it('is refused as expired once OTP_EXPIRATION_MINUTES have passed, on REST and GraphQL', async () => {
    const username = await newUser(app);
    const { code } = await generate(app, username);

    clock.advance(5 * MINUTE + 1_000);
    const response = await verify(app, username, code);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'The code has expired; request a new one' });

    const graphql = await executeRaw(app, VERIFY_OTP, { u: username, c: code });
    expect(graphql.body.data?.verifyOtp).toMatchObject({ __typename: 'CodeExpiredError', code: 'CODE_EXPIRED' });
  });

  it('works once: the same right code is refused the second time', async () => {
    const username = await newUser(app);
    const { code } = await generate(app, username);

    expect((await verify(app, username, code)).statusCode).toBe(200);
    const again = await verify(app, username, code);
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: 'The code has already been used; request a new one' });
    const graphql = await executeRaw(app, VERIFY_OTP, { u: username, c: code });
    expect(graphql.body.data?.verifyOtp).toMatchObject({ __typename: 'CodeAlreadyUsedError', code: 'CODE_ALREADY_USED' });
  });

  it('is superseded by a newer code: the old one is refused, the new one accepted', async () => {
    const username = await newUser(app);
    const first = await generate(app, username);
    clock.advance(BETWEEN_SENDS);
    const second = await generate(app, username);
    expect(second.code).not.toBe(first.code);

    const old = await verify(app, username, first.code);
    expect(old.statusCode).toBe(400);
    expect(old.json()).toEqual({ detail: 'Invalid code' });

    const fresh = await verify(app, username, second.code);
    expect(fresh.statusCode, fresh.body).toBe(200);
    expect(fresh.json()).toEqual({ success: true, method: 'otp' });

    const logs = await executeRaw(app, LOG_STATUSES, { u: username });
    expect(logs.body.data).toEqual({ logs: { edges: [{ node: { status: 'USED' } }, { node: { status: 'SUPERSEDED' } }] } });
  });

  it('has 6 digits from a random source, on REST and GraphQL', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => newUser(app)));
    const codes = await Promise.all(users.map(async (username) => (await generate(app, username)).code));
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // 30 draws from a million collide at most once except with negligible probability.
    expect(new Set(codes).size).toBeGreaterThanOrEqual(29);

    const username = await newUser(app);
    const graphql = await executeRaw(app, `mutation($u: String!) { generateOtp(username: $u) { ... on GenerateOtpPayload { otpCode } } }`, {
      u: username,
    });
    expect(graphql.body.data?.generateOtp, JSON.stringify(graphql.body)).toEqual({ otpCode: expect.stringMatching(/^\d{6}$/) as unknown });
  });

  it('is stored only as a keyed hash: the plain code is in no column of otp_logs', async () => {
    const username = await newUser(app);
    const { code } = await generate(app, username);

    const before = await storedOtpLogs(database, username);
    expect(before).toHaveLength(1);
    const [row] = before;
    expect(row?.status).toBe('ACTIVE');
    for (const value of Object.values(row ?? {})) expect(String(value)).not.toContain(code);
    // A plain SHA-256 of six digits falls to a million tries; the stored form needs the key.
    expect(row?.code_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.code_hash).not.toBe(createHash('sha256').update(code).digest('hex'));

    expect((await verify(app, username, code)).statusCode).toBe(200);
    const [used] = await storedOtpLogs(database, username);
    expect(used?.status).toBe('USED');
    for (const value of Object.values(used ?? {})) expect(String(value)).not.toContain(code);
  });
});

describe('OTP_EXPIRATION_MINUTES', () => {
  const clock = new ManualClock();
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ OTP_EXPIRATION_MINUTES: '2' }, { clock });
  });
  afterAll(() => app.close());

  it('sets how long a code lives: 2 minutes here, not the default 5', async () => {
    const early = await newUser(app);
    const late = await newUser(app);
    const issuedAt = clock.now();
    const earlyCode = await generate(app, early);
    const lateCode = await generate(app, late);
    expect(earlyCode.expiresAt.getTime()).toBe(issuedAt.getTime() + 2 * MINUTE);

    clock.advance(2 * MINUTE - 1_000);
    expect((await verify(app, early, earlyCode.code)).statusCode).toBe(200);

    clock.advance(2_000);
    const expired = await verify(app, late, lateCode.code);
    expect(expired.statusCode).toBe(400);
    expect(expired.json()).toEqual({ detail: 'The code has expired; request a new one' });
  });
});
