/**
 * Forged caller tokens. The attack: a client with no real token from a FountainAI service makes
 * one up to have codes sent (SMS pumping), to check codes, or to read users and logs: a token
 * with `alg: none`, one signed with a guessed key, one signed under another algorithm than the
 * configured one, an expired or not-yet-valid one, one without expiry, one whose scopes were
 * widened after signing, garbage. Each gets 401 on REST and UnauthenticatedError (or the
 * UNAUTHENTICATED error code on reads) on GraphQL, also where anonymous callers are let in: a bad
 * token never falls back to the anonymous caller's rights. A real token without the scope gets
 * 403 / ForbiddenError, on every path to the data, not just the obvious one.
 */
import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { uniqueName, useTestApp, type TestApp } from './support/app.js';
import { ALL_SCOPES, bearer, callerToken, graphqlAs } from './support/callers.js';
import { createUser, DEFAULT_EMAIL, requestCode } from './support/flows.js';

/** Splits a compact JWT into its three parts. */
const parts = (token: string) => {
  const [header = '', payload = '', signature = ''] = token.split('.');
  return { header, payload, signature };
};
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;

/** Each forgery, and why its 401 says it was refused (after `A valid bearer token is required: `). */
const forgeries: { attack: string; reason: string; authorization: () => Promise<string> }[] = [
  {
    attack: 'alg: none, unsigned',
    reason: 'the Authorization header must be "Bearer" followed by a signed JWT',
    authorization: async () =>
      `Bearer ${new UnsecuredJWT({ scope: ALL_SCOPES }).setSubject('evil').setIssuedAt().setExpirationTime('1h').encode()}`,
  },
  {
    attack: 'alg: none in the header of a real token',
    reason: 'it is signed under an algorithm this service does not accept',
    authorization: async () => {
      const { payload, signature } = parts(await callerToken());
      return `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`;
    },
  },
  { attack: 'signed with a guessed key', reason: 'its signature does not verify', authorization: async () => `Bearer ${await callerToken({ secret: 'your_super_secret_key' })}` },
  { attack: 'HS512 where HS256 is configured', reason: 'it is signed under an algorithm this service does not accept', authorization: async () => `Bearer ${await callerToken({ alg: 'HS512' })}` },
  { attack: 'HS384 where HS256 is configured', reason: 'it is signed under an algorithm this service does not accept', authorization: async () => `Bearer ${await callerToken({ alg: 'HS384' })}` },
  { attack: 'expired two minutes ago', reason: 'it has expired (exp)', authorization: async () => `Bearer ${await callerToken({ expiresIn: -120 })}` },
  { attack: 'not valid for two more minutes (nbf)', reason: 'it is not valid yet (nbf)', authorization: async () => `Bearer ${await callerToken({ notBeforeIn: 120 })}` },
  { attack: 'issued two minutes in the future (iat)', reason: 'it was issued in the future (iat)', authorization: async () => `Bearer ${await callerToken({ issuedIn: 120 })}` },
  { attack: 'without exp', reason: 'it must carry exp', authorization: async () => `Bearer ${await callerToken({ expiresIn: null })}` },
  { attack: 'without sub', reason: 'it must carry sub', authorization: async () => `Bearer ${await callerToken({ sub: null })}` },
  {
    attack: 'scopes widened after signing',
    reason: 'its signature does not verify',
    authorization: async () => {
      const { header, payload, signature } = parts(await callerToken({ scope: 'otp:verify' }));
      return `Bearer ${header}.${encode({ ...decode(payload), scope: ALL_SCOPES })}.${signature}`;
    },
  },
  {
    attack: 'a user’s result token presented as a caller token',
    reason: 'a result token proves a verification to other services; it is no caller’s token',
    authorization: async () =>
      `Bearer ${await callerToken({ sub: 'alice', scope: null, claims: { iss: 'fountainai-2fa', amr: ['otp'], jti: 'x' } })}`,
  },
  { attack: 'garbage', reason: 'the Authorization header must be "Bearer" followed by a signed JWT', authorization: async () => 'Bearer not-a-jwt' },
  { attack: 'three dots of garbage', reason: 'it is not a well-formed JWT', authorization: async () => 'Bearer a.b.c' },
  { attack: 'an empty bearer', reason: 'the Authorization header must be "Bearer" followed by a signed JWT', authorization: async () => 'Bearer ' },
  { attack: 'another scheme (Basic)', reason: 'the Authorization header must be "Bearer" followed by a signed JWT', authorization: async () => `Basic ${Buffer.from('service:password').toString('base64')}` },
  { attack: 'a real token without the Bearer scheme', reason: 'the Authorization header must be "Bearer" followed by a signed JWT', authorization: async () => callerToken() },
];

