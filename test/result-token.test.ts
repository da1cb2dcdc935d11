/**
 * The result token. The attack it answers: a service that trusts "the 2FA service said yes"
 * from anything but a signature (a redirect parameter, a boolean in a shared cache) can be told
 * yes by anyone. A successful verification returns a short-lived JWT signed with the service's
 * private key (ES256 by default), which any FountainAI service checks offline with the public
 * keys at /.well-known/jwks.json; a forged, altered, expired or misdirected token fails that
 * check, and a token never reaches a log line. test/result-token-jwks.test.ts holds the
 * forgeries a JWKS-only checker refuses; test/result-token-rotation.test.ts the key's life.
 */
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { verifyResultToken } from '../src/verification/result-token.js';
import { redactPaths } from '../src/logging/logger.js';
import { contextHash } from '../src/vocabulary/action-context.js';
import { TEST_SECRET, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';
import { fetchJwks, jwksOf } from './support/result-tokens.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Generates a code for a new user, verifies it over REST and returns the user and the 200 body. */
async function verifiedOverRest(app: TestApp) {
  const username = await createUser(app);
  const { code } = await requestCode(app, username);
  const response = await submitCode(app, username, code);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<{ success: boolean; method: string; token?: string }>();
  expect(body.token, response.body).toEqual(expect.any(String));
  return { username, body, token: body.token ?? '' };
}

describe('the token a successful verification returns (RESULT_TOKEN_ALGORITHM=ES256, the default)', () => {
  const app = useTestApp();

  it('REST: `token` is an ES256 JWT with a kid the JWKS lists: iss, sub, amr, iat, auth_time, exp (+300 s), jti', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { username, body, token } = await verifiedOverRest(app);
    expect(body).toMatchObject({ success: true, method: 'otp' });

    const header = decodeProtectedHeader(token);
    expect(header).toEqual({ alg: 'ES256', kid: expect.any(String) as unknown, typ: 'JWT' });
    const jwks = await fetchJwks(app);
    expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);

    const { payload } = await jwtVerify(token, await jwksOf(app), { algorithms: ['ES256'], issuer: 'fountainai-2fa' });
    expect(Object.keys(payload).sort()).toEqual(['acr', 'amr', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(payload).toMatchObject({ iss: 'fountainai-2fa', sub: username, acr: 'urn:fountainai:2fa:acr:email', amr: ['otp', 'email'], auth_time: payload.iat });
    expect(payload.jti).toMatch(UUID);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);

    expect(await verifyResultToken(token, { jwks })).toMatchObject({ username, methods: ['otp', 'email'], id: payload.jti });
    // A SECRET_KEY holder can no longer check (or forge) it.
    await expect(verifyResultToken(token, { secretKey: TEST_SECRET })).rejects.toThrow();
  });

  it('GraphQL: VerifyOtpPayload.token, the same kind of token, with ctx and aud when the caller gives context and audience', async () => {
    const username = await createUser(app);
    const context = 'Pay 42.00 EUR to ACME GmbH';
    const generated = await graphqlAs(
      app,
      {},
      `mutation ($u: String!, $x: String) { generateOtp(username: $u, context: $x) { __typename ... on GenerateOtpPayload { otpCode } } }`,
      { u: username, x: context },
    );
    const code = (generated.body.data?.generateOtp as { otpCode: string }).otpCode;
    const { body } = await graphqlAs(
      app,
      {},
      `mutation ($u: String!, $c: String!, $x: String, $a: String) {
         verifyOtp(username: $u, code: $c, context: $x, audience: $a) { __typename ... on VerifyOtpPayload { method token } }
       }`,
      { u: username, c: code, x: context, a: 'payments' },
    );
    expect(body.errors, JSON.stringify(body)).toBeUndefined();
    const result = body.data?.verifyOtp as { __typename: string; method: string; token: string };
    expect(result.__typename).toBe('VerifyOtpPayload');
    const jwks = await fetchJwks(app);
    const claims = await verifyResultToken(result.token, { jwks }, { context, audience: 'payments' });
    expect(claims).toMatchObject({ username, methods: ['otp', 'email'], contextHash: contextHash(context), audience: 'payments' });
    // ctx is base64url(SHA-256(UTF-8 context)), computable by anyone who knows the action.
    expect(claims.contextHash).toBe(Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(context))).toString('base64url'));
  });

  it('gives every verification its own jti, and no token to a refused one', async () => {
    const jwks = await jwksOf(app);
    const first = await verifiedOverRest(app);
    const second = await verifiedOverRest(app);
    const ids = await Promise.all([first.token, second.token].map(async (token) => (await jwtVerify(token, jwks)).payload.jti));
    expect(new Set(ids).size).toBe(2);

    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const refused = await submitCode(app, username, wrongCode(code));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Invalid code' });
  });

  it('is no caller token: presented back to the service, it gets 401', async () => {
    const { token } = await verifiedOverRest(app);
    const response = await app.inject({ method: 'POST', url: '/auth/generate?username=x', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
  });

  it('GET /.well-known/jwks.json: public keys only, cacheable', async () => {
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    const { keys } = response.json<{ keys: Record<string, unknown>[] }>();
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(['EC', 'OKP']).toContain(key.kty);
      expect(Object.keys(key).every((member) => ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'].includes(member)), JSON.stringify(key)).toBe(true);
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) as unknown });
      expect(key).not.toHaveProperty('d');
    }
  });
});

