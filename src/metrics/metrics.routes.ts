import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** `GET /metrics` in Prometheus' text format. */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Metrics',
        description: 'Prometheus text format: request durations, codes generated and verified, deliveries, lockouts, throttles, pool use.',
        tags: ['Operations'],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()),
  );
};
