import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

const methods: HTTPMethods[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** FastAPI's answers for an unknown path (404) and a known path with the wrong method (405). */
export async function notFound(this: { hasRoute: (opts: { method: HTTPMethods; url: string }) => boolean }, request: FastifyRequest, reply: FastifyReply) {
  const url = request.url.split('?')[0] ?? '/';
  const allowed = methods.filter((method) => this.hasRoute({ method, url }));
  if (allowed.length > 0) {
    return reply.code(405).header('allow', allowed.join(', ')).send({ detail: 'Method Not Allowed' });
  }
  return reply.code(404).send({ detail: 'Not Found' });
}