const generateMutation = `mutation ($username: String!) {
  generateOtp(username: $username) { __typename ... on Error { code message } ... on ForbiddenError { requiredScope } }
}`;
const verifyMutation = `mutation ($username: String!) {
  verifyOtp(username: $username, code: "123456") { __typename ... on Error { code message } ... on ForbiddenError { requiredScope } }
}`;
const createUserMutation = `mutation ($username: String!) {
  createUser(input: { username: $username, email: "x@example.com" }) {
    __typename ... on User { username } ... on Error { code } ... on ForbiddenError { requiredScope }
  }
}`;

/** Codes the user has been sent, counted with a real token. */
async function codesSent(app: TestApp, username: string): Promise<number> {
  const { body } = await graphqlAs(app, bearer(await callerToken({ scope: 'logs:read' })), `query ($u: String) { logs(username: $u, first: 50) { edges { cursor } } }`, {
    u: username,
  });
  expect(body.errors).toBeUndefined();
  const logs = body.data?.logs as { edges: unknown[] };
  return logs.edges.length;
}

describe('forged caller tokens', () => {
  // Anonymous callers are let in here (the default outside production), so a forged token that
  // fell back to anonymous would succeed: each must still be refused.
  const app = useTestApp();

  it.each(forgeries)('$attack: 401 on REST, UnauthenticatedError on GraphQL, saying why, and no code sent', async ({ reason, authorization }) => {
    const username = await createUser(app);
    const headers = { authorization: await authorization() };
    const detail = `A valid bearer token is required: ${reason}`;

    const generate = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers });
    expect(generate.statusCode, generate.body).toBe(401);
    expect(generate.json()).toEqual({ detail });
    expect(generate.headers['www-authenticate']).toMatch(/^Bearer\b/);

    const verify = await app.inject({ method: 'POST', url: '/auth/verify', headers, payload: { username, otp_code: '123456' } });
    expect(verify.statusCode, verify.body).toBe(401);
    expect(verify.json()).toEqual({ detail });

    const generated = await graphqlAs(app, headers, generateMutation, { username });
    expect(generated.body.data?.generateOtp).toEqual({
      __typename: 'UnauthenticatedError',
      code: 'UNAUTHENTICATED',
      message: detail,
    });
    const verified = await graphqlAs(app, headers, verifyMutation, { username });
    expect(verified.body.data?.verifyOtp).toMatchObject({ __typename: 'UnauthenticatedError' });

    const read = await graphqlAs(app, headers, `{ users(first: 1) { edges { node { username } } } }`);
    expect(read.body.data).toBeNull();
    expect(read.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    expect(await codesSent(app, username)).toBe(0);
  });

  it('accepts a real token, with the scheme in any case, and tolerates 30 s of clock skew', async () => {
    const username = await createUser(app);
    for (const token of [
      await callerToken(),
      await callerToken({ issuedIn: 20, notBeforeIn: 20 }),
      await callerToken({ expiresIn: -20 }),
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: `/auth/generate?username=${username}`,
        headers: { authorization: `bearer ${token}` },
      });
      // The second and third sends meet the user's resend interval: past authentication either way.
      expect([200, 429], response.body).toContain(response.statusCode);
    }
    expect(await codesSent(app, username)).toBe(1);
  });
});

