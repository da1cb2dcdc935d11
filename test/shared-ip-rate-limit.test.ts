// Attack: spreading a flood over instances. With the per-IP counters in each process, a client
// behind a load balancer gets N times IP_RATE_LIMIT from N instances. With REDIS_URL every
// instance counts in one Redis: two real service processes answer one address as one. When
// that Redis goes away, the instances keep serving at a stricter per-process limit and say so
// (log, metrics, /readyz's detail) without going unready; when it is back, they share again.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { call, type RemoteAnswer } from './support/remote.js';
import { startTestRedis, type TestRedis } from './support/redis.js';
import { startServiceProcesses, type ServiceProcess } from './support/service-process.js';
import { sleep } from './support/net.js';

const LIMIT = 20;
const FALLBACK = 5;

describe(`two service processes, one Redis, IP_RATE_LIMIT=${LIMIT}`, () => {
  const processes: ServiceProcess[] = [];
  let redis: TestRedis;
  let a: ServiceProcess;
  let b: ServiceProcess;
  const instance = (i: number) => (i % 2 === 0 ? a : b);

  beforeAll(async () => {
    redis = await startTestRedis();
    const env = {
      DATABASE_URL: inject('databaseUrl'),
      ALLOW_ANONYMOUS_CALLERS: 'true',
      REDIS_URL: redis.url,
      IP_RATE_LIMIT: String(LIMIT),
      IP_RATE_LIMIT_FALLBACK: String(FALLBACK),
      // The client's address comes from X-Forwarded-For, so each test floods from its own.
      TRUST_PROXY: 'true',
      LOG_LEVEL: 'info',
    };
    await startServiceProcesses({ env }, processes);
    [a, b] = processes as [ServiceProcess, ServiceProcess];
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await redis.stop();
  });

  /** REST and GraphQL in turn, from `address`. */
  const request = (service: ServiceProcess, address: string, i: number): Promise<RemoteAnswer> =>
    i % 2 === 0
      ? call(service.url, '/auth/verify', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ username: 'nobody-at-all', otp_code: '123456' }),
        })
      : call(service.url, '/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
  const notLimited = (answers: RemoteAnswer[]) => answers.filter((answer) => answer.status !== 429).length;
  const ready = async (service: ServiceProcess) => call<{ status: string; detail?: string }>(service.url, '/readyz');
  const sharedGauge = async (service: ServiceProcess) =>
    /^twofa_ip_limit_shared (\d)$/m.exec((await call(service.url, '/metrics')).text)?.[1];

  it(`answers ${2 * LIMIT} concurrent requests from one address, spread over both, with exactly ${LIMIT} that are not 429`, async () => {
    const answers = await Promise.all(Array.from({ length: 2 * LIMIT }, (_, i) => request(instance(i), '198.51.100.1', i)));
    expect(notLimited(answers), answers.map((x) => x.status).join(' ')).toBe(LIMIT);
    for (const answer of answers.filter((x) => x.status === 429)) {
      expect(answer.body).toEqual({ detail: expect.stringMatching(/^Too many requests from this address/) as unknown });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // what each instance let through counts on both: the next one is refused on either
    for (const service of [a, b]) expect((await request(service, '198.51.100.1', 1)).status).toBe(429);
    // the limit stays per address
    expect((await request(b, '198.51.100.2', 1)).status).toBe(200);
    expect((await ready(a)).body).toEqual({ status: 'ready' });
    expect(await sharedGauge(a)).toBe('1');
  });

  it(`keeps serving when Redis stops, at ${FALLBACK} a minute per process, says so, and shares again once Redis is back`, async () => {
    const address = '198.51.100.3';
    expect(notLimited(await Promise.all([0, 1, 2].map((i) => request(instance(i), address, i))))).toBe(3);

    await redis.stop();
    // each instance now counts on its own, against the stricter limit
    for (const service of [a, b]) {
      const answers: RemoteAnswer[] = [];
      for (let i = 0; i < FALLBACK + 3; i++) answers.push(await request(service, address, i));
      expect(answers.map((x) => (x.status === 429 ? 429 : 'served'))).toEqual([...Array<string>(FALLBACK).fill('served'), 429, 429, 429]);
      expect(answers.at(-1)?.headers.get('x-ratelimit-limit')).toBe(String(FALLBACK));
      const readiness = await ready(service);
      expect(readiness.status).toBe(200);
      expect(readiness.body.status).toBe('ready');
      expect(readiness.body.detail).toMatch(new RegExp(`^Redis unreachable \\(.+\\): per-IP limits count in this process, at ${FALLBACK} a minute$`));
      expect(await sharedGauge(service)).toBe('0');
      expect(service.output()).toMatch(/"level":40,.*"msg":"Redis unreachable: per-IP limits now count in this process, at 5 a minute"/);
    }

    await redis.start();
    for (const service of [a, b]) {
      const deadline = Date.now() + 10_000;
      while ((await ready(service)).body.detail !== undefined && Date.now() < deadline) await sleep(100);
      expect((await ready(service)).body).toEqual({ status: 'ready' });
      expect(await sharedGauge(service)).toBe('1');
      expect(service.output()).toMatch(/"msg":"Redis reachable: per-IP limits are shared by every instance/);
    }
    // the fresh Redis counts this address from zero, for both instances together
    const answers = await Promise.all(Array.from({ length: 2 * LIMIT }, (_, i) => request(instance(i), address, i)));
    expect(notLimited(answers)).toBe(LIMIT);
  });
});
