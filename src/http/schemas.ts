/** JSON schemas shared by REST routes: each route validates with them and OpenAPI describes from them. */
export const detailSchema = {
  type: 'object',
  description: 'A refused request: a human-readable reason.',
  required: ['detail'],
  properties: { detail: { type: 'string' } },
} as const;

export const validationErrorSchema = {
  type: 'object',
  description: 'A malformed request, in FastAPI’s shape.',
  required: ['detail'],
  properties: {
    detail: {
      type: 'array',
      items: {
        type: 'object',
        required: ['loc', 'msg', 'type'],
        properties: {
          loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
          msg: { type: 'string' },
          type: { type: 'string' },
        },
      },
    },
  },
} as const;

/**
 * A `{"detail": ...}` answer for one status, described for that status and with real examples:
 * what /docs shows instead of `"detail": "string"`.
 */
export function detailAnswer(description: string, ...examples: string[]) {
  return { ...detailSchema, description, examples: examples.map((detail) => ({ detail })) };
}

/** A 422 answer with the example of a missing field at `loc`. */
export function validationAnswer<const Loc extends readonly string[]>(...loc: Loc) {
  return {
    ...validationErrorSchema,
    examples: [{ detail: [{ loc, msg: 'Field required', type: 'missing' }] }],
  };
}
