import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, print, validate, type GraphQLSchema } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/client.js';
import { graphiqlDefaultQuery } from '../src/graphql/examples.js';
import { printPublicSchema, printSubgraphSdl } from '../src/graphql/federation.js';
import { buildSchema } from '../src/graphql/schema.js';
import { useTestApp } from './support/app.js';
import { createUser } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { VerifyOtpDocument } from './generated/graphql.js';

const fromRoot = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const operationsDir = fromRoot('schema/operations');

describe('GraphQL contract', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    // Built as scripts/print-schema.ts builds it: on a client that never connects.
    const database = createDatabase(parseConfig({ DATABASE_URL: 'file::memory:' }).database);
    schema = buildSchema(database);
    await database.close();
  });

  it('schema/schema.graphql is the schema the code builds (npm run schema:print)', () => {
    expect(readFileSync(fromRoot('schema/schema.graphql'), 'utf8')).toBe(printPublicSchema(schema));
  });

  it('schema/subgraph.graphql is the subgraph SDL the code builds (npm run schema:print)', () => {
    expect(readFileSync(fromRoot('schema/subgraph.graphql'), 'utf8')).toBe(printSubgraphSdl(schema));
  });

  it('every operation in schema/operations is valid against the schema', () => {
    const files = readdirSync(operationsDir).filter((file) => file.endsWith('.graphql'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const errors = validate(schema, parse(readFileSync(`${operationsDir}/${file}`, 'utf8')));
      expect(errors.map((error) => error.message), file).toEqual([]);
    }
  });

  it('the operations GraphiQL opens with are valid against the schema', () => {
    expect(validate(schema, parse(graphiqlDefaultQuery)).map((error) => error.message)).toEqual([]);
  });
});

describe('GraphQL endpoint', () => {
  const app = useTestApp();

  it('serves GraphiQL to a browser', async () => {
    const response = await app.inject({ method: 'GET', url: '/graphql', headers: { accept: 'text/html' } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body.toLowerCase()).toContain('graphiql');
  });

  it('answers a GET query for clients that ask for JSON', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/graphql?query=%7B__typename%7D',
      // A GET needs the CSRF-prevention header (test/graphql-protections.test.ts).
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('refuses a mutation over GET', async () => {
    const response = await app.inject({
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('mutation { generateOtp(username: "x") { __typename } }')}`,
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.statusCode).toBe(405);
  });

  it('reports a syntax error without running anything', async () => {
    const { body } = await executeRaw(app, '{ users(first: ) }');
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/Syntax Error/);
  });
});

describe('GraphQL unexpected errors', () => {
  // A clock that breaks with internal detail stands in for any unexpected failure.
  const brokenClock = {
    now(): Date {
      throw new Error('clock exploded at /srv/secret/path');
    },
  };
  const app = useTestApp({}, { clock: brokenClock });

  it('are masked: the client learns that something failed, not what', async () => {
    const username = await createUser(app);

    const { body } = await executeRaw(app, print(VerifyOtpDocument), { username, code: '123456' });
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([expect.objectContaining({ message: 'Unexpected error.' })]);
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});
