import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../db/client.js';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
} as const;

/** The legacy root check, and the liveness and readiness probes for orchestrators. */
export const healthRoutes: FastifyPluginAsync<{ database: Database; lifecycle: { draining: boolean } }> = async (
  app,
  { database, lifecycle },
) => {
  app.get(
    '/',
    {
      schema: {
        summary: 'Health check',
        description: 'The legacy service’s check that the service is running.',
        tags: ['Health Check'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: '2FA Service is up and running!' }),
  );

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        description: 'The process is up; says nothing about the database.',
        tags: ['Health Check'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        description: 'The database answers and the instance is not shutting down: 200, else 503.',
        tags: ['Health Check'],
        response: { 200: statusSchema, 503: statusSchema },
      },
    },
    async (_request, reply) => {
      if (lifecycle.draining) return reply.code(503).send({ status: 'shutting down' });
      const up = await database.ping();
      return reply.code(up ? 200 : 503).send({ status: up ? 'ready' : 'database unavailable' });
    },
  );
};
