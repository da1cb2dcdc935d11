// The plain JSON POST services send runs on Yoga's envelop instance directly (see
// src/graphql/direct-execution.ts). Which requests take that path, and that their answers are
// the ones Yoga gives: each request is sent once as it is and once with an empty `extensions`,
// a shape the direct path leaves to Yoga, and the two answers must be the same. Which path
// answered each is read from twofa_graphql_requests_total, so a direct path that quietly hands
// everything to Yoga fails here.
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Plugin } from 'graphql-yoga';
import { directParams, hooksKeepingDirectPathOff, yogasOwnHooks } from '../src/graphql/direct-execution.js';
import { noTracing } from '../src/tracing/tracing.js';
import { uniqueName, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken } from './support/callers.js';
import { createUser } from './support/flows.js';

const DEAD_DATABASE_URL = 'postgresql://postgres@127.0.0.1:1/nothing';

function fakeRequest(method: string, headers: Record<string, string>, body: unknown): FastifyRequest {
  return { method, headers, body } as unknown as FastifyRequest;
}

const json = { 'content-type': 'application/json' };

describe('which requests run directly', () => {
  it('takes a JSON POST of one operation, with or without variables and operationName', () => {
    expect(directParams(fakeRequest('POST', json, { query: '{ __typename }' }))).toEqual({ query: '{ __typename }' });
    const full = { query: 'query Q($a: String) { __typename }', variables: { a: 'x' }, operationName: 'Q' };
    expect(directParams(fakeRequest('POST', { ...json, accept: 'application/json' }, full))).toEqual(full);
    expect(directParams(fakeRequest('POST', { 'content-type': 'application/json; charset=utf-8', accept: '*/*' }, { query: 'x', variables: null }))).toBeDefined();
  });

  it.each([
    ['a GET', fakeRequest('GET', json, undefined)],
    ['a browser (Origin)', fakeRequest('POST', { ...json, origin: 'https://app.example' }, { query: 'x' })],
    ['persisted-query extensions', fakeRequest('POST', json, { query: 'x', extensions: { persistedQuery: {} } })],
    ['a batch', fakeRequest('POST', json, [{ query: 'x' }])],
    ['an unknown parameter', fakeRequest('POST', json, { query: 'x', other: 1 })],
    ['no query', fakeRequest('POST', json, { variables: {} })],
    ['a query that is not text', fakeRequest('POST', json, { query: 42 })],
    ['variables that are not an object', fakeRequest('POST', json, { query: 'x', variables: '{"a":1}' })],
    ['an operationName that is not text', fakeRequest('POST', json, { query: 'x', operationName: ['Q'] })],
    ['a text/plain body', fakeRequest('POST', { 'content-type': 'text/plain' }, '{"query":"x"}')],
    ['Accept: application/graphql-response+json', fakeRequest('POST', { ...json, accept: 'application/graphql-response+json' }, { query: 'x' })],
    ['Accept: text/html', fakeRequest('POST', { ...json, accept: 'text/html' }, { query: 'x' })],
  ])('leaves %s to Yoga', (_what, request) => {
    expect(directParams(request)).toBeUndefined();
  });
});

