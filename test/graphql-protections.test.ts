// Attacks on /graphql itself, stopped before a resolver runs: documents built to exhaust the
// server (deep nesting, alias and directive floods, fan-out cost, token floods), requests a
// browser sends cross-site without asking (CSRF), schema discovery where introspection is
// off, and, in persisted-operations mode, any operation a frontend was not built with.
import { getIntrospectionQuery, parse, print } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { graphiqlTabs, loadOperations } from '../src/graphql/examples.js';
import { documentLimits } from '../src/graphql/graphql.routes.js';
import { useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken } from './support/callers.js';
import { createUser } from './support/flows.js';
import { executeRaw } from './support/graphql.js';

const operations = loadOperations();
const usersOperation = operations.find((operation) => operation.name === 'Users');
if (!usersOperation) throw new Error('schema/operations/users.graphql is missing');

const messages = (body: { errors?: { message: string }[] }) => (body.errors ?? []).map((error) => error.message);

/** Posts a GraphQL request body as it is, with any headers. */
async function post(app: TestApp, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
  return {
    statusCode: response.statusCode,
    body: response.json<{ data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] }>(),
  };
}

describe('document limits', () => {
  const app = useTestApp();

  it(`refuses a document nested deeper than ${documentLimits.maxDepth} levels`, async () => {
    const deep = `{ users(first: 1) { edges { node { logs(first: 1) { edges { node { user {
      logs(first: 1) { edges { node { user { username } } } } } } } } } } } }`;
    const { body } = await executeRaw(app, deep);
    expect(body.data).toBeUndefined();
    expect(messages(body).join()).toMatch(/depth limit of 10 exceeded/);
  });

  it(`refuses more than ${documentLimits.maxAliases} aliases`, async () => {
    const aliases = Array.from({ length: documentLimits.maxAliases + 1 }, (_, i) => `a${i}: user(username: "x") { id }`);
    const { body } = await executeRaw(app, `{ ${aliases.join(' ')} }`);
    expect(body.data).toBeUndefined();
    expect(messages(body).join()).toMatch(/Aliases limit of 15 exceeded/);
  });

  it(`refuses more than ${documentLimits.maxDirectives} directives`, async () => {
    const directives = ' @include(if: true)'.repeat(documentLimits.maxDirectives + 1);
    const { body } = await executeRaw(app, `{ __typename${directives} }`);
    expect(body.data).toBeUndefined();
    expect(messages(body).join()).toMatch(/Directives limit of 20 exceeded/);
  });

  it(`refuses a document that may fan out past a cost of ${documentLimits.maxCost}`, async () => {
    // Few fields, but up to 100 users × 100 logs each.
    const fanOut = '{ users(first: 100) { edges { node { logs(first: 100) { edges { node { id } } } } } } }';
    const { body } = await executeRaw(app, fanOut);
    expect(body.data).toBeUndefined();
    expect(messages(body).join()).toMatch(/Cost limit of 5000 exceeded/);
  });

  it(`refuses a document of more than ${documentLimits.maxTokens} tokens before parsing it all`, async () => {
    const { body } = await executeRaw(app, `{ ${'__typename '.repeat(documentLimits.maxTokens)}}`);
    expect(body.data).toBeUndefined();
    expect(messages(body).join()).toMatch(/Token limit of 1000 exceeded/);
  });

  it('lets every example operation and GraphiQL’s introspection through', async () => {
    // Sent without variables, mutations stop at their missing variables, after every limit.
    for (const operation of operations) {
      const { body } = await executeRaw(app, operation.source);
      expect(messages(body).filter((message) => /limit/i.test(message)), operation.file).toEqual([]);
    }
    const { body } = await executeRaw(app, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(body.errors).toBeUndefined();
    expect(body.data?.__schema).toBeDefined();
  });
});

describe('CSRF prevention', () => {
  const app = useTestApp();
  const typenameUrl = `/graphql?query=${encodeURIComponent('{ __typename }')}`;

  it('refuses a GET query without a CSRF header, as a cross-site <img> or link would send it', async () => {
    const response = await app.inject({ method: 'GET', url: typenameUrl, headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(403);
    expect(response.json<{ errors: { message: string }[] }>().errors[0]?.message).toMatch(/CSRF/);
  });

  it('refuses a text/plain POST without a CSRF header, as a cross-site <form enctype="text/plain"> sends it', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      payload: JSON.stringify({ query: 'mutation { createUser(input: { username: "csrf" }) { __typename } }' }),
    });
    expect(response.statusCode).toBe(403);
    // (Other form encodings never reach GraphQL: Fastify answers 415 for them.)
  });

  it('answers a GET with the header, and JSON POSTs (which browsers preflight) without one', async () => {
    const get = await app.inject({
      method: 'GET',
      url: typenameUrl,
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(get.json()).toEqual({ data: { __typename: 'Query' } });
    const { statusCode, body } = await post(app, { query: '{ __typename }' });
    expect({ statusCode, body }).toEqual({ statusCode: 200, body: { data: { __typename: 'Query' } } });
  });

  it('still serves GraphiQL to a browser', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('cross-origin pages (CORS)', () => {
  const preflight = (app: TestApp, origin: string) =>
    app.inject({
      method: 'OPTIONS',
      url: '/graphql',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });

  describe('no CORS_ORIGINS (the default)', () => {
    const app = useTestApp();

    it('gives a page of another origin no CORS headers, so its browser refuses to send or to read', async () => {
      const response = await preflight(app, 'https://evil.example');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      const { statusCode } = await post(app, { query: '{ __typename }' }, { origin: 'https://evil.example' });
      expect(statusCode).toBe(200);
      const answer = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, payload: { query: '{ __typename }' } });
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('CORS_ORIGINS set', () => {
    const app = useTestApp({ CORS_ORIGINS: 'https://app.fountain.ai, http://localhost:5173' });

    it('lets a listed origin preflight and read, without credentials', async () => {
      const response = await preflight(app, 'http://localhost:5173');
      expect(response.statusCode).toBeLessThan(300);
      expect(response.headers['access-control-allow-origin']).toBe('http://localhost:5173');
      expect(response.headers['access-control-allow-methods']).toBe('GET, POST');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      const answer = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', origin: 'https://app.fountain.ai' }, payload: { query: '{ __typename }' } });
      expect(answer.headers['access-control-allow-origin']).toBe('https://app.fountain.ai');
    });

    it('does not name any other origin', async () => {
      const response = await preflight(app, 'https://evil.example');
      expect(response.headers['access-control-allow-origin']).not.toBe('https://evil.example');
    });
  });

  it('refuses a CORS_ORIGINS entry that is not an origin', () => {
    expect(() => parseConfig({ CORS_ORIGINS: 'https://app.fountain.ai/login' })).toThrow(/CORS_ORIGINS/);
    expect(() => parseConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(parseConfig({ CORS_ORIGINS: 'https://a.example,https://b.example:8443' }).graphql.corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
  });
});

describe('GraphiQL and introspection on (the default outside production)', () => {
  const app = useTestApp({ GRAPHIQL: 'true', GRAPHQL_INTROSPECTION: 'true' });

  it('serves GraphiQL, bundled (no CDN), with every example operation in a tab', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>FountainAI 2FA Service</title>');
    expect(response.body).not.toMatch(/<script[^>]+src="https?:/);
    for (const operation of operations) {
      expect(response.body, operation.file).toContain(JSON.stringify(operation.source).slice(1, 60));
    }
  });

  it('suggests field names, as introspection shows them anyway', async () => {
    const { body } = await executeRaw(app, '{ userz(username: "x") { id } }');
    expect(messages(body).join()).toMatch(/Did you mean "user/);
  });
});

describe('GraphiQL and introspection off (the default in production)', () => {
  const app = useTestApp({ GRAPHIQL: 'false', GRAPHQL_INTROSPECTION: 'false' });

  it('serves no GraphiQL page', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.headers['content-type']).not.toMatch(/text\/html/);
    expect(response.body.toLowerCase()).not.toContain('graphiql');
  });

  it('refuses __schema and __type, and answers __typename', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { name } }']) {
      const { body } = await executeRaw(app, query);
      expect(body.data, query).toBeUndefined();
      expect(messages(body).join(), query).toMatch(/introspection/i);
    }
    const { body } = await executeRaw(app, '{ __typename }');
    expect(body).toEqual({ data: { __typename: 'Query' } });
  });

  it('hides "Did you mean" suggestions that would reveal the schema', async () => {
    const { body } = await executeRaw(app, '{ userz(username: "x") { id } }');
    expect(messages(body).join()).not.toMatch(/Did you mean/);
  });

  it('still answers the gateway’s _service { sdl }: composition does not need introspection', async () => {
    const { body } = await executeRaw(app, '{ _service { sdl } }');
    expect(body.errors).toBeUndefined();
  });
});

describe('persisted operations only', () => {
  const app = useTestApp({ PERSISTED_OPERATIONS_ONLY: 'true' });

  it('refuses an operation that is not one of schema/operations', async () => {
    const { statusCode, body } = await post(app, { query: '{ users(first: 1) { edges { node { username } } } }' });
    expect(statusCode).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
    expect(body.data).toBeUndefined();
  });

  it('runs a known operation sent by its text, as written or laid out anew', async () => {
    const username = await createUser(app);
    for (const query of [usersOperation.source, print(parse(usersOperation.source))]) {
      const { statusCode, body } = await post(app, { query, variables: { usernamePrefix: username } });
      expect(body.errors, query).toBeUndefined();
      expect(statusCode).toBe(200);
      expect(JSON.stringify(body.data)).toContain(username);
    }
  });

  it("groups the examples into a few GraphiQL tabs, each holding every operation once and running as known operations", async () => {
    const tabs = graphiqlTabs(operations);
    // With the first tab, few enough to show whole at 1400 px (22 one-operation tabs were not).
    expect(tabs.length + 1).toBeLessThanOrEqual(8);
    for (const operation of operations) {
      expect(tabs.filter((tab) => tab.query.includes(operation.source.trimEnd())), operation.file).toHaveLength(1);
    }
    for (const tab of tabs) {
      const name = /(?:query|mutation) (\w+)/.exec(tab.query)?.[1];
      // (without variables: each stops at its missing ones, after the persisted check, writing nothing)
      const { body } = await post(app, { query: tab.query, operationName: name });
      expect(JSON.parse(tab.variables), name).toBeTypeOf('object');
      expect(body.errors?.map((error) => error.extensions?.code) ?? [], name).not.toContain('PERSISTED_QUERY_ONLY');
    }
    // One unknown operation beside known ones makes the document unknown.
    const { body } = await post(app, { query: `${tabs[0]?.query ?? ''}\nquery Extra { __typename }`, operationName: 'Extra' });
    expect(body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
  });

  it('runs a known operation sent by its SHA-256 hash alone', async () => {
    const username = await createUser(app);
    const { body } = await post(app, {
      variables: { usernamePrefix: username },
      extensions: { persistedQuery: { version: 1, sha256Hash: usersOperation.sha256Hash } },
    });
    expect(body.errors).toBeUndefined();
    expect(JSON.stringify(body.data)).toContain(username);
  });

  it('answers PersistedQueryNotFound for an unknown hash', async () => {
    const { body } = await post(app, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(body.errors?.[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
  });

  it('lets a service with a verified token (the gateway) send any operation', async () => {
    const token = await callerToken({ sub: 'gateway', scope: 'users:read' });
    const { body } = await post(app, { query: '{ _service { sdl } }' }, bearer(token));
    expect(body.errors).toBeUndefined();
    const refused = await post(app, { query: '{ _service { sdl } }' }, { authorization: 'Bearer not.a.token' });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_ONLY');
  });
});

describe('expected failures where no typed error is declared', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });

  it('keep their code and message (an anonymous gateway asking for a user entity)', async () => {
    const { body } = await executeRaw(
      app,
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }',
      { r: [{ __typename: 'User', username: 'anyone' }] },
    );
    expect(body.errors?.[0]).toMatchObject({ message: 'A valid bearer token is required', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('a malformed global id is refused as invalid, not masked as an internal error', async () => {
    for (const id of ['VXNlcjoA', Buffer.from('User:abc').toString('base64'), Buffer.from('User:99999999999999999999').toString('base64')]) {
      const { body } = await executeRaw(app, 'query ($id: ID!) { node(id: $id) { id } }', { id });
      expect(messages(body), id).toEqual([`Invalid global ID: ${id}`]);
    }
  });
});
