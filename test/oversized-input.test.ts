// Attack: over-long and over-many input. A caller sends a username of megabytes, a code of a
// thousand characters, `nodes(ids:)` with thousands of ids, `first: 100000`, a flood of entity
// representations, inline in the document or in variables, to fill the database (every refused
// generate and verify is audited with the name asked for), to make the service look things up
// that cannot exist, or to tie it up. Every text has a documented maximum length and every list
// at most 100 items; a value over its bound is refused before any database work (REST: 422 in
// FastAPI's shape; GraphQL: an error with code VALIDATION_FAILED), and writes nothing: the
// database is the same size afterwards. `/healthz` answers while such requests flood in.
import { buildClientSchema, getIntrospectionQuery, getNamedType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType, type IntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditStore } from '../src/audit/audit.store.js';
import { createAuditService } from '../src/audit/audit.service.js';
import { systemContext } from '../src/auth/caller.js';
import { parseConfig } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { exampleVariables, loadOperations } from '../src/graphql/examples.js';
import { CODE_MAX_LENGTH, DEFAULT_MAX_LENGTH, MAX_LIST_ITEMS, maxLengthByName, USERNAME_MAX_LENGTH } from '../src/limits/input-limits.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { bearer, callerToken } from './support/callers.js';
import { createUser } from './support/flows.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';

const tooLong = (max: number, char = 'a') => char.repeat(max + 1);
const ids = (count: number) => Array.from({ length: count }, (_, i) => Buffer.from(`User:${String(i + 1)}`).toString('base64'));

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string; issues?: { path: string[]; message: string }[] } }[];
}

let privateDb: PrivateDatabase;
let database: Database;
let app: TestApp;
let token: string;

beforeAll(async () => {
  // Counting every row needs a database no other test file writes to.
  privateDb = await createPrivateDatabase('oversized');
  database = createDatabase(parseConfig({ DATABASE_URL: privateDb.url }).database);
  await database.init();
  app = await createTestApp({ DATABASE_URL: privateDb.url, ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '1000000', GRAPHQL_INTROSPECTION: 'true' });
  token = await callerToken();
}, 60_000);

afterAll(async () => {
  await app.close();
  await database.close();
  await privateDb.drop();
});

/** Rows of every table a refused request could write to. */
async function databaseSize() {
  const [users, auditEvents, otpLogs] = await Promise.all([database.db.user.count(), database.db.auditEvent.count(), database.db.otpLog.count()]);
  return { users, auditEvents, otpLogs };
}

async function graphql(query: string, variables?: Record<string, unknown>) {
  const response = await app.inject({ method: 'POST', url: '/graphql', headers: bearer(token), payload: { query, variables } });
  return response.json<GraphQLBody>();
}

/** The answer is the bound's refusal, and nothing ran: no data at all. */
function expectRefused(body: GraphQLBody, what: string) {
  expect(body.data, `${what}: ${JSON.stringify(body)}`).toBeUndefined();
  expect(body.errors?.map((error) => error.extensions?.code), what).toEqual(['VALIDATION_FAILED']);
}

describe('REST: over-long values answer 422 in FastAPI’s shape', () => {
  it(`POST /auth/generate: a username of ${String(USERNAME_MAX_LENGTH + 1)} characters`, async () => {
    const response = await app.inject({ method: 'POST', url: `/auth/generate?username=${tooLong(USERNAME_MAX_LENGTH)}` });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['query', 'username'], msg: `String should have at most ${String(USERNAME_MAX_LENGTH)} characters`, type: 'string_too_long' }],
    });
  });

  it('POST /auth/verify: a username, a code, or both, over their bounds', async () => {
    const cases = [
      { body: { username: tooLong(USERNAME_MAX_LENGTH), otp_code: '123456' }, locs: [['body', 'username']] },
      { body: { username: 'alice', otp_code: tooLong(CODE_MAX_LENGTH, '1') }, locs: [['body', 'otp_code']] },
      { body: { username: tooLong(USERNAME_MAX_LENGTH), otp_code: tooLong(CODE_MAX_LENGTH, '1') }, locs: [['body', 'username'], ['body', 'otp_code']] },
    ];
    for (const { body, locs } of cases) {
      const response = await app.inject({ method: 'POST', url: '/auth/verify', payload: body });
      expect(response.statusCode).toBe(422);
      const detail = response.json<{ detail: { loc: string[]; type: string }[] }>().detail;
      expect(detail.map((issue) => issue.loc).sort()).toEqual(locs.sort());
      expect(new Set(detail.map((issue) => issue.type))).toEqual(new Set(['string_too_long']));
    }
  });

  it('counts characters, not UTF-16 units: 256 emoji pass the bound, 257 do not', async () => {
    const emoji = '😀';
    const fits = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username: emoji.repeat(USERNAME_MAX_LENGTH), otp_code: '123456' } });
    expect(fits.statusCode, fits.body).toBe(400);
    const over = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username: emoji.repeat(USERNAME_MAX_LENGTH + 1), otp_code: '123456' } });
    expect(over.statusCode).toBe(422);
  });

  it('documents every bound in OpenAPI', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post: { parameters?: { name: string; schema: { maxLength?: number } }[]; requestBody?: { content: Record<string, { schema: { properties: Record<string, { maxLength?: number }> } }> } } }>;
    }>();
    const generate = spec.paths['/auth/generate']?.post.parameters?.find((parameter) => parameter.name === 'username');
    expect(generate?.schema.maxLength).toBe(USERNAME_MAX_LENGTH);
    const verify = spec.paths['/auth/verify']?.post.requestBody?.content['application/json']?.schema.properties;
    expect(verify?.username?.maxLength).toBe(USERNAME_MAX_LENGTH);
    expect(verify?.otp_code?.maxLength).toBe(CODE_MAX_LENGTH);
  });
});

