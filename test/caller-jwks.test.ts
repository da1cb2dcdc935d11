/**
 * Attack: speaking for the platform's issuer. Where CALLER_JWKS_URL and CALLER_ISSUER are set,
 * caller tokens signed by the issuer's published keys are accepted besides SECRET_KEY's. A
 * forger tries another issuer's token, a key of its own (a new kid, or the issuer's kid), an
 * HS256 token claiming the issuer (signed with SECRET_KEY, or with the public key as secret);
 * each gets 401. And the issuer going down must not take the service down or hold requests:
 * keys fetched before still work, an unknown kid is refused within the fetch timeout, and the
 * issuer is asked at most once every 30 s, by one fetch the waiting requests share. Each 401
 * says why, on REST and GraphQL, without repeating the token or what it claims. The JWKS is
 * served by a real HTTP server on this machine (test/hostile-issuer.test.ts: a hostile one).
 */
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, TEST_SECRET, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { ISSUER, issuerKey, issuerToken, startJwksIssuer, strangerKey, type JwksIssuer } from './support/jwks-issuer.js';

/** The status a generate for an unknown user gets with `token`: 400 once authenticated, 401 if not. */
async function statusWith(app: TestApp, token: string): Promise<{ status: number; detail: string }> {
  const response = await app.inject({ method: 'POST', url: '/auth/generate?username=nobody-at-all', headers: bearer(token) });
  return { status: response.statusCode, detail: response.json<{ detail: string }>().detail };
}

