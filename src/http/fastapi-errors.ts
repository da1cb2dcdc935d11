import type { FastifySchemaValidationError } from 'fastify';

/** One entry of a FastAPI 422 body, as the legacy service's callers parse it. */
export interface FastApiIssue {
  loc: (string | number)[];
  msg: string;
  type: string;
}

const locationNames: Record<string, string> = { querystring: 'query', body: 'body', params: 'path', headers: 'header' };

const typeNames: Record<string, { type: string; msg: string }> = {
  string: { type: 'string_type', msg: 'Input should be a valid string' },
  integer: { type: 'int_type', msg: 'Input should be a valid integer' },
  number: { type: 'float_type', msg: 'Input should be a valid number' },
  boolean: { type: 'bool_type', msg: 'Input should be a valid boolean' },
  object: { type: 'model_attributes_type', msg: 'Input should be a valid dictionary or object to extract fields from' },
};

/** Turns Fastify's (Ajv's) validation errors into FastAPI's `detail` list. */
export function toFastApiIssues(errors: FastifySchemaValidationError[], context: string): FastApiIssue[] {
  const where = locationNames[context] ?? context;
  return errors.map((error) => {
    const path = error.instancePath.split('/').filter(Boolean);
    const params: Record<string, unknown> = error.params;
    if (error.keyword === 'required') {
      return { loc: [where, ...path, String(params.missingProperty)], msg: 'Field required', type: 'missing' };
    }
    if (error.keyword === 'type') {
      const expected = String(Array.isArray(params.type) ? params.type[0] : params.type);
      const known = typeNames[expected] ?? { type: `${expected}_type`, msg: `Input should be a valid ${expected}` };
      return { loc: path.length ? [where, ...path] : [where], ...known };
    }
    if (error.keyword === 'maxLength') {
      return {
        loc: [where, ...path],
        msg: `String should have at most ${String(params.limit)} characters`,
        type: 'string_too_long',
      };
    }
    if (error.keyword === 'minLength') {
      return {
        loc: [where, ...path],
        msg: `String should have at least ${String(params.limit)} characters`,
        type: 'string_too_short',
      };
    }
    return { loc: [where, ...path], msg: error.message ?? 'Invalid value', type: 'value_error' };
  });
}

export const jsonInvalid = (reason: string): FastApiIssue[] => [
  { loc: ['body'], msg: `JSON decode error: ${reason}`, type: 'json_invalid' },
];

export const bodyMissing: FastApiIssue[] = [{ loc: ['body'], msg: 'Field required', type: 'missing' }];
