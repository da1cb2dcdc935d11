import { createRequire } from 'node:module';
import type { FastifyRateLimitStore, RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { RateLimitedError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';

/**
 * Probes an orchestrator polls from one address, the metrics scrape, and Twilio's status
 * callbacks (a busy service gets several per code from a few Twilio addresses, and a dropped
 * one turns into a needless fallback; a forged one costs an HMAC and is refused before any
 * database work): never limited.
 */
const exemptRoutes = new Set(['/', '/healthz', '/readyz', '/metrics', '/delivery/twilio/status']);

/** Counters shared by every instance live under this prefix in Redis, one key per address. */
const REDIS_KEY_PREFIX = 'twofa:ip-limit:';
/** A Redis that answers slower than this counts as unreachable for the request. */
const REDIS_COMMAND_TIMEOUT_MS = 250;
/** After a failed command, requests count in this process this long before Redis is tried again. */
const REDIS_RETRY_AFTER_MS = 1_000;

type StoreCallback = Parameters<FastifyRateLimitStore['incr']>[1];
type StoreCtor = new (continueExceeding: boolean, exponentialBackoff: boolean, ...rest: unknown[]) => FastifyRateLimitStore;
// The plugin's own stores (CommonJS, not in its type declarations): the local one is the
// one it uses without Redis; the Redis one runs its Lua script (INCR + PEXPIRE, atomic).
const require = createRequire(import.meta.url);
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as StoreCtor;
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as StoreCtor;

/**
 * Options for @fastify/rate-limit: at most `perMinute` requests per minute from one address
 * (an IPv6 /64 counts as one) on every route but the probes, answered with the catalogue's
 * RateLimitedError, so REST and /graphql both get 429, Retry-After and a `detail`.
 *
 * Without REDIS_URL the counters live in this process: behind a load balancer each instance
 * counts its share, so a client may get up to N times the limit from N instances. With it,
 * see {@link createIpRateLimit}. This is a flood guard in front of the real limits (sends per
 * user, lockout), which are kept in the database and hold across instances either way.
 */
export function ipRateLimitOptions(
  perMinute: number,
  extra: Pick<RateLimitPluginOptions, 'store' | 'max' | 'onExceeded'> = {},
): RateLimitPluginOptions {
  return {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    allowList: (request: FastifyRequest) => exemptRoutes.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new RateLimitedError(seconds, `Too many requests from this address; try again in ${seconds} s`);
    },
    ...extra,
  };
}

export interface IpRateLimit {
  /** options for `app.register(rateLimit, ...)` */
  readonly options: RateLimitPluginOptions;
  /** undefined while the limit holds as configured; else what is wrong, for /readyz's detail */
  problem: () => string | undefined;
  /** resolves once Redis answered, or failed to at start-up (then counting starts per process) */
  ready: () => Promise<void>;
  close: () => Promise<void>;
}

export interface IpRateLimitSettings {
  perMinute: number;
  /** the stricter per-process limit while Redis is unreachable */
  fallbackPerMinute: number;
  redisUrl?: string;
  logger: Logger;
  registry: Registry;
  /** counts requests refused by the limit */
  onExceeded?: () => void;
}

/**
 * The per-IP limit of {@link ipRateLimitOptions}, its counters in Redis when `redisUrl` is set,
 * so every instance counts against one limit. When Redis cannot be reached (refused, closed,
 * slower than 250 ms) the request is counted in this process against `fallbackPerMinute`
 * instead, and the service keeps serving: a stricter limit per instance, said once in the log
 * (warn, and info when Redis is back), in `twofa_ip_limit_shared` (0) and in /readyz's detail.
 * Redis is tried again a second after a failure and whenever it reconnects; its counters then
 * count from where they were, the per-process ones are left to expire.
 */
export function createIpRateLimit(settings: IpRateLimitSettings): IpRateLimit {
  const { perMinute, fallbackPerMinute, redisUrl, logger, registry, onExceeded } = settings;
  if (!redisUrl) {
    return {
      options: ipRateLimitOptions(perMinute, { onExceeded }),
      problem: () => undefined,
      ready: async () => undefined,
      close: async () => undefined,
    };
  }

  // Made by ready(): ioredis is loaded only where REDIS_URL is set.
  let redis: Redis | undefined;
  let shared: FastifyRateLimitStore | undefined;
  const local = new LocalStore(false, false, 5_000);
  const where = redactedAddress(redisUrl);

  /** why counting is per process right now; undefined while Redis counts */
  let failure: string | undefined;
  let retryAt = 0;
  let closing = false;
  const fallBack = (reason: string) => {
    retryAt = Date.now() + REDIS_RETRY_AFTER_MS;
    if (failure !== undefined || closing) return;
    failure = reason;
    logger.warn(
      { redis: where, reason, fallbackPerMinute },
      `Redis unreachable: per-IP limits now count in this process, at ${fallbackPerMinute} a minute`,
    );
  };
  const recover = () => {
    if (failure === undefined) return;
    failure = undefined;
    logger.info({ redis: where }, 'Redis reachable: per-IP limits are shared by every instance again');
  };
  const useRedis = () => redis?.status === 'ready' && Date.now() >= retryAt;
  const countLocally = (key: string, callback: StoreCallback, timeWindow: number, max: number) => {
    // Counted against the stricter limit; reported on the scale of `max` the plugin compares
    // with, so the answer (and x-ratelimit-remaining) is the fallback's.
    local.incr(
      key,
      (error, result) => callback(error, result && { current: result.current + Math.max(0, max - fallbackPerMinute), ttl: result.ttl }),
      timeWindow,
      fallbackPerMinute,
    );
  };
  class SharedStore implements FastifyRateLimitStore {
    incr(key: string, callback: StoreCallback, timeWindow: number, max: number) {
      if (!shared || !useRedis()) return countLocally(key, callback, timeWindow, max);
      shared.incr(
        key,
        (error, result) => {
          if (error || !result) {
            fallBack(error?.message ?? 'no answer');
            return countLocally(key, callback, timeWindow, max);
          }
          recover();
          callback(null, result);
        },
        timeWindow,
        max,
      );
    }
    child() {
      return this;
    }
  }

  new Gauge({
    name: 'twofa_ip_limit_shared',
    help: 'Whether the per-IP limits count in Redis for every instance (1) or, Redis unreachable, in this process at the stricter fallback limit (0).',
    registers: [registry],
    collect() {
      this.set(failure === undefined ? 1 : 0);
    },
  });

  return {
    options: ipRateLimitOptions(perMinute, {
      store: SharedStore as unknown as RateLimitPluginOptions['store'],
      max: () => (useRedis() ? perMinute : fallbackPerMinute),
      onExceeded,
    }),
    problem: () =>
      failure === undefined
        ? undefined
        : `Redis unreachable (${failure}): per-IP limits count in this process, at ${fallbackPerMinute} a minute`,
    async ready() {
      if (redis || closing) return;
      const { Redis } = await import('ioredis');
      redis = new Redis(redisUrl, {
        // Fail a command at once while disconnected instead of queueing it behind a request.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        connectTimeout: 1_000,
        retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
        lazyConnect: true,
      });
      redis.on('error', (error: Error) => fallBack(error.message));
      redis.on('close', () => fallBack('connection closed'));
      redis.on('ready', () => {
        retryAt = 0;
        recover();
      });
      shared = new RedisStore(false, false, redis, REDIS_KEY_PREFIX);
      try {
        await redis.connect();
      } catch (error) {
        fallBack(error instanceof Error ? error.message : String(error));
      }
    },
    async close() {
      closing = true;
      redis?.disconnect();
    },
  };
}

/** The Redis URL without its password, for the log. */
function redactedAddress(url: string): string {
  const parsed = new URL(url);
  parsed.password = '';
  parsed.username = '';
  return parsed.toString();
}
