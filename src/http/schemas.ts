import { entryOf, examplesOf, type ErrorCode } from '../errors/errors.js';

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
export function detailAnswer(description: string, ...examples: readonly string[]) {
  return { ...detailSchema, description, examples: examples.map((detail) => ({ detail })) };
}

/**
 * A route's error answers, from the catalogue: each code is shown under its own status with its
 * examples, so a route names the codes it answers and the statuses follow. `descriptions` says
 * what each status means on this route; a status without a code, or a code without a
 * description of its status, fails at start-up rather than documenting a wrong answer.
 */
export function errorAnswers(descriptions: Readonly<Record<number, string>>, ...codes: readonly ErrorCode[]) {
  const answers: Record<number, ReturnType<typeof detailAnswer>> = {};
  for (const [status, description] of Object.entries(descriptions)) {
    const shown = codes.filter((code) => String(entryOf(code).status) === status);
    if (shown.length === 0) throw new Error(`No error code answers ${status} here`);
    answers[Number(status)] = detailAnswer(description, ...shown.flatMap(examplesOf));
  }
  const undescribed = codes.filter((code) => !(entryOf(code).status in descriptions));
  if (undescribed.length > 0) throw new Error(`No description for the status of ${undescribed.join(', ')}`);
  return answers;
}

/** A 422 answer with the example of a missing field at `loc`. */
export function validationAnswer<const Loc extends readonly string[]>(...loc: Loc) {
  return {
    ...validationErrorSchema,
    examples: [{ detail: [{ loc, msg: 'Field required', type: 'missing' }] }],
  };
}
