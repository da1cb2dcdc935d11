import type { FastifyPluginAsync } from 'fastify';

/**
 * Browsers ask for /favicon.ico on every page (/docs, /graphql) and log a 404 each time: "no
 * content", cached for a day, says there is none without an error.
 */
export const faviconRoute: FastifyPluginAsync = async (app) => {
  app.get('/favicon.ico', { schema: { hide: true } }, async (_request, reply) =>
    reply.code(204).header('cache-control', 'public, max-age=86400').send(),
  );
};