describe('a real token without the scope', () => {
  const app = useTestApp();
  const tokenFor = async (scope: string) => bearer(await callerToken({ scope }));

  it('REST: 403 naming the scope, on generate (otp:generate) and verify (otp:verify)', async () => {
    const username = await createUser(app);
    const generate = await app.inject({
      method: 'POST',
      url: `/auth/generate?username=${username}`,
      headers: await tokenFor('otp:verify users:read users:write logs:read'),
    });
    expect(generate.statusCode).toBe(403);
    expect(generate.json()).toEqual({ detail: 'The token does not grant the scope otp:generate' });
    expect(generate.headers['www-authenticate']).toBeUndefined();
    expect(await codesSent(app, username)).toBe(0);

    const { code } = await requestCode(app, username);
    const verify = await app.inject({
      method: 'POST',
      url: '/auth/verify',
      headers: await tokenFor('otp:generate'),
      payload: { username, otp_code: code },
    });
    expect(verify.statusCode).toBe(403);
    expect(verify.json()).toEqual({ detail: 'The token does not grant the scope otp:verify' });
  });

  it('GraphQL mutations: ForbiddenError with the required scope', async () => {
    const username = await createUser(app);
    const readOnly = await tokenFor('users:read logs:read');
    expect((await graphqlAs(app, readOnly, generateMutation, { username })).body.data?.generateOtp).toEqual({
      __typename: 'ForbiddenError',
      code: 'FORBIDDEN',
      message: 'The token does not grant the scope otp:generate',
      requiredScope: 'otp:generate',
    });
    expect((await graphqlAs(app, readOnly, verifyMutation, { username })).body.data?.verifyOtp).toMatchObject({
      __typename: 'ForbiddenError',
      requiredScope: 'otp:verify',
    });
    expect((await graphqlAs(app, readOnly, createUserMutation, { username: uniqueName() })).body.data?.createUser).toMatchObject({
      __typename: 'ForbiddenError',
      requiredScope: 'users:write',
    });
    expect(await codesSent(app, username)).toBe(0);
  });

  it('GraphQL reads: FORBIDDEN on user, users, logs and auditEvents without users:read or logs:read', async () => {
    const username = await createUser(app);
    const codeScopes = await tokenFor('otp:generate otp:verify users:write');
    const reads = [
      { query: `query ($u: String!) { user(username: $u) { username } }`, path: ['user'] },
      { query: `{ users(first: 1) { edges { node { username } } } }`, path: ['users'] },
      { query: `{ logs(first: 1) { edges { node { status } } } }`, path: ['logs'] },
      { query: `{ auditEvents(first: 1) { edges { node { event } } } }`, path: ['auditEvents'] },
    ];
    for (const { query, path } of reads) {
      const { body } = await graphqlAs(app, codeScopes, query, { u: username });
      expect(body.errors, query).toHaveLength(1);
      expect(body.errors?.[0]).toMatchObject({ path, extensions: { code: 'FORBIDDEN' } });
      expect(JSON.stringify(body.data ?? null)).not.toContain(username);
    }
  });

  it('GraphQL: the scope holds on every path to the data: a user’s logs, a code’s user, node(id:)', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    const everything = await tokenFor(ALL_SCOPES);
    const { body: full } = await graphqlAs(app, everything, `query ($u: String!) { user(username: $u) { id logs(first: 1) { edges { node { id } } } } }`, {
      u: username,
    });
    const user = full.data?.user as { id: string; logs: { edges: { node: { id: string } }[] } };
    const logId = user.logs.edges[0]?.node.id;

    // users:read alone reaches the user, but not the user's codes
    const usersOnly = await tokenFor('users:read');
    const viaUser = await graphqlAs(app, usersOnly, `query ($u: String!) { user(username: $u) { username logs(first: 5) { edges { node { status } } } } }`, {
      u: username,
    });
    expect(viaUser.body.errors?.[0]).toMatchObject({ path: ['user', 'logs'], extensions: { code: 'FORBIDDEN' } });
    expect(JSON.stringify(viaUser.body.data)).not.toContain('ACTIVE');

    // logs:read alone reaches the codes, but not their users
    const logsOnly = await tokenFor('logs:read');
    const viaLogs = await graphqlAs(app, logsOnly, `query ($u: String) { logs(username: $u, first: 5) { edges { node { status user { email } } } } }`, {
      u: username,
    });
    expect(viaLogs.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(viaLogs.body.errors?.[0]?.path).toContain('user');
    expect(JSON.stringify(viaLogs.body.data ?? null)).not.toContain(DEFAULT_EMAIL);

    // node(id:) and nodes(ids:) check the type they resolve to
    const node = `query ($id: ID!) { node(id: $id) { __typename ... on User { username } ... on OtpLog { status } } }`;
    const userByNode = await graphqlAs(app, logsOnly, node, { id: user.id });
    expect(userByNode.body.data?.node).toBeNull();
    expect(userByNode.body.errors?.[0]).toMatchObject({ path: ['node'], extensions: { code: 'FORBIDDEN' } });
    const logByNode = await graphqlAs(app, usersOnly, node, { id: logId });
    expect(logByNode.body.errors?.[0]).toMatchObject({ path: ['node'], extensions: { code: 'FORBIDDEN' } });
    // nodes(ids:) needs the scopes of every type its ids name: one refused type refuses the field
    const nodes = `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename } }`;
    const both = await graphqlAs(app, usersOnly, nodes, { ids: [user.id, logId] });
    expect(both.body.data?.nodes).toBeNull();
    expect(both.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[['nodes'], 'FORBIDDEN']]);
    expect((await graphqlAs(app, usersOnly, nodes, { ids: [user.id] })).body).toEqual({ data: { nodes: [{ __typename: 'User' }] } });

    // and with the scope, the same paths answer
    expect((await graphqlAs(app, usersOnly, node, { id: user.id })).body).toEqual({ data: { node: { __typename: 'User', username } } });
    expect((await graphqlAs(app, logsOnly, node, { id: logId })).body).toEqual({ data: { node: { __typename: 'OtpLog', status: 'ACTIVE' } } });
  });
});

