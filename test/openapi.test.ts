import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueName, type TestApp } from './support/app.js';
import { createUser, postGenerate, postVerify, requestCode, submitCode, wrongCode } from './support/flows.js';

/** The parts of an OpenAPI 3.1 document these tests read. */
interface JsonSchema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}
interface Operation {
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: JsonSchema }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}

const jsonSchemaOf = (operation: Operation | undefined, status: string): JsonSchema => {
  const schema = operation?.responses[status]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON schema documented for ${status}`);
  return schema;
};

/** A value's JSON type as JSON Schema names it. */
const jsonType = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;

/** The documented object schema's required keys are present and its typed properties match. */
function expectConforms(value: unknown, schema: JsonSchema) {
  expect(jsonType(value)).toBe('object');
  const record = value as Record<string, unknown>;
  for (const key of schema.required ?? []) expect(record, `required key ${key}`).toHaveProperty(key);
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (!(key in record) || property.type === undefined) continue;
    const allowed = Array.isArray(property.type) ? property.type : [property.type];
    const actual = jsonType(record[key]);
    expect(allowed, `type of ${key}`).toContain(actual === 'integer' && allowed.includes('number') ? 'number' : actual);
  }
}

describe('OpenAPI document and docs', () => {
  let app: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    app = await createTestApp();
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    doc = response.json<OpenApiDocument>();
  });
  afterAll(() => app.close());

  it('is an OpenAPI 3.1.0 document titled "FountainAI 2FA Service", version 1.0.0', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('FountainAI 2FA Service');
    expect(doc.info.version).toBe('1.0.0');
  });

  it('describes the legacy routes and the probes, but not /graphql or itself', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/', '/auth/generate', '/auth/verify', '/healthz', '/readyz']));
    expect(Object.keys(doc.paths['/'] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths['/auth/generate'] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths['/auth/verify'] ?? {})).toEqual(['post']);
    expect(doc.paths).not.toHaveProperty('/graphql');
    expect(doc.paths).not.toHaveProperty('/openapi.json');
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/docs'))).toEqual([]);
  });

  it('documents GET / with its status body', () => {
    const root = doc.paths['/']?.get;
    expect(jsonSchemaOf(root, '200')).toMatchObject({ type: 'object', required: ['status'] });
  });

  it('documents POST /auth/generate: a required username query parameter, and 200/400/422 answers', () => {
    const generate = doc.paths['/auth/generate']?.post;
    expect(generate?.parameters?.map((parameter) => parameter.name)).toEqual(['username', 'channel', 'context', 'minimum_assurance']);
    expect(generate?.parameters?.[0]).toMatchObject({ in: 'query', name: 'username', required: true, schema: { type: 'string' } });
    // added later, optional, so legacy callers are unaffected
    expect(generate?.parameters?.[1]).toMatchObject({ in: 'query', name: 'channel', required: false, schema: { enum: ['EMAIL', 'SMS', 'WHATSAPP', 'VOICE'] } });
    expect(generate?.parameters?.[2]).toMatchObject({ in: 'query', name: 'context', required: false, schema: { type: 'string', maxLength: 256 } });
    expect(generate?.requestBody).toBeUndefined();
    expect(Object.keys(generate?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '422']));
    const ok = jsonSchemaOf(generate, '200');
    expect(ok.required).toEqual(expect.arrayContaining(['otp_code', 'expires_at']));
    expect(ok.properties?.otp_code?.type).toEqual(expect.arrayContaining(['string', 'null']));
    expect(ok.properties?.expires_at).toMatchObject({ type: 'string', format: 'date-time' });
    expect(jsonSchemaOf(generate, '400')).toMatchObject({ required: ['detail'], properties: { detail: { type: 'string' } } });
    const invalid = jsonSchemaOf(generate, '422');
    expect(invalid.properties?.detail?.type).toBe('array');
    expect(invalid.properties?.detail?.items?.required).toEqual(['loc', 'msg', 'type']);
  });

  it('documents POST /auth/verify: a required JSON body with username and otp_code, and 200/400/422 answers', () => {
    const verify = doc.paths['/auth/verify']?.post;
    expect(verify?.parameters ?? []).toEqual([]);
    expect(verify?.requestBody?.required).toBe(true);
    const body = verify?.requestBody?.content['application/json']?.schema;
    expect(body?.type).toBe('object');
    expect(body?.required).toEqual(expect.arrayContaining(['username', 'otp_code']));
    expect(body?.properties?.username?.type).toBe('string');
    expect(body?.properties?.otp_code?.type).toEqual(expect.arrayContaining(['string']));
    // added later, optional, so legacy callers are unaffected
    expect(body?.properties?.context).toMatchObject({ type: 'string', maxLength: 256 });
    expect(body?.properties?.audience).toMatchObject({ type: 'string', maxLength: 256 });
    expect(body?.required).not.toContain('context');
    expect(Object.keys(verify?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '422']));
    expect(jsonSchemaOf(verify, '200')).toMatchObject({ required: ['success'], properties: { success: { type: 'boolean' } } });
    expect(jsonSchemaOf(verify, '400')).toMatchObject({ required: ['detail'] });
    expect(jsonSchemaOf(verify, '422').properties?.detail?.type).toBe('array');
  });

  it('matches what the routes answer', async () => {
    const generate = doc.paths['/auth/generate']?.post;
    const verify = doc.paths['/auth/verify']?.post;
    const username = await createUser(app);

    const root = await app.inject({ method: 'GET', url: '/' });
    expectConforms(root.json(), jsonSchemaOf(doc.paths['/']?.get, '200'));

    const { code, response: generated } = await requestCode(app, username);
    expectConforms(generated.json(), jsonSchemaOf(generate, '200'));
    const refused = await postGenerate(app, uniqueName('nobody'));
    expect(refused.statusCode).toBe(400);
    expectConforms(refused.json(), jsonSchemaOf(generate, '400'));
    const malformed = await app.inject({ method: 'POST', url: '/auth/generate' });
    expect(malformed.statusCode).toBe(422);
    expectConforms(malformed.json(), jsonSchemaOf(generate, '422'));

    const wrong = await submitCode(app, username, wrongCode(code));
    expect(wrong.statusCode).toBe(400);
    expectConforms(wrong.json(), jsonSchemaOf(verify, '400'));
    const badType = await postVerify(app, { username, otp_code: true });
    expect(badType.statusCode).toBe(422);
    expectConforms(badType.json(), jsonSchemaOf(verify, '422'));
    const verified = await submitCode(app, username, code);
    expect(verified.statusCode).toBe(200);
    expectConforms(verified.json(), jsonSchemaOf(verify, '200'));
  });

  it.each(['/docs', '/docs/'])('serves interactive API docs as HTML at %s', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/<html/i);
    expect(response.body).toMatch(/swagger/i);
  });

  it('serves the same document the docs page loads', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(doc);
  });
});
