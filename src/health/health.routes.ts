import type { FastifyPluginAsync } from 'fastify';
import type { Database } from '../db/client.js';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
} as const;

/** /readyz's answer: `detail` says what works in a degraded way without making it unready. */
const readySchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, detail: { type: 'string' } },
} as const;

/** The legacy root check, and the liveness and readiness probes for orchestrators. */
export const healthRoutes: FastifyPluginAsync<{
  database: Database;
  lifecycle: { draining: boolean };
  /** what runs degraded but still serves (Redis unreachable): said in /readyz's detail, not a 503 */
  degraded?: () => string | undefined;
}> = async (app, { database, lifecycle, degraded }) => {
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

  let lastStatus = 'ready';
  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness',
        description:
          'The database answers, is migrated to this version and can take writes (PostgreSQL: not a standby, not ' +
          'read-only, the role holding its privileges; SQLite: its file in place and the file and folder writable; ' +
          'asked, never tried: a probe writes nothing), and the instance is not shutting down: 200 `ready`, else 503 ' +
          'with the reason in `status` (e.g. `database unreachable`, `database is read-only`, `database schema ' +
          'missing (run the migrations)`). A `detail` names what ' +
          'still serves in a degraded way (Redis unreachable: per-IP limits per process).',
        tags: ['Health Check'],
        response: { 200: readySchema, 503: readySchema },
      },
    },
    async (request, reply) => {
      if (lifecycle.draining) return reply.code(503).send({ status: 'shutting down' });
      const readiness = await database.readiness();
      const status = readiness.ready ? 'ready' : readiness.reason;
      // Said once per change, not on every probe.
      if (status !== lastStatus) {
        if (readiness.ready) request.log.info('ready: the database serves again');
        else request.log.warn({ reason: status }, 'not ready');
        lastStatus = status;
      }
      const detail = degraded?.();
      return reply.code(readiness.ready ? 200 : 503).send({ status, ...(detail ? { detail } : {}) });
    },
  );
};