/** How many requests each path has answered so far, from /metrics. */
async function servedCounts(app: TestApp): Promise<{ direct: number; yoga: number }> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const count = (path: string) => Number(new RegExp(`^twofa_graphql_requests_total\\{path="${path}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { direct: count('direct'), yoga: count('yoga') };
}

/** Which path answered `send`'s one request. */
async function pathOf(app: TestApp, send: () => Promise<unknown>): Promise<'direct' | 'yoga' | 'none or both'> {
  const before = await servedCounts(app);
  await send();
  const after = await servedCounts(app);
  const direct = after.direct - before.direct;
  const yoga = after.yoga - before.yoga;
  return direct === 1 && yoga === 0 ? 'direct' : yoga === 1 && direct === 0 ? 'yoga' : 'none or both';
}

/**
 * The answer to a body sent as it is and with an empty `extensions` (status, content type and
 * body), and the path that answered each.
 */
async function bothWays(app: TestApp, payload: Record<string, unknown>, headers: Record<string, string> = {}) {
  const send = async (body: Record<string, unknown>) => {
    let answer: { status: number; type: unknown; body: string } | undefined;
    const path = await pathOf(app, async () => {
      const response = await app.inject({ method: 'POST', url: '/graphql', headers: { ...json, ...headers }, payload: body });
      answer = { status: response.statusCode, type: response.headers['content-type'], body: response.body };
    });
    if (!answer) throw new Error('no answer');
    return { answer, path };
  };
  const plain = await send(payload);
  const withExtensions = await send({ ...payload, extensions: {} });
  expect(withExtensions.path).toBe('yoga');
  return { direct: plain.answer, yoga: withExtensions.answer, path: plain.path };
}

describe('answers as Yoga gives them', () => {
  const app = useTestApp();

  // Documents that run are answered directly; one that does not parse, validate or name an
  // operation is left to Yoga (no resolver has run), which says what is wrong.
  it.each([
    ['a query', 'direct', { query: '{ __typename }' }],
    ['a typed error (an unknown user)', 'direct', { query: 'mutation($u: String!) { verifyOtp(username: $u, code: "123456") { __typename ... on Error { message code } } }', variables: { u: 'nobody-at-all' } }],
    ['a refusal without a token', 'direct', { query: 'query($u: String!) { user(username: $u) { username } }', variables: { u: 'nobody-at-all' } }],
    ['variables of the wrong type', 'direct', { query: 'query($u: String!) { user(username: $u) { username } }', variables: { u: 42 } }],
    ['a missing variable', 'direct', { query: 'query($u: String!) { user(username: $u) { username } }' }],
    ['an invalid global id', 'direct', { query: '{ node(id: "not-an-id") { id } }' }],
    ['a field that does not exist', 'yoga', { query: '{ nope }' }],
    ['a syntax error', 'yoga', { query: '{ __typename' }],
    ['two operations and none named', 'yoga', { query: 'query A { __typename } query B { __typename }' }],
    ['an operation name that is not there', 'yoga', { query: 'query A { __typename }', operationName: 'B' }],
  ])('%s (answered by %s)', async (_what, expectedPath, payload) => {
    const { direct, yoga, path } = await bothWays(app, payload);
    expect(path).toBe(expectedPath);
    expect(direct).toEqual(yoga);
    expect(direct.status).toBeLessThan(500);
  });

  it('a browser (Origin) and a GET are answered by Yoga', async () => {
    const origin = () => app.inject({ method: 'POST', url: '/graphql', headers: { ...json, origin: 'https://app.example' }, payload: { query: '{ __typename }' } });
    expect(await pathOf(app, origin)).toBe('yoga');
    const get = () => app.inject({ method: 'GET', url: '/graphql?query=%7B__typename%7D', headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' } });
    expect(await pathOf(app, get)).toBe('yoga');
  });

  it('a user read with a token, and with Accept: application/json', async () => {
    const username = await createUser(app, { username: uniqueName('direct') });
    const headers = { ...bearer(await callerToken()), accept: 'application/json' };
    const { direct, yoga, path } = await bothWays(app, { query: 'query($u: String!) { user(username: $u) { username email } }', variables: { u: username } }, headers);
    expect(path).toBe('direct');
    expect(direct).toEqual(yoga);
    expect((JSON.parse(direct.body) as { data: { user: { username: string } } }).data.user.username).toBe(username);
  });
});

describe('answers as Yoga gives them when the database is unreachable', () => {
  const app = useTestApp({ DATABASE_URL: DEAD_DATABASE_URL });

  it('503 with DATABASE_UNAVAILABLE, either way', async () => {
    const { direct, yoga, path } = await bothWays(app, { query: 'query($u: String!) { user(username: $u) { username } }', variables: { u: uniqueName('dead') } }, bearer(await callerToken()));
    expect(path).toBe('direct');
    expect(direct).toEqual(yoga);
    expect(direct.status).toBe(503);
    expect(direct.body).toMatch(/"code":"DATABASE_UNAVAILABLE"/);
    expect(direct.body).not.toMatch(/"http"/);
  });
});

/** A plugin of Yoga's HTTP layer, as one added later might be: it counts the calls of each hook. */
function countingPlugin() {
  const calls = { onRequest: 0, onParams: 0, onResultProcess: 0 };
  const plugin: Plugin = {
    onRequest: () => void (calls.onRequest += 1),
    onParams: () => void (calls.onParams += 1),
    onResultProcess: () => void (calls.onResultProcess += 1),
  };
  return { calls, plugin };
}

describe('a plugin with hooks the direct path does not run', () => {
  const { calls, plugin } = countingPlugin();
  const app = useTestApp({}, { tracing: { ...noTracing, graphqlPlugins: () => [plugin] } });
  const plain = useTestApp();

  it("turns the direct path off: a service's plain POST goes through Yoga, and the plugin's hooks run", async () => {
    const send = (target: TestApp) => () => target.inject({ method: 'POST', url: '/graphql', headers: json, payload: { query: '{ __typename }' } });
    expect(await pathOf(app, send(app))).toBe('yoga');
    expect(calls.onRequest).toBeGreaterThan(0);
    expect(calls.onParams).toBeGreaterThan(0);
    expect(calls.onResultProcess).toBeGreaterThan(0);
    // Without it, Yoga's own plugins and the service's do not stand in the way.
    expect(await pathOf(plain, send(plain))).toBe('direct');
  });

  it('names the plugin and each such hook; a hook of Yoga’s own is let through only where the allow-list says why', () => {
    const given = new Map([[plugin, { name: 'options.plugins[0]' }]]);
    expect(hooksKeepingDirectPathOff([plugin], given)).toEqual([
      { plugin: 'options.plugins[0]', hook: 'onRequest' },
      { plugin: 'options.plugins[0]', hook: 'onParams' },
      { plugin: 'options.plugins[0]', hook: 'onResultProcess' },
    ]);
    const yogasOwn = { onRequest: () => undefined, onExecutionResult: () => undefined, instrumentation: { request: () => undefined, execute: () => undefined } };
    expect(hooksKeepingDirectPathOff([yogasOwn], new Map())).toEqual([
      { plugin: "Yoga's own plugin #0", hook: 'onExecutionResult' },
      { plugin: "Yoga's own plugin #0", hook: 'instrumentation.request' },
    ]);
    expect(Object.keys(yogasOwnHooks)).toContain('onRequest');
    expect(hooksKeepingDirectPathOff('not a list', new Map())).toHaveLength(1);
  });
});
