/**
 * Attack: speaking for the platform's issuer. Where CALLER_JWKS_URL and CALLER_ISSUER are set,
 * caller tokens signed by the issuer's published keys are accepted besides SECRET_KEY's. A
 * forger tries another issuer's token, a key of its own (a new kid, or the issuer's kid), an
 * HS256 token claiming the issuer (signed with SECRET_KEY, or with the public key as secret);
 * each gets 401. And the issuer going down must not take the service down or hold requests:
 * keys fetched before still work, and an unknown kid is refused within the fetch timeout.
 * The JWKS is served by a real HTTP server on this machine.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken } from './support/callers.js';

const ISSUER = 'https://issuer.platform.test';

/** An issuer's JWKS endpoint: `keys` are published; `mode` can make it refuse or hang. */
async function startJwksServer(keys: { kid: string; key: KeyObject }[]) {
  const state = { mode: 'up' as 'up' | 'down' | 'hang', fetches: 0 };
  const jwks = { keys: await Promise.all(keys.map(async ({ kid, key }) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' }))) };
  const server: Server = createServer((request, response) => {
    state.fetches++;
    if (state.mode === 'hang') return; // accepts, never answers
    if (state.mode === 'down') {
      response.socket?.destroy();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/.well-known/jwks.json`;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** A caller token as the platform issuer mints it: ES256, its kid, every scope the route needs. */
function issuerToken({ kid = 'issuer-1', key = issuerKey.privateKey, claims = {} }: { kid?: string; key?: KeyObject; claims?: JWTPayload } = {}) {
  return new SignJWT({ scope: 'otp:generate otp:verify', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setSubject('billing-service')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);
}

/** The status a generate for an unknown user gets with `token`: 400 once authenticated, 401 if not. */
async function statusWith(app: TestApp, token: string): Promise<{ status: number; detail: string }> {
  const response = await app.inject({ method: 'POST', url: '/auth/generate?username=nobody-at-all', headers: bearer(token) });
  return { status: response.statusCode, detail: response.json<{ detail: string }>().detail };
}

describe('caller tokens from the platform issuer (CALLER_JWKS_URL, CALLER_ISSUER)', () => {
  let issuer: Awaited<ReturnType<typeof startJwksServer>>;
  const env: Record<string, string> = { ALLOW_ANONYMOUS_CALLERS: 'false', CALLER_ISSUER: ISSUER, CALLER_JWKS_TIMEOUT_MS: '300' };
  beforeAll(async () => {
    issuer = await startJwksServer([{ kid: 'issuer-1', key: issuerKey.publicKey }]);
    env.CALLER_JWKS_URL = issuer.url;
  });
  afterAll(() => issuer.close());
  const app = useTestApp(env);

  it('accepts an ES256 token signed by a key of the issuer’s JWKS, with its scopes', async () => {
    expect(await statusWith(app, await issuerToken())).toEqual({ status: 400, detail: 'User not found' });
    const noScope = await issuerToken({ claims: { scope: 'users:read' } });
    expect((await statusWith(app, noScope)).status).toBe(403);
  });

  it('keeps SECRET_KEY’s HS256 tokens working, but not for the issuer’s name', async () => {
    expect((await statusWith(app, await callerToken())).status).toBe(400);
    expect((await statusWith(app, await callerToken({ claims: { iss: ISSUER } }))).status).toBe(401);
    // the issuer's public key as an HMAC secret
    const jwk = JSON.stringify(await exportJWK(issuerKey.publicKey));
    const confused = await callerToken({ secret: jwk, claims: { iss: ISSUER } });
    expect((await statusWith(app, confused)).status).toBe(401);
  });

  it('refuses another issuer, another key (new kid or the issuer’s), and the usual lifetime and iat rules', async () => {
    expect((await statusWith(app, await issuerToken({ claims: { iss: 'https://elsewhere.test' } }))).status).toBe(401);
    expect((await statusWith(app, await issuerToken({ kid: 'stranger', key: strangerKey.privateKey }))).status).toBe(401);
    expect((await statusWith(app, await issuerToken({ key: strangerKey.privateKey }))).status).toBe(401);
    const long = await new SignJWT({ scope: 'otp:generate' })
      .setProtectedHeader({ alg: 'ES256', kid: 'issuer-1' })
      .setIssuer(ISSUER)
      .setSubject('billing-service')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(issuerKey.privateKey);
    expect(await statusWith(app, long)).toMatchObject({ status: 401, detail: expect.stringContaining('CALLER_TOKEN_MAX_TTL_SECONDS') as unknown });
  });

  it('with the issuer down or hanging: a known key still passes, an unknown kid gets 401 within the timeout', async () => {
    const known = await issuerToken();
    expect((await statusWith(app, known)).status).toBe(400); // the keys are cached from here on
    for (const mode of ['down', 'hang'] as const) {
      issuer.state.mode = mode;
      let started = Date.now();
      expect((await statusWith(app, known)).status).toBe(400);
      expect(Date.now() - started).toBeLessThan(1000);
      started = Date.now();
      expect((await statusWith(app, await issuerToken({ kid: `unknown-${mode}`, key: strangerKey.privateKey }))).status).toBe(401);
      expect(Date.now() - started).toBeLessThan(2000);
    }
    issuer.state.mode = 'up';
  });
});

describe('an issuer that is down from the start', () => {
  let issuer: Awaited<ReturnType<typeof startJwksServer>>;
  const env: Record<string, string> = { ALLOW_ANONYMOUS_CALLERS: 'false', CALLER_ISSUER: ISSUER, CALLER_JWKS_TIMEOUT_MS: '300' };
  beforeAll(async () => {
    issuer = await startJwksServer([{ kid: 'issuer-1', key: issuerKey.publicKey }]);
    issuer.state.mode = 'hang';
    env.CALLER_JWKS_URL = issuer.url;
  });
  afterAll(() => issuer.close());
  const app = useTestApp(env);

  it('answers 401 for its tokens within CALLER_JWKS_TIMEOUT_MS, and SECRET_KEY callers are not held up', async () => {
    const started = Date.now();
    expect((await statusWith(app, await issuerToken())).status).toBe(401);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(issuer.state.fetches).toBe(1);
    // Within the retry pause no request waits on it again.
    const again = Date.now();
    expect((await statusWith(app, await issuerToken())).status).toBe(401);
    expect(Date.now() - again).toBeLessThan(1000);
    expect((await statusWith(app, await callerToken({ secret: TEST_SECRET }))).status).toBe(400);
  });
});

describe('without CALLER_JWKS_URL', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });

  it('refuses every asymmetric caller token', async () => {
    expect((await statusWith(app, await issuerToken())).status).toBe(401);
  });
});
