/**
 * The result token. The attack it answers: a service that trusts "the 2FA service said yes"
 * from anything but a signature (a redirect parameter, a boolean in a shared cache) can be told
 * yes by anyone. A successful verification returns a short-lived JWT that any FountainAI service
 * holding SECRET_KEY checks offline; a forged, altered, expired or misdirected token fails that
 * check, and a token never reaches a log line.
 */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { decodeProtectedHeader, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createResultTokens, RESULT_TOKEN_ISSUER, verifyResultToken } from '../src/auth/result-token.js';
import { parseConfig } from '../src/config/config.js';
import { redactPaths } from '../src/logging/logger.js';
import { ManualClock, TEST_SECRET, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';

const key = new TextEncoder().encode(TEST_SECRET);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Generates a code for a new user, verifies it over REST and returns the user and the 200 body. */
async function verifiedOverRest(app: TestApp) {
  const username = await createUser(app);
  const { code } = await requestCode(app, username);
  const response = await submitCode(app, username, code);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<{ success: boolean; method: string; token?: string }>();
  expect(body.token, response.body).toEqual(expect.any(String));
  return { username, body };
}

describe('the token a successful verification returns', () => {
  const app = useTestApp();

  it('REST: `token` checks offline with jose and SECRET_KEY: iss, sub, amr, iat, exp (+300 s), jti', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { username, body } = await verifiedOverRest(app);
    expect(body).toMatchObject({ success: true, method: 'otp' });
    const token = body.token ?? '';

    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: 'fountainai-2fa' });
    expect(Object.keys(payload).sort()).toEqual(['amr', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(payload).toMatchObject({ iss: 'fountainai-2fa', sub: username, amr: ['otp'] });
    expect(payload.jti).toMatch(UUID);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);

    expect(await verifyResultToken(token, { secretKey: TEST_SECRET, algorithm: 'HS256' })).toMatchObject({
      username,
      methods: ['otp'],
      id: payload.jti,
    });
  });

  it('GraphQL: VerifyOtpPayload.token, the same kind of token', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const { body } = await graphqlAs(
      app,
      {},
      `mutation ($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename ... on VerifyOtpPayload { method token } } }`,
      { u: username, c: code },
    );
    expect(body.errors, JSON.stringify(body)).toBeUndefined();
    const result = body.data?.verifyOtp as { __typename: string; method: string; token: string };
    expect(result.__typename).toBe('VerifyOtpPayload');
    const claims = await verifyResultToken(result.token, { secretKey: TEST_SECRET, algorithm: 'HS256' });
    expect(claims).toMatchObject({ username, methods: [result.method] });
  });

  it('gives every verification its own jti, and no token to a refused one', async () => {
    const first = await verifiedOverRest(app);
    const second = await verifiedOverRest(app);
    const ids = await Promise.all(
      [first.body.token, second.body.token].map(async (token) => (await jwtVerify(token ?? '', key)).payload.jti),
    );
    expect(new Set(ids).size).toBe(2);

    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const refused = await submitCode(app, username, wrongCode(code));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Invalid code' });
  });

  it('is no caller token: presented back to the service, it gets 401', async () => {
    const { body } = await verifiedOverRest(app);
    const response = await app.inject({ method: 'POST', url: '/auth/generate?username=x', headers: bearer(body.token) });
    expect(response.statusCode).toBe(401);
  });
});

describe('RESULT_TOKEN_TTL_SECONDS=60 and ALGORITHM=HS512', () => {
  const app = useTestApp({ RESULT_TOKEN_TTL_SECONDS: '60', ALGORITHM: 'HS512' });

  it('signs under HS512 and lives 60 s', async () => {
    const { body } = await verifiedOverRest(app);
    const token = body.token ?? '';
    expect(decodeProtectedHeader(token).alg).toBe('HS512');
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS512'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
    await expect(verifyResultToken(token, { secretKey: TEST_SECRET, algorithm: 'HS256' })).rejects.toThrow();
  });
});

describe('verifyResultToken, the check other services make', () => {
  const start = new Date('2026-11-23T12:00:00Z');
  const config = parseConfig({ SECRET_KEY: TEST_SECRET, RESULT_TOKEN_TTL_SECONDS: '300' });
  const issue = (clock = new ManualClock(start)) => createResultTokens({ config, clock }).issue({ username: 'alice', method: 'totp' });
  const check = (token: string, at: Date, options: { secretKey?: string; algorithm?: string } = {}) =>
    verifyResultToken(token, { secretKey: TEST_SECRET, algorithm: 'HS256', currentDate: at, ...options });
  const seconds = (n: number) => new Date(start.getTime() + n * 1000);

  it('accepts the token until it expires (with 30 s of clock skew), then refuses it', async () => {
    const token = await issue();
    const claims = await check(token, seconds(299));
    expect(claims).toMatchObject({ username: 'alice', methods: ['totp'], issuedAt: start, expiresAt: seconds(300) });
    expect(claims.id).toMatch(UUID);
    await expect(check(token, seconds(320))).resolves.toMatchObject({ username: 'alice' });
    await expect(check(token, seconds(331))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('refuses another key, another algorithm, an altered subject, alg none, and a caller token', async () => {
    const token = await issue();
    await expect(check(token, start, { secretKey: 'another-secret-key-of-at-least-32-chars' })).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    });
    await expect(check(token, start, { algorithm: 'HS512' })).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });

    const [header, payload, signature] = token.split('.');
    const altered = { ...(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as object), sub: 'mallory' };
    await expect(check(`${header}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${signature}`, start)).rejects.toThrow();

    const unsigned = new UnsecuredJWT({ amr: ['otp'] }).setIssuer(RESULT_TOKEN_ISSUER).setSubject('mallory').setExpirationTime('5m').encode();
    await expect(check(unsigned, new Date())).rejects.toThrow();

    // Signed with the same key, but a caller's token: no issuer of ours, no amr.
    await expect(check(await callerToken(), new Date())).rejects.toThrow();
    const noAmr = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(RESULT_TOKEN_ISSUER)
      .setSubject('alice')
      .setIssuedAt()
      .setJti('x')
      .setExpirationTime('5m')
      .sign(key);
    await expect(check(noAmr, new Date())).rejects.toThrow();
  });
});

describe('tokens in logs', () => {
  it('are redacted wherever a log line could carry one', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = Fastify({ logger: { level: 'trace', stream, redact: { paths: redactPaths, censor: '[redacted]' } } });
    const callerJwt = await callerToken();
    const resultJwt = await createResultTokens({ config: parseConfig({ SECRET_KEY: TEST_SECRET }), clock: new ManualClock() }).issue({
      username: 'alice',
      method: 'otp',
    });
    app.post('/echo', async (request) => {
      request.log.info({ req: request }, 'with the request');
      request.log.info({ headers: request.headers }, 'with the headers');
      request.log.info({ request: { headers: request.headers } }, 'with a nested request');
      request.log.info({ token: resultJwt }, 'a token');
      request.log.info({ verified: { username: 'alice', token: resultJwt } }, 'a result');
      request.log.info({ answer: { verified: { token: resultJwt } } }, 'a wrapped result');
      return { ok: true };
    });
    await app.inject({ method: 'POST', url: '/echo', headers: bearer(callerJwt), payload: {} });
    await app.close();

    const all = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(callerJwt);
    expect(all).not.toContain(callerJwt.split('.')[2]);
    expect(all).not.toContain(resultJwt.split('.')[2]);
  });
});
