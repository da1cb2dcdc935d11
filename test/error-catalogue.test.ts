// One declaration per error: every entry of src/errors/errors.ts must come out as its class, its
// GraphQL type, its REST status and its OpenAPI example, and every code the service can answer
// (in the schema, or written into a GraphQL error's extensions) must be an entry.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isEnumType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/client.js';
import { catalogueGraphQLError, errorClasses } from '../src/graphql/error-types.js';
import { entryOf, errorCodes, errorTypeName, examplesOf, isGuess, type ErrorCode } from '../src/errors/errors.js';
import { buildSchema } from '../src/graphql/schema.js';
import { restError } from '../src/http/error-reply.js';
import { createTestApp, type TestApp } from './support/app.js';

interface OpenApiDocument {
  components: { examples: Record<string, { value: { detail: string } }> };
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: { detail: unknown } }> }> }> }>>;
}

/** Every .ts file under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const typedCodes = errorCodes.filter((code) => !entryOf(code).transport);
const transportCodes = errorCodes.filter((code) => entryOf(code).transport);
/** Typed errors answered on GraphQL: all but those of REST-only routes. */
const graphqlCodes = typedCodes.filter((code) => !entryOf(code).restOnly);
const restOnlyCodes = typedCodes.filter((code) => entryOf(code).restOnly);

