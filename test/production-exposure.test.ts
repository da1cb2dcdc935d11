// Attack: reading what production leaves exposed. Without a token, a client asks the gateway's
// own fields for the whole schema (`_service { sdl }`, introspection or not) or for users
// (`_entities`); it mints a caller token that lives for a year, or presents one meant for
// another service; it probes `node(id:)` to learn which ids exist without the scope to read
// them; it changes a user with users:write only to read the user's email and phone; and it
// reads the logs, where a legacy caller's `?username=` would otherwise be written out.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken, executeAs, graphqlAs, type CallerTokenOptions } from './support/callers.js';
import { createUser, DEFAULT_EMAIL } from './support/flows.js';
import { expectType } from './support/graphql.js';
import { sleep, startServiceProcess, type ServiceProcess } from './support/service-process.js';
import { CreateUserDocument } from './generated/graphql.js';

const PHONE = '+4915112345678';
const serviceQuery = '{ _service { sdl } }';
const entitiesQuery = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { username email } } }`;
const nodeQuery = `query ($id: ID!) { node(id: $id) { id ... on User { username } } }`;
const nodesQuery = `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`;

/** A user created with every scope, with an email and a phone number; its username and global id. */
async function newUser(app: TestApp): Promise<{ username: string; id: string }> {
  const { createUser: created } = await executeAs(app, bearer(await callerToken()), CreateUserDocument, {
    input: { username: uniqueName(), email: DEFAULT_EMAIL, phoneNumber: PHONE },
  });
  const { username, id } = expectType(created, 'User');
  return { username, id };
}

/** The global id a user with this database id would have. */
const userGlobalId = (databaseId: number) => Buffer.from(`User:${databaseId}`).toString('base64');

/** The code of each error of an answer, by path. */
const errorCodes = (body: { errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[] }) =>
  (body.errors ?? []).map((error) => [error.path?.join('.'), error.extensions?.code]);

describe('the federation fields with anonymous callers off', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false', GRAPHQL_INTROSPECTION: 'false' });

  it('_service { sdl }: UNAUTHENTICATED without a token or with a bad one; any valid token reads it', async () => {
    for (const headers of [{}, { authorization: 'Bearer not.a.token' }, bearer(await callerToken({ expiresIn: 86_400 }))]) {
      const { statusCode, body } = await graphqlAs(app, headers, serviceQuery);
      expect(statusCode).toBe(200);
      expect(body.data).toBeNull();
      expect(errorCodes(body), JSON.stringify(headers)).toEqual([['_service', 'UNAUTHENTICATED']]);
      expect(JSON.stringify(body)).not.toContain('type User');
    }
    for (const scope of ['otp:verify', null]) {
      const { body } = await graphqlAs(app, bearer(await callerToken({ sub: 'gateway', scope })), serviceQuery);
      expect(body.errors, String(scope)).toBeUndefined();
      expect((body.data?._service as { sdl: string }).sdl).toContain('@key(fields: "username")');
    }
  });

  it('_entities: UNAUTHENTICATED without a token, FORBIDDEN without users:read, alike for a user that exists and one that does not', async () => {
    const { username, id } = await newUser(app);
    const existing = [{ __typename: 'User', username }, { __typename: 'User', id }];
    const missing = [{ __typename: 'User', username: `${username}-nobody` }, { __typename: 'User', id: userGlobalId(2_000_000_000) }];

    for (const [headers, code] of [
      [{}, 'UNAUTHENTICATED'],
      [bearer(await callerToken({ scope: 'otp:generate otp:verify users:write logs:read' })), 'FORBIDDEN'],
    ] as const) {
      const answers = [];
      for (const r of [existing, missing]) answers.push((await graphqlAs(app, headers, entitiesQuery, { r })).body);
      expect(answers[0], code).toEqual(answers[1]);
      expect(JSON.stringify(answers[0])).not.toContain(DEFAULT_EMAIL);
      expect(answers[0]?.errors?.map((error) => error.extensions?.code)).toContain(code);
    }

    const reader = bearer(await callerToken({ sub: 'gateway', scope: 'users:read' }));
    const { body } = await graphqlAs(app, reader, entitiesQuery, { r: [...existing, ...missing] });
    expect(body).toEqual({
      data: { _entities: [{ username, email: DEFAULT_EMAIL }, { username, email: DEFAULT_EMAIL }, null, null] },
    });
  });
});

describe('caller token lifetime and audience', () => {
  // Anonymous callers are let in here: a refused token must not fall back to their rights.
  const app = useTestApp();
  const limited = useTestApp({ CALLER_TOKEN_MAX_TTL_SECONDS: '60', CALLER_AUDIENCE: 'fountainai-2fa-api' });

  const generate = async (target: TestApp, options: CallerTokenOptions) => {
    const username = await createUser(target);
    return target.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: bearer(await callerToken(options)) });
  };

  it('refuses a token living longer than CALLER_TOKEN_MAX_TTL_SECONDS (3600 by default) with 401 naming the limit', async () => {
    const tooLong = await generate(app, { issuedIn: -10, expiresIn: 3591 });
    expect(tooLong.statusCode).toBe(401);
    expect(tooLong.json()).toEqual({
      detail: 'A valid bearer token is required: its lifetime (exp - iat) is 3601 s, more than CALLER_TOKEN_MAX_TTL_SECONDS (3600 s)',
    });
    expect(tooLong.headers['www-authenticate']).toMatch(/^Bearer\b/);

    const year = bearer(await callerToken({ expiresIn: 365 * 86_400 }));
    const { body } = await graphqlAs(app, year, `mutation { generateOtp(username: "x") { __typename ... on Error { code message } } }`);
    expect(body.data?.generateOtp).toEqual({
      __typename: 'UnauthenticatedError',
      code: 'UNAUTHENTICATED',
      message: 'A valid bearer token is required: its lifetime (exp - iat) is 31536000 s, more than CALLER_TOKEN_MAX_TTL_SECONDS (3600 s)',
    });
    const read = await graphqlAs(app, year, '{ users(first: 1) { edges { node { username } } } }');
    expect(errorCodes(read.body)).toEqual([['users', 'UNAUTHENTICATED']]);

    expect((await generate(app, { issuedIn: -10, expiresIn: 3590 })).statusCode).toBe(200);
  });

  it('refuses a token without iat (its lifetime unknown) or without exp', async () => {
    const noIat = await generate(app, { issuedIn: null, expiresIn: 60 });
    expect(noIat.statusCode).toBe(401);
    expect(noIat.json<{ detail: string }>().detail).toBe(
      'A valid bearer token is required: it must carry iat, so that its lifetime (exp - iat, at most 3600 s) can be checked',
    );
    const noExp = await generate(app, { expiresIn: null });
    expect(noExp.statusCode).toBe(401);
    expect(noExp.json()).toEqual({ detail: 'A valid bearer token is required: it must carry exp' });
  });

  it('holds a configured CALLER_TOKEN_MAX_TTL_SECONDS, and with CALLER_AUDIENCE set, needs it in aud', async () => {
    const audience = { aud: 'fountainai-2fa-api' };
    const over = await generate(limited, { expiresIn: 61, claims: audience });
    expect(over.statusCode).toBe(401);
    expect(over.json<{ detail: string }>().detail).toContain('is 61 s, more than CALLER_TOKEN_MAX_TTL_SECONDS (60 s)');
    expect((await generate(limited, { expiresIn: 60, claims: audience })).statusCode).toBe(200);

    for (const claims of [{}, { aud: 'fountainai-profiles' }, { aud: ['fountainai-profiles', 'fountainai-2fa'] }]) {
      const refused = await generate(limited, { expiresIn: 60, claims });
      expect(refused.statusCode, JSON.stringify(claims)).toBe(401);
      expect(refused.json()).toEqual({ detail: 'A valid bearer token is required: its aud must include fountainai-2fa-api (CALLER_AUDIENCE)' });
    }
    const several = await generate(limited, { expiresIn: 60, claims: { aud: ['fountainai-profiles', 'fountainai-2fa-api'] } });
    expect(several.statusCode, several.body).toBe(200);
  });
});

describe('node(id:) and nodes(ids:) without the scope', () => {
  const open = useTestApp();
  const closed = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });

  it('answer alike for an id that names a user and one that does not: FORBIDDEN, or UNAUTHENTICATED without a token', async () => {
    const { id } = await newUser(open);
    const missing = userGlobalId(2_000_000_000);
    const logsOnly = bearer(await callerToken({ scope: 'logs:read' }));

    for (const [app, headers, code] of [
      [open, logsOnly, 'FORBIDDEN'],
      [closed, {}, 'UNAUTHENTICATED'],
    ] as const) {
      const found = await graphqlAs(app, headers, nodeQuery, { id });
      const notFound = await graphqlAs(app, headers, nodeQuery, { id: missing });
      expect(found.body, code).toEqual(notFound.body);
      expect(errorCodes(found.body)).toEqual([['node', code]]);

      const many = await graphqlAs(app, headers, nodesQuery, { ids: [id, missing] });
      expect(many.body.data).toEqual({ nodes: [null, null] });
      expect(errorCodes(many.body)).toEqual([
        ['nodes.0', code],
        ['nodes.1', code],
      ]);
      expect(many.body.errors?.[0]?.message).toBe(many.body.errors?.[1]?.message);
    }

    // With users:read, the two ids differ as they should: a user, and null.
    const reader = bearer(await callerToken({ scope: 'users:read' }));
    expect((await graphqlAs(open, reader, nodesQuery, { ids: [id, missing] })).body).toEqual({ data: { nodes: [{ id }, null] } });
  });
});

describe('contact details in mutation results', () => {
  const app = useTestApp();
  const contact = `... on User { username email phoneNumber }`;
  const update = `mutation ($u: String!) { updateUser(input: { username: $u, locale: "de" }) { __typename ${contact} } }`;
  const disable = `mutation ($u: String!) { disableTwoFactor(username: $u) { __typename ${contact} } }`;

  it('updateUser (and disableTwoFactor) show email and phone only to a caller that also has users:read', async () => {
    const { username } = await newUser(app);
    const writer = bearer(await callerToken({ sub: 'accounts-service', scope: 'users:write' }));
    for (const [mutation, field] of [
      [update, 'updateUser'],
      [disable, 'disableTwoFactor'],
    ] as const) {
      const { body } = await graphqlAs(app, writer, mutation, { u: username });
      expect(body.data?.[field], field).toEqual({ __typename: 'User', username, email: null, phoneNumber: null });
      expect(errorCodes(body)).toEqual([
        [`${field}.email`, 'FORBIDDEN'],
        [`${field}.phoneNumber`, 'FORBIDDEN'],
      ]);
      expect(JSON.stringify(body)).not.toContain(DEFAULT_EMAIL);
      expect(JSON.stringify(body)).not.toContain(PHONE);
    }

    const writerReader = bearer(await callerToken({ scope: 'users:write users:read' }));
    const { body } = await graphqlAs(app, writerReader, update, { u: username });
    expect(body).toEqual({ data: { updateUser: { __typename: 'User', username, email: DEFAULT_EMAIL, phoneNumber: PHONE } } });
  });
});

describe('query strings in the request log', () => {
  let service: ServiceProcess;
  beforeAll(async () => {
    service = await startServiceProcess({ env: { DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'info', ALLOW_ANONYMOUS_CALLERS: 'true' } });
  }, 60_000);
  afterAll(() => service.stop());

  it('are logged with their values redacted', async () => {
    const username = uniqueName('logged');
    await fetch(`${service.url}/auth/generate?username=${username}`, { method: 'POST' });
    await fetch(`${service.url}/graphql?query=${encodeURIComponent(`{ user(username: "${username}") { id } }`)}&${username}`);
    // The log reaches the pipe a little after the answer.
    const expected = ['"url":"/auth/generate?username=[redacted]"', '"url":"/graphql?query=[redacted]&[redacted]"'];
    for (let waited = 0; waited < 5_000 && !expected.every((line) => service.output().includes(line)); waited += 50) await sleep(50);
    const output = service.output();
    for (const line of expected) expect(output).toContain(line);
    expect(output).not.toContain(username);
  });
});
