import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { UnauthenticatedError } from '../errors/errors.js';

interface MetricsRoutesOptions {
  registry: Registry;
  /** METRICS_TOKEN: when set, a scrape must present it as `Authorization: Bearer <token>` */
  token: string | undefined;
}

/** Digests are compared, not the texts: equal lengths for timingSafeEqual, and no early exit on length. */
const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request's bearer token is METRICS_TOKEN, compared in constant time. */
function presents(request: FastifyRequest, expected: Buffer): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

/** `GET /metrics` in Prometheus' text format. */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, { registry, token }) => {
  const expected = token === undefined ? undefined : digest(token);
  app.get(
    '/metrics',
    {
      // The bearer here is METRICS_TOKEN, not a caller's JWT: caller authentication leaves it alone.
      config: { ownBearerToken: true },
      schema: {
        summary: 'Metrics',
        description:
          'Prometheus text format: request durations, codes generated and verified, deliveries, lockouts, throttles, pool use. ' +
          'With METRICS_TOKEN set (always in production), only for `Authorization: Bearer <METRICS_TOKEN>`.',
        tags: ['Operations'],
        produces: ['text/plain'],
      },
    },
    async (request, reply) => {
      if (expected && !presents(request, expected)) {
        void reply.header('www-authenticate', 'Bearer realm="fountainai-2fa-metrics"');
        throw new UnauthenticatedError();
      }
      return reply.header('content-type', registry.contentType).send(await registry.metrics());
    },
  );
};
