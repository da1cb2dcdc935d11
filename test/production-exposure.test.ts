// Attack: reading what production leaves exposed. Without a token, a client asks the gateway's
// own fields for the whole schema (`_service { sdl }`, introspection or not) or for users
// (`_entities`); it mints a caller token that lives for a year, or presents one meant for
// another service; it probes `node(id:)` to learn which ids exist without the scope to read
// them; it changes a user with users:write only to read the user's email and phone; and it
// reads the logs, where a legacy caller's `?username=` would otherwise be written out. It reads
// /metrics (every route, throttle and lockout of the service) without the scrape's token; it
// frames GraphiQL or the API docs in a page of its own, or makes a browser read a JSON answer
// as a script or a page.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { ConfigError, parseConfig } from '../src/config/config.js';
import { testEnv, uniqueName, useTestApp, type TestApp } from './support/app.js';
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
      const none = await graphqlAs(app, headers, nodesQuery, { ids: [missing] });
      expect(many.body).toEqual(none.body);
      expect(many.body.data).toEqual({ nodes: null });
      expect(errorCodes(many.body)).toEqual([['nodes', code]]);
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
    // (each request's logger makes its child at its first line: the request id is still on it)
    const generateLine = output.split('\n').find((line) => line.includes(expected[0] ?? ''));
    expect(generateLine).toMatch(/"reqId":"[^"]+"/);
  });
});

const METRICS_TOKEN = 'metrics-token-of-at-least-32-characters';
// Production as deployed: anonymous callers off.
const production = { NODE_ENV: 'production' };

