import type { FastifyReply, FastifyRequest } from 'fastify';
import { isStorableText } from '../db/storable-text.js';
import { errorCatalogue } from '../errors/errors.js';

// Text that no database column can hold (a NUL, an unpaired surrogate) cannot name anything
// stored, so it is refused at the edge with a 4xx instead of failing deep in a query as a 500.

/** The path of the first string (key or value) in `value` that is not storable, or null. */
export function findUnstorableText(value: unknown): (string | number)[] | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  // Iterative, so a deeply nested body cannot overflow the stack.
  for (let item = stack.pop(); item; item = stack.pop()) {
    const current = item.value;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return item.path;
    } else if (Array.isArray(current)) {
      current.forEach((entry, index) => stack.push({ value: entry, path: [...item.path, index] }));
    } else if (current !== null && typeof current === 'object') {
      for (const [key, entry] of Object.entries(current)) {
        if (!isStorableText(key)) return [...item.path, key];
        stack.push({ value: entry, path: [...item.path, key] });
      }
    }
  }
  return null;
}

const { message, status } = errorCatalogue.BAD_USER_INPUT;

/**
 * Fastify preValidation hook over the query string and the body. The legacy routes answer
 * FastAPI's 422 shape, GraphQL a GraphQL-over-HTTP 400 with an error, others `{detail}`.
 */
export async function refuseUnstorableText(request: FastifyRequest, reply: FastifyReply) {
  for (const [location, value] of [['query', request.query], ['body', request.body]] as const) {
    const path = findUnstorableText(value);
    if (!path) continue;
    const url = request.routeOptions.url ?? '';
    if (url.startsWith('/auth/')) {
      return reply.code(422).send({ detail: [{ loc: [location, ...path], msg: message, type: 'string_unicode' }] });
    }
    if (url === '/graphql') {
      return reply.code(status).send({ errors: [{ message, extensions: { code: 'BAD_USER_INPUT', location, path } }] });
    }
    return reply.code(status).send({ detail: message });
  }
}