describe('RESULT_TOKEN_ALGORITHM=EdDSA', () => {
  const app = useTestApp({ RESULT_TOKEN_ALGORITHM: 'EdDSA' });

  it('signs with an Ed25519 key the JWKS publishes', async () => {
    const { username, token } = await verifiedOverRest(app);
    const header = decodeProtectedHeader(token);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    const jwks = await fetchJwks(app);
    expect(jwks.keys.find((key) => key.kid === header.kid)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(await verifyResultToken(token, { jwks })).toMatchObject({ username, methods: ['otp', 'email'] });
  });
});

describe('RESULT_TOKEN_ALGORITHM=HS256 (explicit) and RESULT_TOKEN_TTL_SECONDS=60', () => {
  const app = useTestApp({ RESULT_TOKEN_TTL_SECONDS: '60', RESULT_TOKEN_ALGORITHM: 'HS256', ALGORITHM: 'HS512' });

  it('signs with SECRET_KEY under HS256 (ALGORITHM is the callers’ alone), lives 60 s, and publishes no symmetric key', async () => {
    const { username, token } = await verifiedOverRest(app);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = await verifyResultToken(token, { secretKey: TEST_SECRET });
    expect(claims).toMatchObject({ username, methods: ['otp', 'email'] });
    expect(claims.expiresAt.getTime() - claims.issuedAt.getTime()).toBe(60_000);
    const jwks = await fetchJwks(app);
    expect(jwks.keys.every((key) => key.kty !== 'oct' && key.k === undefined)).toBe(true);
    await expect(verifyResultToken(token, { jwks })).rejects.toThrow();
  });
});

describe('tokens in logs', () => {
  const app = useTestApp();

  it('are redacted wherever a log line could carry one', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = Fastify({ logger: { level: 'trace', stream, redact: { paths: redactPaths, censor: '[redacted]' } } });
    const callerJwt = await callerToken();
    const { token: resultJwt } = await verifiedOverRest(app);
    logged.post('/echo', async (request) => {
      request.log.info({ req: request }, 'with the request');
      request.log.info({ headers: request.headers }, 'with the headers');
      request.log.info({ request: { headers: request.headers } }, 'with a nested request');
      request.log.info({ token: resultJwt }, 'a token');
      request.log.info({ verified: { username: 'alice', token: resultJwt } }, 'a result');
      request.log.info({ answer: { verified: { token: resultJwt } } }, 'a wrapped result');
      return { ok: true };
    });
    await logged.inject({ method: 'POST', url: '/echo', headers: bearer(callerJwt), payload: {} });
    await logged.close();

    const all = lines.join('');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(all).toContain('[redacted]');
    expect(all).not.toContain(callerJwt);
    expect(all).not.toContain(callerJwt.split('.')[2]);
    expect(all).not.toContain(resultJwt.split('.')[2]);
  });
});