describe('the error catalogue', () => {
  let schema: GraphQLSchema;
  let app: TestApp;
  let openapi: OpenApiDocument;
  const database = createDatabase(parseConfig({ DATABASE_URL: 'file::memory:' }).database);

  beforeAll(async () => {
    // The schema as the code builds it (Prisma connects lazily: this in-memory client is never queried).
    schema = buildSchema(database);
    app = await createTestApp();
    openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiDocument>();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('has typed errors and transport codes, each with a status, a message, a description and an example', () => {
    expect(typedCodes.length).toBeGreaterThan(30);
    expect(transportCodes).toEqual(expect.arrayContaining(['DATABASE_UNAVAILABLE', 'PERSISTED_QUERY_ONLY', 'BAD_USER_INPUT']));
    for (const code of errorCodes) {
      const { status, message, description } = entryOf(code);
      expect(code, code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect([200, ...Array.from({ length: 200 }, (_, i) => 400 + i)], `${code}'s status`).toContain(status);
      expect(message.length, `${code}'s message`).toBeGreaterThan(0);
      expect(description.length, `${code}'s description`).toBeGreaterThan(0);
      expect(examplesOf(code).length, `${code}'s examples`).toBeGreaterThan(0);
    }
  });

  it('gives every typed error one exported class named after its code, answered on REST with its status', () => {
    const classes = errorClasses();
    expect([...classes.keys()].sort()).toEqual(expect.arrayContaining([...typedCodes].sort()));
    for (const code of typedCodes) {
      const ErrorClass = classes.get(code);
      expect(ErrorClass?.name, code).toBe(errorTypeName(code));
      // An instance without its constructor: some take fields this test does not know.
      const prototype: unknown = ErrorClass && Reflect.get(ErrorClass, 'prototype');
      if (typeof prototype !== 'object' || prototype === null) throw new Error(`${code}: no class`);
      const error: unknown = Object.create(prototype, { code: { value: code } });
      expect(restError(error), code).toMatchObject({ status: entryOf(code).status, expected: true });
    }
    expect(new (classes.get('USER_NOT_FOUND') ?? Error)().message).toBe(entryOf('USER_NOT_FOUND').message);
    // The flags are read from the entry: a wrong code is a guess, an unknown user is not.
    const InvalidCode = classes.get('INVALID_CODE');
    const UserNotFound = classes.get('USER_NOT_FOUND');
    if (!InvalidCode || !UserNotFound) throw new Error('classes missing');
    expect(isGuess(new InvalidCode(3))).toBe(true);
    expect(isGuess(new UserNotFound())).toBe(false);
  });

  it('gives every typed error its GraphQL type: the Error interface, the entry’s description and fields', () => {
    expect(restOnlyCodes).toEqual(expect.arrayContaining(['CALLBACK_INVALID', 'CALLBACK_SIGNATURE_INVALID']));
    for (const code of graphqlCodes) {
      const type = schema.getType(errorTypeName(code));
      if (!isObjectType(type)) throw new Error(`${code}: no GraphQL object type ${errorTypeName(code)}`);
      expect(type.getInterfaces().map((i) => i.name), code).toEqual(['Error']);
      expect(type.description, code).toBe(entryOf(code).description);
      expect(Object.keys(type.getFields()).sort(), code).toEqual(['code', 'message', ...Object.keys(entryOf(code).fields ?? {})].sort());
    }
    for (const code of [...transportCodes, ...restOnlyCodes]) expect(schema.getType(errorTypeName(code)), code).toBeUndefined();
  });

  it('answers every transport code with its message and its status on GraphQL', () => {
    for (const code of transportCodes) {
      const error = catalogueGraphQLError(code);
      expect(error.message).toBe(entryOf(code).message);
      expect(error.extensions).toEqual({ code, http: { status: entryOf(code).status } });
    }
  });

  it('shows every code in OpenAPI with its example, and each route’s examples under their codes’ statuses', () => {
    for (const code of errorCodes) expect(openapi.components.examples[code]?.value, code).toEqual({ detail: examplesOf(code)[0] });
    const statusesOfExample = new Map<string, Set<number>>();
    for (const code of errorCodes) {
      for (const example of examplesOf(code)) statusesOfExample.set(example, (statusesOfExample.get(example) ?? new Set()).add(entryOf(code).status));
    }
    let shown = 0;
    for (const [path, operations] of Object.entries(openapi.paths)) {
      for (const [method, { responses }] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(responses)) {
          if (status === '200' || status === '422') continue;
          for (const { value: { detail } } of Object.values(response.content?.['application/json']?.examples ?? {})) {
            expect(typeof detail, `${method} ${path} ${status}`).toBe('string');
            expect([...(statusesOfExample.get(String(detail)) ?? [])], `${method} ${path} ${status}: ${String(detail)}`).toContain(Number(status));
            shown += 1;
          }
        }
      }
    }
    expect(shown).toBeGreaterThan(10);
  });

  it('has every error code of the schema: the ErrorCode enum, each type implementing Error', () => {
    const enumType = schema.getType('ErrorCode');
    if (!isEnumType(enumType)) throw new Error('no ErrorCode enum');
    expect(enumType.getValues().map((value) => value.name).sort()).toEqual([...errorCodes].sort());
    const byTypeName = new Map<string, ErrorCode>(errorCodes.map((code) => [errorTypeName(code), code]));
    const errorTypes = Object.values(schema.getTypeMap()).filter((type) => isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Error'));
    expect(errorTypes.length).toBe(graphqlCodes.length);
    for (const type of errorTypes) expect(byTypeName.has(type.name), type.name).toBe(true);
  });

  it('lets every field with typed errors answer UnauthenticatedError and ForbiddenError (the plugin’s defaults)', () => {
    const unions = Object.values(schema.getTypeMap()).filter(isUnionType).filter((union) => union.getTypes().some((t) => t.getInterfaces().some((i) => i.name === 'Error')));
    expect(unions.length).toBeGreaterThan(20);
    for (const union of unions) {
      expect(union.getTypes().map((t) => t.name), union.name).toEqual(expect.arrayContaining(['UnauthenticatedError', 'ForbiddenError']));
    }
  });

  it('has every code the source writes into an error’s extensions', () => {
    const written = new Set<string>();
    for (const file of sourceFiles('src')) {
      for (const match of readFileSync(file, 'utf8').matchAll(/extensions:\s*\{[^}]*?\bcode:\s*'([A-Z_]+)'/g)) written.add(match[1] ?? '');
    }
    expect(written.size).toBeGreaterThan(0);
    for (const code of written) expect(errorCodes, code).toContain(code);
  });
});
