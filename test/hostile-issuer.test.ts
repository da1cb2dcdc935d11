/**
 * Attack: a hostile or broken platform issuer. Where CALLER_JWKS_URL is set, the service fetches
 * the issuer's keys when a token names one it has not seen. An issuer (or whoever sits on its
 * address) answers with 30 MB, or streams without end, or accepts and never answers; a client
 * meanwhile sends ES256 tokens of its own making, 25 at once, before any key was fetched. The
 * service must read no more than a JWKS can weigh (64 KB) and no longer than
 * CALLER_JWKS_TIMEOUT_MS, share one fetch between the waiting requests, and fetch at most once
 * every 30 s: the process stays up (production's own heap limits, on the compiled build), every
 * request gets its 401 within the timeout and a second, and the issuer sees one fetch.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_ENCRYPTION_KEY, TEST_SECRET } from './support/app.js';
import { bearer } from './support/callers.js';
import { ISSUER, issuerToken, startJwksIssuer, strangerKey, type IssuerMode, type JwksIssuer } from './support/jwks-issuer.js';
import { answers } from './support/net.js';
import { buildForProduction, type ProductionBuild } from './support/production-build.js';
import { startServiceProcess, type ServiceProcess } from './support/service-process.js';

const TIMEOUT_MS = 1000;
const CONCURRENT = 25;
const UNAVAILABLE = 'A valid bearer token is required: the platform issuer’s keys (CALLER_JWKS_URL) cannot be fetched now; try again shortly';

/** Each misbehaviour, with a process of its own: a failed fetch holds off the next for 30 s. */
const cases: { mode: IssuerMode; what: string }[] = [
  { mode: 'huge', what: '30 MB JWKS' },
  { mode: 'endless', what: 'endless JWKS stream' },
  { mode: 'drip', what: 'JWKS dripping a byte a second' },
  { mode: 'hang', what: 'hung issuer' },
];

interface Answer {
  status: number;
  detail: string;
  ms: number;
}

/** `count` generates at once, each with an ES256 token of the client's own making; each answer and how long it took. */
async function burst(service: ServiceProcess, count: number): Promise<Answer[]> {
  const token = await issuerToken({ kid: 'made-up', key: strangerKey.privateKey });
  return Promise.all(
    Array.from({ length: count }, async () => {
      const started = performance.now();
      const response = await fetch(`${service.url}/auth/generate?username=nobody-at-all`, {
        method: 'POST',
        headers: bearer(token),
        signal: AbortSignal.timeout(30_000),
      });
      const { detail } = (await response.json()) as { detail: string };
      return { status: response.status, detail, ms: performance.now() - started };
    }),
  );
}

/** The most memory the process has held (VmHWM), in MB, where /proc tells. */
function peakMegabytes(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

describe('a hostile issuer, against the production build with its memory limits', () => {
  let build: ProductionBuild | undefined;
  const issuers = new Map<IssuerMode, JwksIssuer>();
  const services = new Map<IssuerMode, ServiceProcess>();

  beforeAll(async () => {
    build = await buildForProduction();
    const { main, nodeArgs, env } = build;
    await Promise.all(
      cases.map(async ({ mode }) => {
        const issuer = await startJwksIssuer(mode);
        issuers.set(mode, issuer);
        const service = await startServiceProcess({
          compiled: { main, nodeArgs },
          env: {
            ...env,
            NODE_ENV: 'production',
            DATABASE_URL: inject('databaseUrl'),
            SECRET_KEY: TEST_SECRET,
            ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
            OTP_IN_RESPONSE: 'false',
            LOG_LEVEL: 'warn',
            CALLER_JWKS_URL: issuer.url,
            CALLER_ISSUER: ISSUER,
            CALLER_JWKS_TIMEOUT_MS: String(TIMEOUT_MS),
          },
          // four compiled services starting at once on a machine shared with other test runs
          startTimeoutMs: 120_000,
        });
        services.set(mode, service);
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...services.values()].map((service) => service.stop()));
    await Promise.all([...issuers.values()].map((issuer) => issuer.close()));
    build?.remove();
  });

  it.each(cases)('$what: the process lives, 25 concurrent ES256 requests (then 30 more) get 401 within the timeout plus 1 s, one fetch', async ({ mode, what }) => {
    const service = services.get(mode);
    const issuer = issuers.get(mode);
    if (!service || !issuer) throw new Error(`no service for ${mode}`);

    // A crowd before any key was fetched (sharing one fetch), then a few one after another and
    // another crowd, as the process was found to die: none of them may start another fetch.
    const first = await burst(service, CONCURRENT);
    const sequential: Answer[] = [];
    for (let i = 0; i < 5; i++) sequential.push(...(await burst(service, 1)));
    const second = await burst(service, CONCURRENT);
    const slowest = Math.max(...first.map((answer) => answer.ms));
    console.log(
      `${what}, ${CONCURRENT} concurrent ES256 requests, production flags (${build?.nodeArgs.join(' ') ?? ''}): ` +
        `process ${service.exited ? 'DEAD' : 'alive'}, ${first.filter((a) => a.status === 401).length} x 401, slowest ${(slowest / 1000).toFixed(2)} s; ` +
        `then 5 sequential and ${CONCURRENT} concurrent more: ${[...sequential, ...second].filter((a) => a.status === 401).length} x 401, ` +
        `slowest ${(Math.max(...[...sequential, ...second].map((a) => a.ms)) / 1000).toFixed(2)} s; ` +
        `${issuer.state.fetches} fetch(es); peak RSS ${String(peakMegabytes(service.pid))} MB`,
    );

    expect(service.exited, service.output()).toBe(false);
    expect(await answers(`${service.url}/healthz`)).toBe(true);
    for (const answer of [...first, ...sequential, ...second]) {
      expect({ status: answer.status, detail: answer.detail }).toEqual({ status: 401, detail: UNAVAILABLE });
      expect(answer.ms).toBeLessThan(TIMEOUT_MS + 1000);
    }
    // The crowd shared one fetch, and within 30 s of its failure no request started another.
    expect(issuer.state.fetches).toBe(1);
    expect(service.output()).toContain('caller JWKS fetch failed');
  });
});
