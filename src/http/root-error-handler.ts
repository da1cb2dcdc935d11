import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { restError } from './error-reply.js';

/**
 * Errors outside the legacy routes (their plugin has its own FastAPI-shaped handler): Fastify's
 * own 4xx keep their status, expected failures get the catalogue's, the rest is logged and
 * answered without its text.
 */
export function rootErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 && /^FST_/.test(error.code)) {
    return reply.code(error.statusCode).send({ detail: error.message });
  }
  const answer = restError(error);
  if (!answer.expected) request.log.error({ err: error }, 'request failed');
  if (answer.retryAfter !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(answer.retryAfter))));
  return reply.code(answer.status).send({ detail: answer.detail });
}