describe('GraphQL: over-long text is refused before any resolver runs', () => {
  const operations = loadOperations();

  // Every example operation, with each text in its variables made one character too long.
  const overLong = operations.flatMap((operation) =>
    textPaths(exampleVariables[operation.name] ?? {}).map((path) => ({ operation, path })),
  );

  it('finds text to lengthen in the example operations', () => {
    expect(overLong.map(({ operation, path }) => `${operation.name}.${path.join('.')}`)).toEqual(
      expect.arrayContaining(['GenerateOtp.username', 'VerifyOtp.username', 'VerifyOtp.code', 'CreateUser.input.email', 'UpdateUser.input.locale', 'Node.id']),
    );
  });

  it.each(overLong.map(({ operation, path }) => [`${operation.name} ${path.join('.')}`, operation, path] as const))(
    '%s, in variables',
    async (_name, operation, path) => {
      const variables = structuredClone(exampleVariables[operation.name] ?? {});
      // Inside a JSON value (a passkey's answer) every string has the argument's own bound.
      const json = new RegExp(`\\$${String(path[0])}: JSON\\b`).test(operation.source);
      const key = String(json ? path[0] : path[path.length - 1]);
      setAt(variables, path, tooLong(maxLengthByName[key] ?? DEFAULT_MAX_LENGTH));
      const body = await graphql(operation.source, variables);
      expectRefused(body, operation.name);
      expect(body.errors?.[0]?.extensions?.issues?.[0]?.path.slice(1)).toEqual(path);
    },
  );

  it('inline in the document, in a fragment, or in an input object', async () => {
    const name = tooLong(USERNAME_MAX_LENGTH);
    expectRefused(await graphql(`{ user(username: "${name}") { id } }`), 'user');
    expectRefused(await graphql(`query { ...F } fragment F on Query { user(username: "${name}") { id } }`), 'fragment');
    expectRefused(await graphql(`mutation { createUser(input: { username: "${name}", email: "a@example.com" }) { __typename } }`), 'createUser');
    expectRefused(await graphql(`{ users(usernamePrefix: "${name}") { edges { cursor } } }`), 'users');
    expectRefused(await graphql(`mutation { verifyOtp(username: "alice", code: "${tooLong(CODE_MAX_LENGTH, '1')}") { __typename } }`), 'verifyOtp');
  });

  it('lets a value of exactly the bound through, to the rule behind it', async () => {
    const { data } = await graphql(`{ user(username: "${'a'.repeat(USERNAME_MAX_LENGTH)}") { id } }`);
    expect(data).toEqual({ user: null });
  });

  it('documents a bound for every text, list and page size in the schema', async () => {
    const introspection = (await app.inject({ method: 'POST', url: '/graphql', payload: { query: getIntrospectionQuery() } })).json<{ data: IntrospectionQuery }>();
    const schema = buildClientSchema(introspection.data);
    const undocumented: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__')) continue;
      const inputs = isObjectType(type)
        ? Object.values(type.getFields()).flatMap((field) => field.args.map((arg) => ({ at: `${type.name}.${field.name}(${arg.name})`, input: arg })))
        : isInputObjectType(type)
          ? Object.values(type.getFields()).map((field) => ({ at: `${type.name}.${field.name}`, input: field }))
          : [];
      for (const { at, input } of inputs) {
        const named = getNamedType(input.type);
        const list = isListType(isNonNullType(input.type) ? input.type.ofType : input.type);
        const text = isScalarType(named) && !['Int', 'Float', 'Boolean', 'DateTime'].includes(named.name);
        const pageSize = named.name === 'Int' && ['first', 'last'].includes(input.name);
        const documented = /At most \d+ (characters|items)|\d+ characters|No more than 100/.test(input.description ?? '');
        if ((text || list || pageSize) && !documented) undocumented.push(at);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

describe('GraphQL: lists and pages over 100 are refused before any resolver runs', () => {
  it(`nodes(ids:) with ${String(MAX_LIST_ITEMS + 1)} ids, inline or in variables; ${String(MAX_LIST_ITEMS)} pass`, async () => {
    expectRefused(await graphql('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(MAX_LIST_ITEMS + 1) }), 'variables');
    expectRefused(await graphql(`{ nodes(ids: ${JSON.stringify(ids(MAX_LIST_ITEMS + 1))}) { id } }`), 'inline');
    const { data } = await graphql('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ids(MAX_LIST_ITEMS) });
    expect((data?.nodes as unknown[]).length).toBe(MAX_LIST_ITEMS);
  });

  it('first and last over 100, at the root or nested, inline or in variables', async () => {
    expectRefused(await graphql('{ users(first: 101) { edges { cursor } } }'), 'users(first:)');
    expectRefused(await graphql('query ($n: Int) { logs(last: $n) { edges { cursor } } }', { n: 100_000 }), 'logs(last:)');
    expectRefused(await graphql('query ($n: Int) { auditEvents(first: $n) { edges { cursor } } }', { n: 101 }), 'auditEvents(first:)');
    // A nested connection's page is folded into its parent's query: only a check before execution stops it.
    expectRefused(await graphql('{ users(first: 1) { edges { node { logs(first: 101) { edges { cursor } } } } } }'), 'User.logs(first:)');
    const { data } = await graphql('{ users(first: 100) { edges { cursor } } }');
    expect(data?.users).toBeDefined();
  });

  it('_entities with 101 representations, or one with an over-long username', async () => {
    const query = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }';
    const many = Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => ({ __typename: 'User', username: `u${String(i)}` }));
    expectRefused(await graphql(query, { r: many }), '101 representations');
    expectRefused(await graphql(query, { r: [{ __typename: 'User', username: tooLong(USERNAME_MAX_LENGTH) }] }), 'over-long key');
  });
});

describe('a refused request writes nothing', () => {
  it('database size unchanged afterwards', async () => {
    // A real user, so the refused requests could have written about someone who exists.
    const username = await createUser(app, { username: uniqueName('oversized') });
    const before = await databaseSize();
    const name = tooLong(USERNAME_MAX_LENGTH);
    const answers = await Promise.all([
      app.inject({ method: 'POST', url: `/auth/generate?username=${name}` }),
      app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent('x'.repeat(100_000))}` }),
      app.inject({ method: 'POST', url: '/auth/verify', payload: { username: name, otp_code: '123456' } }),
      app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: tooLong(CODE_MAX_LENGTH, '1') } }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([422, 422, 422, 422]);
    for (const [query, variables] of [
      ['mutation ($u: String!) { generateOtp(username: $u) { __typename } }', { u: name }],
      ['mutation ($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename } }', { u: username, c: tooLong(CODE_MAX_LENGTH, '1') }],
      ['mutation ($i: CreateUserInput!) { createUser(input: $i) { __typename } }', { i: { username: name, email: 'a@example.com' } }],
      ['mutation ($i: UpdateUserInput!) { updateUser(input: $i) { __typename } }', { i: { username, locale: tooLong(35) } }],
      ['mutation ($u: String!) { enrollTotp(username: $u) { __typename } }', { u: name }],
      ['mutation ($u: String!) { generateRecoveryCodes(username: $u) { __typename } }', { u: name }],
      ['mutation ($u: String!) { deleteUser(username: $u) { __typename } }', { u: name }],
      ['mutation ($u: String!) { disableTwoFactor(username: $u) { __typename } }', { u: name }],
    ] as const) {
      expectRefused(await graphql(query, variables), query);
    }
    expect(await databaseSize()).toEqual(before);
  });

  it('the audit trail keeps at most 256 characters of a name, whatever path wrote it', async () => {
    const audit = createAuditService({ store: createAuditStore(database), clock: new ManualClock(), logger: { info: () => undefined, warn: () => undefined, error: () => undefined } });
    const context = { ...systemContext('oversized-test'), requestId: uniqueName('request') };
    await audit.record({ event: 'OTP_GENERATE', outcome: 'REFUSED', reason: 'USER_NOT_FOUND', username: `${'é'.repeat(300)}😀` }, context);
    const row = await database.db.auditEvent.findFirst({ where: { requestId: context.requestId } });
    expect(Array.from(row?.username ?? '')).toHaveLength(USERNAME_MAX_LENGTH);
  });
});

describe('/healthz while over-long requests flood in', () => {
  it('answers every probe, promptly', async () => {
    const flood = Array.from({ length: 200 }, () =>
      app.inject({ method: 'POST', url: '/graphql', payload: { query: 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', variables: { ids: ids(5_000) } } }),
    );
    const probes = Array.from({ length: 10 }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, i * 20));
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url: '/healthz' });
      return { status: response.statusCode, ms: performance.now() - started };
    });
    const [answers, health] = await Promise.all([Promise.all(flood), Promise.all(probes)]);
    expect(new Set(answers.map((answer) => answer.json<GraphQLBody>().errors?.[0]?.extensions?.code))).toEqual(new Set(['VALIDATION_FAILED']));
    expect(health.map((probe) => probe.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(Math.max(...health.map((probe) => probe.ms))).toBeLessThan(2_000);
  });
});

/** Paths of every string in `value`. */
function textPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, entry]) => textPaths(entry, [...path, Array.isArray(value) ? Number(key) : key]));
}

function setAt(target: Record<string, unknown>, path: (string | number)[], value: unknown) {
  let current: Record<string | number, unknown> = target;
  for (const key of path.slice(0, -1)) current = current[key] as Record<string | number, unknown>;
  current[path[path.length - 1] ?? ''] = value;
}