describe('ALLOW_ANONYMOUS_CALLERS=false', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });

  it('refuses a caller without a token: 401 on REST, UnauthenticatedError / UNAUTHENTICATED on GraphQL', async () => {
    const username = uniqueName();
    const generate = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` });
    expect(generate.statusCode).toBe(401);
    expect(generate.json()).toEqual({ detail: 'A valid bearer token is required' });
    expect(generate.headers['www-authenticate']).toMatch(/^Bearer\b/);

    const verify = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: '123456' } });
    expect(verify.statusCode).toBe(401);
    // refused before the body is read: a malformed body says nothing to an unauthenticated caller
    const malformed = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username } });
    expect(malformed.statusCode).toBe(401);

    expect((await graphqlAs(app, {}, generateMutation, { username })).body.data?.generateOtp).toMatchObject({ __typename: 'UnauthenticatedError' });
    expect((await graphqlAs(app, {}, verifyMutation, { username })).body.data?.verifyOtp).toMatchObject({ __typename: 'UnauthenticatedError' });
    expect((await graphqlAs(app, {}, createUserMutation, { username })).body.data?.createUser).toMatchObject({
      __typename: 'UnauthenticatedError',
      code: 'UNAUTHENTICATED',
    });
    const read = await graphqlAs(app, {}, `query ($u: String!) { user(username: $u) { username } }`, { u: username });
    expect(read.body).toMatchObject({ data: { user: null }, errors: [{ path: ['user'], extensions: { code: 'UNAUTHENTICATED' } }] });
  });

  it('serves a caller with a valid token and the scopes: create, generate, verify', async () => {
    const token = bearer(await callerToken());
    const username = uniqueName();
    const created = await graphqlAs(app, token, createUserMutation, { username });
    expect(created.body.data?.createUser).toEqual({ __typename: 'User', username });

    const generate = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: token });
    expect(generate.statusCode, generate.body).toBe(200);
    const code = generate.json<{ otp_code: string }>().otp_code;

    const verify = await app.inject({ method: 'POST', url: '/auth/verify', headers: token, payload: { username, otp_code: code } });
    expect(verify.statusCode, verify.body).toBe(200);
    expect(verify.json()).toMatchObject({ success: true, method: 'otp' });
  });

  it('documents the bearer scheme, the scope of each route and the 401, 403 and 429 answers in OpenAPI', async () => {
    interface Operation {
      security?: Record<string, string[]>[];
      responses: Record<string, unknown>;
    }
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      components: { securitySchemes: Record<string, { type: string; scheme: string; bearerFormat: string }> };
      paths: Record<string, { post: Operation }>;
    }>();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const [path, scope] of [
      ['/auth/generate', 'otp:generate'],
      ['/auth/verify', 'otp:verify'],
    ] as const) {
      const operation = doc.paths[path]?.post;
      expect(operation?.security, path).toEqual([{ bearerAuth: [scope] }]);
      expect(Object.keys(operation?.responses ?? {}), path).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
  });

  it('keeps the probes and the docs open', async () => {
    for (const url of ['/', '/healthz', '/readyz', '/openapi.json', '/docs/']) {
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
  });
});