describe('caller tokens from the platform issuer (CALLER_JWKS_URL, CALLER_ISSUER)', () => {
  let issuer: JwksIssuer;
  const env: Record<string, string> = { ALLOW_ANONYMOUS_CALLERS: 'false', CALLER_ISSUER: ISSUER, CALLER_JWKS_TIMEOUT_MS: '300' };
  beforeAll(async () => {
    issuer = await startJwksIssuer();
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
  let issuer: JwksIssuer;
  const env: Record<string, string> = { ALLOW_ANONYMOUS_CALLERS: 'false', CALLER_ISSUER: ISSUER, CALLER_JWKS_TIMEOUT_MS: '300' };
  beforeAll(async () => {
    issuer = await startJwksIssuer('hang');
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

const AUDIENCE = 'fountainai-2fa-api';
/** What a forger writes into the claims and headers it controls; no answer may repeat it. */
const MARK = 'forger-mark';
const refused = (why: string) => `A valid bearer token is required: ${why}`;
const UNAVAILABLE = refused('the platform issuer’s keys (CALLER_JWKS_URL) cannot be fetched now; try again shortly');

const generateMutation = `mutation ($username: String!) { generateOtp(username: $username) { __typename ... on Error { code message } } }`;

/** The REST detail and the GraphQL message a token gets, checked to be the same 401 and to echo neither the token nor MARK. */
async function refusalOf(app: TestApp, token: string): Promise<string> {
  const rest = await app.inject({ method: 'POST', url: '/auth/generate?username=nobody-at-all', headers: bearer(token) });
  expect(rest.statusCode, rest.body).toBe(401);
  const { detail } = rest.json<{ detail: string }>();
  const graphql = await graphqlAs(app, bearer(token), generateMutation, { username: 'nobody-at-all' });
  expect(graphql.body.data?.generateOtp).toEqual({ __typename: 'UnauthenticatedError', code: 'UNAUTHENTICATED', message: detail });
  for (const answer of [rest.body, JSON.stringify(graphql.body)]) {
    expect(answer).not.toContain(MARK);
    for (const part of token.split('.')) expect(answer).not.toContain(part);
  }
  return detail;
}

describe('a 401 says why the token was refused, on REST and GraphQL, echoing nothing the token chose', () => {
  let issuer: JwksIssuer;
  const env: Record<string, string> = {
    ALLOW_ANONYMOUS_CALLERS: 'false',
    CALLER_ISSUER: ISSUER,
    CALLER_AUDIENCE: AUDIENCE,
    CALLER_JWKS_TIMEOUT_MS: '300',
  };
  beforeAll(async () => {
    issuer = await startJwksIssuer();
    env.CALLER_JWKS_URL = issuer.url;
  });
  afterAll(() => issuer.close());
  const app = useTestApp(env);
  const aud = AUDIENCE;

  it('a valid token passes (so each refusal below is for its one fault)', async () => {
    expect(await statusWith(app, await issuerToken({ claims: { aud } }))).toEqual({ status: 400, detail: 'User not found' });
  });

  it.each([
    { fault: 'expired', why: 'it has expired (exp)', token: () => issuerToken({ claims: { aud, note: MARK }, expiresIn: Math.floor(Date.now() / 1000) - 120 }) },
    {
      fault: 'unknown key',
      why: 'its key (kid) is not one of the platform issuer’s keys (CALLER_JWKS_URL)',
      token: () => issuerToken({ kid: MARK, key: strangerKey.privateKey, claims: { aud } }),
    },
    { fault: 'wrong issuer', why: 'its iss is not the platform issuer (CALLER_ISSUER)', token: () => issuerToken({ claims: { aud, iss: `https://${MARK}.test` } }) },
    { fault: 'wrong audience', why: `its aud must include ${AUDIENCE} (CALLER_AUDIENCE)`, token: () => issuerToken({ claims: { aud: MARK } }) },
    { fault: 'bad signature (the issuer’s kid, another key)', why: 'its signature does not verify', token: () => issuerToken({ key: strangerKey.privateKey, claims: { aud, note: MARK } }) },
    {
      fault: 'SECRET_KEY’s HS256 token claiming the issuer',
      why: 'the platform issuer’s tokens must be signed with its published keys (CALLER_JWKS_URL)',
      token: () => callerToken({ claims: { iss: ISSUER, aud, note: MARK } }),
    },
  ])('$fault', async ({ why, token }) => {
    expect(await refusalOf(app, await token())).toBe(refused(why));
  });
});

describe('the issuer’s keys unavailable: one fetch per 30 s, shared by the requests waiting', () => {
  let issuer: JwksIssuer;
  const clock = new ManualClock();
  const env: Record<string, string> = { ALLOW_ANONYMOUS_CALLERS: 'false', CALLER_ISSUER: ISSUER, CALLER_JWKS_TIMEOUT_MS: '300' };
  beforeAll(async () => {
    issuer = await startJwksIssuer('hang');
    env.CALLER_JWKS_URL = issuer.url;
  });
  afterAll(() => issuer.close());
  const app = useTestApp(env, { clock });

  it('says so in the 401; 25 concurrent requests share one fetch; the next fetch waits 30 s, then the keys serve', async () => {
    const token = await issuerToken();
    const answers = await Promise.all(Array.from({ length: 25 }, () => statusWith(app, token)));
    expect(answers).toEqual(Array.from({ length: 25 }, () => ({ status: 401, detail: UNAVAILABLE })));
    expect(issuer.state.fetches).toBe(1);
    expect(await refusalOf(app, token)).toBe(UNAVAILABLE);

    issuer.state.mode = 'up';
    clock.advance(29_000);
    expect(await statusWith(app, token)).toEqual({ status: 401, detail: UNAVAILABLE });
    expect(issuer.state.fetches).toBe(1);
    clock.advance(1_000);
    expect(await statusWith(app, token)).toEqual({ status: 400, detail: 'User not found' });
    expect(issuer.state.fetches).toBe(2);

    // A successful fetch holds off the next as well: an unknown kid does not make the issuer a
    // tool for flooding itself, and is refused as unknown until a fetch may start again.
    const unknown = await issuerToken({ kid: 'rotated-in', key: strangerKey.privateKey });
    expect(await statusWith(app, unknown)).toMatchObject({ status: 401, detail: refused('its key (kid) is not one of the platform issuer’s keys (CALLER_JWKS_URL)') });
    expect(issuer.state.fetches).toBe(2);
    clock.advance(30_000);
    expect((await statusWith(app, unknown)).status).toBe(401);
    expect(issuer.state.fetches).toBe(3);
  });

  it('with keys known and the issuer failing again, a known key still passes and an unknown one is refused as unavailable', async () => {
    issuer.state.mode = 'down';
    clock.advance(30_000);
    const unknown = await issuerToken({ kid: 'rotated-in', key: strangerKey.privateKey });
    expect(await statusWith(app, unknown)).toEqual({ status: 401, detail: UNAVAILABLE });
    expect(await statusWith(app, await issuerToken())).toEqual({ status: 400, detail: 'User not found' });
    expect(issuer.state.fetches).toBe(4);
  });
});