describe('/metrics in production', () => {
  const withoutToken = useTestApp(production);
  const withToken = useTestApp({ ...production, METRICS_TOKEN });
  const developmentWithToken = useTestApp({ METRICS_TOKEN });
  const scrape = (app: TestApp, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/metrics', headers });

  it('is not served at all without METRICS_TOKEN: 404, whatever the request carries', async () => {
    for (const headers of [{}, { authorization: `Bearer ${METRICS_TOKEN}` }, bearer(await callerToken())]) {
      const response = await scrape(withoutToken, headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(404);
      expect(response.body).not.toContain('twofa_');
    }
  });

  it('with METRICS_TOKEN, refuses a scrape without it (401 and a Bearer challenge) and serves one with it', async () => {
    const refused = [
      {},
      { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${METRICS_TOKEN}x` },
      { authorization: `Bearer ${METRICS_TOKEN.slice(0, 8)}` },
      { authorization: `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString('base64')}` },
      { authorization: METRICS_TOKEN },
      // A caller's token with every scope is not the scrape's.
      bearer(await callerToken()),
    ];
    for (const headers of refused) {
      const response = await scrape(withToken, headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json()).toEqual({ detail: 'A valid bearer token is required' });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(response.body).not.toContain(METRICS_TOKEN);
    }
    for (const authorization of [`Bearer ${METRICS_TOKEN}`, `bearer  ${METRICS_TOKEN}`]) {
      const served = await scrape(withToken, { authorization });
      expect(served.statusCode, authorization).toBe(200);
      expect(served.headers['content-type']).toMatch(/^text\/plain/);
      expect(served.body).toContain('# TYPE twofa_lockouts_total counter');
    }
  });

  it('outside production, a METRICS_TOKEN that is set is asked for too', async () => {
    expect((await scrape(developmentWithToken)).statusCode).toBe(401);
    expect((await scrape(developmentWithToken, { authorization: `Bearer ${METRICS_TOKEN}` })).statusCode).toBe(200);
  });

  it('refuses a METRICS_TOKEN shorter than 32 characters at start-up, naming it and not echoing it', () => {
    const short = 'short-metrics-token';
    let thrown: unknown;
    try {
      parseConfig(testEnv({ ...production, METRICS_TOKEN: short }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).problems).toEqual([{ variable: 'METRICS_TOKEN', message: 'must be at least 32 characters (openssl rand -base64 32)' }]);
    expect((thrown as ConfigError).message).not.toContain(short);
  });
});

describe('/metrics in a production process without METRICS_TOKEN', () => {
  let service: ServiceProcess;
  beforeAll(async () => {
    service = await startServiceProcess({ env: { DATABASE_URL: inject('databaseUrl'), NODE_ENV: 'production', LOG_LEVEL: 'warn' } });
  }, 60_000);
  afterAll(() => service.stop());

  it('starts, says at start-up that /metrics is not served and names METRICS_TOKEN, and answers 404', async () => {
    // Logged while the app is built, before /healthz answered and startServiceProcess returned.
    expect(service.output()).toContain('METRICS_TOKEN is not set: /metrics is not served in production (404) until it is');
    const response = await fetch(`${service.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('twofa_');
  });
});

describe('the API docs switch (API_DOCS)', () => {
  const productionDefault = useTestApp(production);
  const off = useTestApp({ API_DOCS: 'false' });
  const docsPaths = ['/openapi.json', '/docs', '/docs/', '/docs/json', '/docs/static/swagger-ui-bundle.js'];

  it('serves /openapi.json and /docs in production by default: the legacy contract has them', async () => {
    const document = await productionDefault.inject({ method: 'GET', url: '/openapi.json' });
    expect(document.statusCode).toBe(200);
    expect(document.json<{ openapi: string }>().openapi).toBe('3.1.0');
    const page = await productionDefault.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('API_DOCS=false: every docs path answers 404, and the REST routes still work', async () => {
    for (const url of docsPaths) {
      const response = await off.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.json(), url).toEqual({ detail: 'Not Found' });
    }
    const username = await createUser(off);
    expect((await off.inject({ method: 'POST', url: `/auth/generate?username=${username}` })).statusCode).toBe(200);
  });
});

describe('security headers', () => {
  const app = useTestApp({ GRAPHIQL: 'true' });

  /** helmet's set, as every HTML page carries it. */
  function expectPageHeaders(headers: Record<string, unknown>, what: string) {
    const policy = String(headers['content-security-policy']);
    const directives = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));
    expect(directives.get('script-src'), `${what}: ${policy}`).toEqual(["'self'"]);
    expect(directives.get('script-src-attr'), what).toEqual(["'none'"]);
    expect(directives.get('default-src'), what).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors'), what).toEqual(["'none'"]);
    expect(directives.get('object-src'), what).toEqual(["'none'"]);
    expect(headers['x-frame-options'], what).toBe('DENY');
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  }

  it('GraphiQL: helmet\'s set, and a page with no inline script for the policy to allow', async () => {
    const page = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expectPageHeaders(page.headers, 'GraphiQL');
    const scripts = [...page.body.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    for (const [, attributes = '', content = ''] of scripts) {
      // Either a file of the page's own origin, or a JSON data block, which never runs.
      if (/\bsrc="\/graphql\/assets\//.test(attributes)) expect(content.trim()).toBe('');
      else expect(attributes).toContain('type="application/json"');
    }
    // The start-up file it loads is served, as JavaScript.
    const start = /src="(\/graphql\/assets\/graphiql-start-[^"]+)"/.exec(page.body)?.[1];
    const file = await app.inject({ method: 'GET', url: start ?? '/graphql/assets/none' });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toMatch(/^text\/javascript/);
    expect(file.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/docs: helmet\'s set on the page', async () => {
    for (const url of ['/docs', '/docs/']) {
      const page = await app.inject({ method: 'GET', url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type'], url).toMatch(/^text\/html/);
      expectPageHeaders(page.headers, url);
      expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    }
  });

  it('JSON answers: nosniff, and none of the page headers (REST, GraphQL, 401, 404, 422)', async () => {
    const username = await createUser(app);
    const answers = [
      await app.inject({ method: 'GET', url: '/' }),
      await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` }),
      await app.inject({ method: 'POST', url: '/auth/verify', payload: { username } }),
      await app.inject({ method: 'POST', url: '/graphql', payload: { query: '{ __typename }' } }),
      await app.inject({ method: 'POST', url: '/auth/generate?username=x', headers: { authorization: 'Bearer not.a.token' } }),
      await app.inject({ method: 'GET', url: '/no-such-path' }),
      await app.inject({ method: 'GET', url: '/openapi.json' }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 422, 200, 401, 404, 200]);
    for (const answer of answers) {
      expect(answer.headers['content-type']).toMatch(/^application\/(graphql-response\+)?json/);
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['content-security-policy']).toBeUndefined();
      expect(answer.headers['x-frame-options']).toBeUndefined();
    }
  });

  it('an HTML answer from a route outside the pages\' context gets a policy that lets nothing load or frame it', async () => {
    const bare = await buildApp(parseConfig(testEnv()));
    try {
      bare.get('/a-page-added-later', (_request, reply) => reply.type('text/html; charset=utf-8').send('<p>hello</p><script>alert(1)</script>'));
      await bare.ready();
      await bare.start();
      const page = await bare.inject({ method: 'GET', url: '/a-page-added-later' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await bare.close();
    }
  });
});
