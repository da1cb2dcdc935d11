import type { RateLimitPluginOptions } from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import { RateLimitedError } from '../errors/errors.js';

/** Probes an orchestrator polls from one address, and the metrics scrape: never limited. */
const exemptRoutes = new Set(['/', '/healthz', '/readyz', '/metrics']);

/**
 * Options for @fastify/rate-limit: at most `perMinute` requests per minute from one address
 * (an IPv6 /64 counts as one) on every route but the probes, answered with the catalogue's
 * RateLimitedError, so REST and /graphql both get 429, Retry-After and a `detail`.
 *
 * The counters live in this process, on purpose: this is a flood guard in front of the real
 * limits (sends per user, lockout), which are kept in the database and hold across instances.
 * Behind a load balancer each instance counts its share, so a client may get up to N times the
 * limit from N instances; that does not widen what an attacker gets per user, and it keeps a
 * database write off every request.
 */
export function ipRateLimitOptions(perMinute: number): RateLimitPluginOptions {
  return {
    global: true,
    max: perMinute,
    timeWindow: 60_000,
    allowList: (request: FastifyRequest) => exemptRoutes.has(request.routeOptions.url ?? ''),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new RateLimitedError(seconds, `Too many requests from this address; try again in ${seconds} s`);
    },
  };
}
