/**
 * Per-address request limits. The attack: one client floods the service (generate to run up
 * the SMS bill, verify to grind through users, GraphQL to load the database) faster than the
 * per-user throttles were built for. Past IP_RATE_LIMIT requests a minute from one address,
 * both surfaces answer 429 with Retry-After and a `detail`, before any work is done; other
 * addresses and the probes are not affected; 0 turns the limit off.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { uniqueName, useTestApp, type TestApp } from './support/app.js';

const LIMIT = 5;

/** A REST request and a GraphQL request from one address. */
const rest = (app: TestApp, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/auth/verify', remoteAddress, payload: { username: uniqueName(), otp_code: '123456' } });
const graphql = (app: TestApp, remoteAddress: string) =>
  app.inject({ method: 'POST', url: '/graphql', remoteAddress, payload: { query: '{ __typename }' } });

function expectLimited(response: Awaited<ReturnType<typeof rest>>) {
  expect(response.statusCode, response.body).toBe(429);
  const body = response.json<Record<string, unknown>>();
  expect(Object.keys(body)).toEqual(['detail']);
  expect(body.detail).toMatch(/^Too many requests from this address; try again in \d+ s$/);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe(`IP_RATE_LIMIT=${LIMIT}`, () => {
  const app = useTestApp({ IP_RATE_LIMIT: String(LIMIT) });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts REST and GraphQL together: the sixth request in a minute gets 429 on both', async () => {
    const address = '203.0.113.10';
    const answers = [];
    for (let i = 0; i < LIMIT; i++) answers.push(await (i % 2 ? graphql(app, address) : rest(app, address)));
    expect(answers.map((a) => a.statusCode)).toEqual([400, 200, 400, 200, 400]);

    expectLimited(await rest(app, address));
    expectLimited(await graphql(app, address));
  });

  it('refuses before any work: a limited verify is not judged, a limited generate sends nothing', async () => {
    const address = '203.0.113.11';
    for (let i = 0; i < LIMIT; i++) await graphql(app, address);
    const generate = await app.inject({ method: 'POST', url: '/auth/generate?username=nobody', remoteAddress: address });
    expectLimited(generate);
    // 422 would mean validation ran; the limit answers first
    expectLimited(await app.inject({ method: 'POST', url: '/auth/verify', remoteAddress: address, payload: {} }));
  });

  it('limits each address on its own', async () => {
    for (let i = 0; i < LIMIT; i++) await rest(app, '203.0.113.12');
    expectLimited(await rest(app, '203.0.113.12'));
    expect((await rest(app, '203.0.113.13')).statusCode).toBe(400);
  });

  it('never limits the probes', async () => {
    const address = '203.0.113.14';
    for (let i = 0; i < LIMIT + 1; i++) await rest(app, address);
    for (let i = 0; i < 3; i++) {
      for (const url of ['/', '/healthz', '/readyz', '/metrics']) {
        const response = await app.inject({ method: 'GET', url, remoteAddress: address });
        expect(response.statusCode, url).toBe(200);
      }
    }
  });

  it('lets the address in again once its minute is over', async (context) => {
    // Files share a worker's process (isolate: false): the next test or file gets the real clock.
    context.onTestFinished(() => {
      vi.useRealTimers();
    });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const address = '203.0.113.15';
    for (let i = 0; i < LIMIT; i++) await rest(app, address);
    expectLimited(await rest(app, address));
    vi.setSystemTime(Date.now() + 61_000);
    expect((await rest(app, address)).statusCode).toBe(400);
  });
});

describe('IP_RATE_LIMIT=0', () => {
  const app = useTestApp({ IP_RATE_LIMIT: '0' });

  it('turns the limit off', async () => {
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push((await graphql(app, '203.0.113.20')).statusCode);
    expect(statuses.every((status) => status === 200)).toBe(true);
  });
});

describe('REDIS_URL set but Redis unreachable from the start', () => {
  // Nothing listens on port 1: every connection is refused at once.
  const app = useTestApp({ IP_RATE_LIMIT: '20', IP_RATE_LIMIT_FALLBACK: '3', REDIS_URL: 'redis://127.0.0.1:1' });

  it('starts and serves at the stricter per-process limit, ready, with the reason in /readyz', async () => {
    const address = '203.0.113.30';
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await graphql(app, address)).statusCode);
    expect(statuses).toEqual([200, 200, 200]);
    expectLimited(await rest(app, address));
    expect((await graphql(app, '203.0.113.31')).statusCode).toBe(200);

    const readiness = await app.inject({ method: 'GET', url: '/readyz' });
    expect(readiness.statusCode).toBe(200);
    expect(readiness.json()).toEqual({
      status: 'ready',
      detail: expect.stringMatching(/^Redis unreachable \(.*ECONNREFUSED.*\): per-IP limits count in this process, at 3 a minute$/) as unknown,
    });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/^twofa_ip_limit_shared 0$/m);
    expect(metrics).toMatch(/^twofa_throttled_total\{kind="ip"\} 1$/m);
  });
});
