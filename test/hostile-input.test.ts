// Attack: hostile input. Whatever a caller sends (wrong types, huge strings, lone surrogates,
// NUL and right-to-left marks, nulls, numbers where strings go, deeply nested JSON or GraphQL,
// broken encodings and content types), the service answers with a 2xx or a 4xx, never a 5xx
// or a masked internal error, and a request it refuses changes nothing.
//
// Property-based (fast-check, fixed seed, RUNS inputs per property: PROPERTY_RUNS, 100 by
// default, 1000 for the thorough run): every REST route and every operation in
// schema/operations/*.graphql, whose variables are generated from their types in the running
// schema, so an operation added there is covered without a change here.
//
// "Changes nothing" is measured on what a request could wrongly create or alter: users (count,
// last update, enrolled secrets), otp_logs (count per status) and recovery codes (count, used).
// Two writes are left out because the rules make them on refusals by design: audit_events (every
// refused generate and verify is audited) and the brute-force counters (a wrong code spends an
// attempt on the code and counts towards the user's lockout: otp_logs.attempts,
// users.failed_verifications, users.locked_until). The app runs on a database of this file's own,
// so nothing another test file does moves the counts.
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildClientSchema,
  getIntrospectionQuery,
  isEnumType,
  isInputType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type IntrospectionQuery,
  type OperationDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { createTestApp, uniqueName, useTestApp, type TestApp } from './support/app.js';
import { createUser, requestCode } from './support/flows.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { PROPERTY_RUNS, propertyTimeoutMs } from './support/property-runs.js';

const SEED = 20_260_601;
const RUNS = PROPERTY_RUNS;
const PROPERTY_TIMEOUT_MS = propertyTimeoutMs(RUNS);

// ─── what a hostile caller sends ────────────────────────────────────────────────────────────

/** Usernames of users that exist, so generated requests also reach the deeper paths. */
const known: string[] = [];
const knownUsername = fc.constantFrom(0, 1, 2, 3).map((i) => known[i] ?? 'nobody');

const nasties = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uDC00\uD800y',
  '\u202Eevil\u202C',
  '\u200F\u05E9\u05DC\u05D5\u05DD',
  '\u0627\u0644\u0633\u0644\u0627\u0645',
  '\uFEFF',
  '\u0085\u2028\u2029',
  '\uFFFD\uFFFF',
  '\uFDFA',
  '\u{1D54F}\u{1F642}\u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
  'e\u0301\u0301\u0301',
  '\u0130\u00DF',
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  '%00%ff',
  '%s%n%x',
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '000000',
  '123456',
  '１２３４５６',
  '١٢٣٤٥٦',
  ' 123456 ',
  '9'.repeat(400),
  'alice@example.com',
  '+15005550006',
  '+999',
  '\r\nX-Injected: 1',
  '\\',
  '"',
  '{}',
  '[]',
];
const nasty = fc.constantFrom(...nasties);
const huge = fc.constantFrom(5_000, 100_000, 1_100_000).map((n) => 'A'.repeat(n));
const sixDigits = fc.stringMatching(/^\d{6}$/);

/** Any string a caller could send, weighted towards the ones that have broken services. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 8, arbitrary: nasty },
  { weight: 4, arbitrary: fc.array(fc.oneof(nasty, fc.string({ unit: 'binary-ascii', maxLength: 4 })), { maxLength: 5 }).map((parts) => parts.join('')) },
  { weight: 6, arbitrary: knownUsername },
  { weight: 2, arbitrary: sixDigits },
  { weight: 1, arbitrary: huge },
);
const hostileKey = fc.oneof(fc.constantFrom('username', 'otp_code', '__proto__', 'constructor', 'prototype', ''), fc.string({ unit: 'binary', maxLength: 8 }));

/** Any JSON value: every type where any other was expected, nested a few levels. */
const { json: anyJson } = fc.letrec<{ json: unknown }>((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, -0, 1e308, 123456),
    hostileString,
    fc.array(tie('json'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('json'), { maxKeys: 4 }),
  ),
}));

/** JSON text nested far deeper than any request needs: arrays, objects, or both. */
const deepJsonText = fc
  .record({ depth: fc.integer({ min: 50, max: 20_000 }), kind: fc.constantFrom('array', 'object', 'mixed') })
  .map(({ depth, kind }) => {
    const open = kind === 'array' ? '[' : kind === 'object' ? '{"a":' : '[{"a":';
    const close = kind === 'array' ? ']' : kind === 'object' ? '}' : '}]';
    return `${open.repeat(depth)}"x"${close.repeat(depth)}`;
  });

/** An arbitrary value as JSON text, now and then one nested very deep. */
const anyJsonText = fc.oneof({ weight: 5, arbitrary: anyJson.map((value) => JSON.stringify(value)) }, { weight: 1, arbitrary: deepJsonText });

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'APPLICATION/JSON',
  'application/graphql',
  'application/graphql-response+json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'text/plain',
  'text/html',
  'application/xml',
  'application/octet-stream',
  '*/*',
  'application/',
  ';;;',
  'json',
);

/** Bytes that are not valid UTF-8 (lone continuation bytes, an encoded surrogate, overlongs). */
const badUtf8 = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xff, 0xfe, 0x7b, 0x00]), Buffer.from('{"username":"\xff"}', 'latin1')),
);

/** A header value a client can send (printable ASCII; what HTTP itself allows). */
const headerValue = fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), fc.constantFrom('Bearer ', 'Bearer x.y.z', `Bearer ${'a'.repeat(9000)}`, 'Basic Zm9vOmJhcg==', 'bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'));

/** Extra headers now and then: a bogus token, odd Accept, a spoofed forwarder. */
const extraHeaders = fc.record(
  {
    authorization: headerValue,
    accept: fc.constantFrom('*/*', 'text/html', 'application/xml', 'application/graphql-response+json', 'x/y;q=abc'),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', 'not an ip', '::1, 10.0.0.1', ''),
    'x-request-id': headerValue,
  },
  { requiredKeys: [] },
);
/** Most requests carry no token (anonymous callers have every scope here), some a broken one. */
const someHeaders = fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extraHeaders });

/** One query-string byte sequence: percent-encoded bytes (any, so invalid UTF-8 too) or raw ASCII. */
const queryText = fc.oneof(
  fc.uint8Array({ maxLength: 24 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 24 }).map((text) => text.replace(/[#\s]/g, '')),
  hostileString.map((text) => encodeURIComponentLoose(text)),
  fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%00', '+', '&', '=', '[]', '[a]=b'),
);

/** Whole query strings: no username, one, several, empty, as an array, mangled. */
const queryString = fc.oneof(
  { weight: 4, arbitrary: queryText.map((value) => `username=${value}`) },
  {
    weight: 4,
    arbitrary: fc.array(fc.tuple(fc.oneof(fc.constant('username'), fc.constant('username[]'), queryText), queryText), { maxLength: 5 }).map((pairs) =>
      pairs.map(([key, value]) => `${key}=${value}`).join('&'),
    ),
  },
  { weight: 2, arbitrary: fc.array(queryText, { maxLength: 4 }).map((parts) => parts.join('&')) },
  { weight: 1, arbitrary: huge.map((text) => `username=${text}`) },
);

function encodeURIComponentLoose(text: string): string {
  // encodeURIComponent throws on a lone surrogate; send the bytes of an encoded surrogate instead.
  return Array.from(text).map((char) => (/^[\uD800-\uDFFF]$/.test(char) ? '%ED%A0%80' : encodeURIComponent(char))).join('');
}

// ─── GraphQL variables from their types ────────────────────────────────────────────────────

/** A value for a GraphQL input type: mostly well-typed and hostile inside, sometimes wrong. */
function valueFor(schema: GraphQLSchema, type: GraphQLInputType, depth = 0): fc.Arbitrary<unknown> {
  const wrong = anyJson;
  if (isNonNullType(type)) {
    return fc.oneof({ weight: 8, arbitrary: valueFor(schema, type.ofType, depth).filter((v) => v !== null) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrong });
  }
  const inner = ((): fc.Arbitrary<unknown> => {
    if (depth > 4) return wrong;
    if (isListType(type)) {
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(valueFor(schema, type.ofType, depth + 1), { maxLength: 5 }) },
        { weight: 2, arbitrary: valueFor(schema, type.ofType, depth + 1) },
        { weight: 1, arbitrary: fc.array(fc.constant('x'), { minLength: 1000, maxLength: 2000 }) },
      );
    }
    if (isEnumType(type)) return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...type.getValues().map((v) => v.name)) }, { weight: 1, arbitrary: hostileString });
    if (isInputObjectType(type)) {
      const fields = Object.fromEntries(Object.values(type.getFields()).map((field) => [field.name, valueFor(schema, field.type, depth + 1)]));
      return fc.oneof(
        { weight: 6, arbitrary: fc.record(fields, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(hostileKey, anyJson, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a })) },
        { weight: 1, arbitrary: wrong },
      );
    }
    if (isScalarType(type)) return scalarValue(type.name);
    return wrong;
  })();
  return fc.oneof({ weight: 8, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: wrong });
}

function scalarValue(name: string): fc.Arbitrary<unknown> {
  switch (name) {
    case 'Int':
      return fc.oneof(fc.integer({ min: -5, max: 200 }), fc.integer(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1.5, -0), hostileString);
    case 'Float':
      return fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), hostileString);
    case 'Boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1));
    case 'ID':
      return fc.oneof(
        hostileString,
        fc.tuple(fc.constantFrom('User', 'OtpLog', 'AuditEvent', 'Nope', ''), fc.oneof(fc.nat(), hostileString)).map(([kind, id]) =>
          Buffer.from(`${kind}:${String(id)}`).toString('base64'),
        ),
      );
    case 'DateTime':
      return fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.constantFrom('2024-02-30T00:00:00Z', '0000-00-00', '9999-12-31T23:59:59.999Z', '1970-01-01'), hostileString, fc.integer());
    case 'EmailAddress':
      return fc.oneof(fc.emailAddress(), hostileString, hostileString.map((local) => `${local}@example.com`));
    case 'PhoneNumber':
      return fc.oneof(fc.stringMatching(/^\+[1-9]\d{1,14}$/), fc.constantFrom('+15005550006', '+4915112345678', '+1900555000', '+999999999999999'), hostileString);
    default:
      return fc.oneof(hostileString, anyJson);
  }
}

interface Operation {
  name: string;
  kind: 'query' | 'mutation' | 'subscription';
  source: string;
  definition: OperationDefinitionNode;
}

/** Every operation in schema/operations (read when the tests are collected: one test each). */
const operations: Operation[] = readdirSync(join(import.meta.dirname, '..', 'schema', 'operations'))
  .filter((file) => file.endsWith('.graphql'))
  .sort()
  .flatMap((file) => {
    const source = readFileSync(join(import.meta.dirname, '..', 'schema', 'operations', file), 'utf8');
    return parse(source)
      .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
      .map((definition) => ({ name: definition.name?.value ?? file, kind: definition.operation, source, definition }));
  });

/** Variables for an operation, from their types in the running schema (plus, now and then, unknown ones). */
function variablesFor(schema: GraphQLSchema, { name, definition }: Operation): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    (definition.variableDefinitions ?? []).map((variable) => {
      const type = typeFromAST(schema, variable.type);
      if (!type || !isInputType(type)) throw new Error(`${name}: unknown type of $${variable.variable.name.value}`);
      return [variable.variable.name.value, valueFor(schema, type)];
    }),
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.record(fields, { requiredKeys: [] }) },
    { weight: 1, arbitrary: fc.tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(hostileKey, anyJson, { maxKeys: 3 })).map(([a, b]) => ({ ...b, ...a })) },
  );
}

// ─── GraphQL documents nobody should write ─────────────────────────────────────────────────

const deepSelection = fc.integer({ min: 5, max: 300 }).map((depth) => {
  let selection = 'username';
  for (let i = 0; i < depth; i++) selection = i % 2 === 0 ? `logs(first: 1) { edges { node { user { ${selection} } } } }` : selection;
  return `{ users(first: 1) { edges { node { ${selection} } } } }`;
});
const deepListArgument = fc.integer({ min: 10, max: 20_000 }).map((depth) => `{ users(usernamePrefix: ${'['.repeat(depth)}"a"${']'.repeat(depth)}) { pageInfo { hasNextPage } } }`);
const deepObjectArgument = fc.integer({ min: 10, max: 20_000 }).map((depth) => `mutation { createUser(input: ${'{a:'.repeat(depth)}1${'}'.repeat(depth)}) { __typename } }`);
const manyAliases = fc.integer({ min: 10, max: 5000 }).map((count) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: users(first: 100) { edges { cursor } }`).join(' ')} }`);
const manyDirectives = fc.integer({ min: 10, max: 5000 }).map((count) => `{ __typename ${'@include(if: true) '.repeat(count)}}`);
const fragmentCycle = fc.constant('fragment A on Query { ...B } fragment B on Query { ...A } { ...A }');
const deepIntrospection = fc.integer({ min: 5, max: 200 }).map((depth) => `{ __schema { types { ${'fields { type { '.repeat(depth)}name${' } }'.repeat(depth)} } } }`);
const manyOperations = fc.integer({ min: 2, max: 2000 }).map((count) => Array.from({ length: count }, (_, i) => `query Q${i} { __typename }`).join('\n'));

// ─── checking an answer ────────────────────────────────────────────────────────────────────

type Verdict = 'accepted' | 'rejected';

function describeRequest(request: InjectOptions): string {
  const payload = request.payload;
  const text =
    payload === undefined
      ? ''
      : typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? `<${payload.length} bytes> ${payload.toString('hex').slice(0, 200)}`
          : JSON.stringify(payload);
  const url = typeof request.url === 'string' ? request.url : JSON.stringify(request.url);
  return `${String(request.method)} ${url.slice(0, 300)} headers=${JSON.stringify(request.headers)} body=${text.slice(0, 300)}`;
}

/** The reply of a REST route: a 2xx, or a 4xx with FastAPI's `detail`; never a 5xx. */
function restVerdict(response: LightMyRequestResponse): Verdict {
  if (response.statusCode >= 500) throw new Error(`a ${response.statusCode}: ${response.body.slice(0, 500)}`);
  if (response.statusCode < 400) return 'accepted';
  const body = readJson(response);
  if (!body || typeof body !== 'object' || !('detail' in body) || !(typeof body.detail === 'string' || Array.isArray(body.detail))) {
    throw new Error(`a ${response.statusCode} without a JSON detail: ${response.body.slice(0, 500)}`);
  }
  return 'rejected';
}

interface GraphqlBody {
  data?: Record<string, unknown> | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/**
 * The reply of /graphql: never a 5xx, never a masked internal error. It counts as accepted
 * when some field of the result is a success (neither null nor a typed error).
 */
function graphqlVerdict(response: LightMyRequestResponse): Verdict {
  if (response.statusCode >= 500) throw new Error(`a ${response.statusCode}: ${response.body.slice(0, 500)}`);
  const parsed = readJson(response);
  if (typeof parsed !== 'object' || parsed === null) {
    // GraphiQL's page for a browser's GET, an empty answer (OPTIONS, HEAD, 406), or a 4xx from
    // Fastify before Yoga (e.g. 413)
    const page = /text\/html/.test(String(response.headers['content-type']));
    if (response.statusCode < 400 && !page && response.body !== '') {
      throw new Error(`a ${response.statusCode} that is neither JSON nor GraphiQL: ${response.body.slice(0, 300)}`);
    }
    return 'rejected';
  }
  const body: GraphqlBody = parsed;
  const internal = body.errors?.find((e) => e.extensions?.code === 'INTERNAL_SERVER_ERROR' || /^Unexpected error/.test(e.message ?? ''));
  if (internal) throw new Error(`a masked internal error (${response.statusCode}): ${response.body.slice(0, 500)}`);
  const succeeded = Object.values(body.data ?? {}).some((value) => {
    if (value === null || value === undefined) return false;
    const typename = (value as { __typename?: unknown }).__typename;
    return !(typeof typename === 'string' && typename.endsWith('Error'));
  });
  return response.statusCode < 400 && succeeded ? 'accepted' : 'rejected';
}

function readJson(response: LightMyRequestResponse): unknown {
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return undefined;
  }
}

// ─── the properties ────────────────────────────────────────────────────────────────────────

describe('hostile input to every REST route and GraphQL operation', () => {
  let privateDb: PrivateDatabase;
  let app: TestApp;
  let database: Database;
  let schema: GraphQLSchema;
  let state: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  /** What a refused request must leave as it was (see the top of the file for what is left out). */
  async function snapshot(): Promise<string> {
    const [row] = await database.db.$queryRaw<Record<string, unknown>[]>`
      SELECT (SELECT count(*) FROM users) AS users,
             (SELECT max(updated_at) FROM users) AS users_updated,
             (SELECT count(totp_secret) FROM users) AS totp_secrets,
             (SELECT count(totp_pending_secret) FROM users) AS pending_totp_secrets,
             (SELECT count(*) FROM otp_logs) AS otp_logs,
             (SELECT count(*) FROM otp_logs WHERE status = 'ACTIVE') AS active_codes,
             (SELECT count(*) FROM otp_logs WHERE status = 'USED') AS used_codes,
             (SELECT count(*) FROM otp_logs WHERE status = 'SUPERSEDED') AS superseded_codes,
             (SELECT count(*) FROM recovery_codes) AS recovery_codes,
             (SELECT count(used_at) FROM recovery_codes) AS used_recovery_codes`;
    return JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? Number(value) : value instanceof Date ? value.toISOString() : value));
  }

  /**
   * Sends a request (or several reads) and checks each answer; a refused request, and any read,
   * must leave the state as it was. The state after one probe is the state before the next:
   * nothing else writes to this database.
   */
  async function probe(requests: InjectOptions | InjectOptions[], verdictOf: (response: LightMyRequestResponse) => Verdict, { read = false } = {}) {
    const sent = Array.isArray(requests) ? requests : [requests];
    let verdict: Verdict = 'rejected';
    let last: LightMyRequestResponse | undefined;
    for (const request of sent) {
      last = await app.inject(request);
      try {
        verdict = verdictOf(last);
      } catch (error) {
        throw new Error(`${(error as Error).message}\n  for ${describeRequest(request)}`, { cause: error });
      }
    }
    const after = await snapshot();
    if (after !== state && (verdict === 'rejected' || read)) {
      const was = state;
      state = after;
      throw new Error(
        `a ${read ? 'read' : 'refused request'} (${String(last?.statusCode)}) changed the state\n  before ${was}\n  after  ${after}\n` +
          `  answer ${last?.body.slice(0, 300) ?? ''}\n  for ${sent.map(describeRequest).join('\n  and ')}`,
      );
    }
    state = after;
  }

  const check = <T>(property: fc.IAsyncProperty<T>) => fc.assert(property, { seed: SEED, numRuns: RUNS });

  beforeAll(async () => {
    privateDb = await createPrivateDatabase('hostile');
    cleanups.push(() => privateDb.drop());
    app = await createTestApp({
      DATABASE_URL: privateDb.url,
      ALLOW_ANONYMOUS_CALLERS: 'true',
      IP_RATE_LIMIT: '1000000',
      GRAPHQL_INTROSPECTION: 'true',
      GRAPHIQL: 'true',
    });
    cleanups.push(() => app.close());
    database = createDatabase(parseConfig({ DATABASE_URL: privateDb.url }).database);
    cleanups.push(() => database.close());
    await database.init();
    const introspection = await app.inject({ method: 'POST', url: '/graphql', payload: { query: getIntrospectionQuery() } });
    schema = buildClientSchema(introspection.json<{ data: IntrospectionQuery }>().data);

    // Users in each state the deeper paths care about: a pending code, SMS, two-factor off.
    const withCode = await createUser(app, { username: uniqueName('hostile') });
    await requestCode(app, withCode);
    known.push(withCode);
    known.push(await createUser(app, { username: uniqueName('hostile'), email: null, phoneNumber: '+4915112345678', deliveryMethod: 'SMS' }));
    known.push(await createUser(app, { username: uniqueName('hostile'), otpEnabled: false }));
    known.push(await createUser(app, { username: uniqueName('hostile') }));
    state = await snapshot();
  }, 60_000);

  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(`GET /, /healthz and /readyz: ${RUNS} query strings and header sets, never a 5xx or a write`, async () => {
    await check(
      fc.asyncProperty(queryString, someHeaders, async (query, headers) => {
        const requests = ['/', '/healthz', '/readyz'].map((path): InjectOptions => ({ method: 'GET', url: `${path}?${query}`, headers }));
        await probe(requests, restVerdict, { read: true });
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it(`POST /auth/generate: ${RUNS} query strings, bodies and headers`, async () => {
    await check(
      fc.asyncProperty(queryString, fc.option(anyJsonText, { nil: undefined }), contentType, someHeaders, async (query, payload, type, headers) => {
        await probe(
          { method: 'POST', url: `/auth/generate?${query}`, payload, headers: { ...headers, ...(type ? { 'content-type': type } : {}) } },
          restVerdict,
        );
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it(`POST /auth/verify: ${RUNS} JSON and non-JSON bodies under every content type`, async () => {
    const verifyBody = fc.oneof(
      { weight: 4, arbitrary: fc.record({ username: fc.oneof(hostileString, anyJson), otp_code: fc.oneof(sixDigits, hostileString, anyJson) }, { requiredKeys: [] }).map((body) => JSON.stringify(body)) },
      { weight: 2, arbitrary: fc.tuple(knownUsername, fc.oneof(sixDigits, fc.integer(), hostileString)).map(([username, code]) => JSON.stringify({ username, otp_code: code })) },
      { weight: 2, arbitrary: anyJsonText },
      { weight: 1, arbitrary: fc.tuple(knownUsername, deepJsonText).map(([username, deep]) => `{"username":${JSON.stringify(username)},"otp_code":${deep}}`) },
      { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"username":"x"},"otp_code":"1"}', '{"constructor":{"prototype":{"a":1}}}', '{"username":"a","username":"b","otp_code":"123456"}', '{"username":"a","otp_code":"123456"', '', 'null', '"string"', '1e999', '\u0000') },
      { weight: 1, arbitrary: hostileString },
      { weight: 1, arbitrary: badUtf8 },
    );
    await check(
      fc.asyncProperty(verifyBody, contentType, someHeaders, async (payload, type, headers) => {
        await probe({ method: 'POST', url: '/auth/verify', payload, headers: { ...headers, ...(type ? { 'content-type': type } : {}) } }, restVerdict);
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it('finds the operations to test in schema/operations', () => {
    expect(operations.map((operation) => operation.name)).toEqual(expect.arrayContaining(['CreateUser', 'GenerateOtp', 'VerifyOtp', 'Users', 'User', 'Logs']));
  });

  for (const operation of operations) {
    it(`${operation.kind} ${operation.name}: ${RUNS} generated variables, never a 5xx${operation.kind === 'query' ? ' or a write' : ' or a write from a refusal'}`, async () => {
      await check(
        fc.asyncProperty(variablesFor(schema, operation), someHeaders, async (variables, headers) => {
          await probe(
            { method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json' }, payload: { query: operation.source, variables, operationName: operation.name } },
            graphqlVerdict,
            { read: operation.kind === 'query' },
          );
        }),
      );
    }, PROPERTY_TIMEOUT_MS);
  }

  it(`/graphql: ${RUNS} documents, from garbage to deep nesting, alias and directive floods`, async () => {
    const operationSources = operations.map((operation) => operation.source);
    const mangled = fc.tuple(fc.constantFrom(...operationSources), fc.nat(), fc.nat(), hostileString).map(([source, at, cut, insert]) => {
      const i = at % (source.length + 1);
      return source.slice(0, i) + insert + source.slice(i + (cut % 20));
    });
    const document = fc.oneof(
      hostileString,
      mangled,
      deepSelection,
      deepListArgument,
      deepObjectArgument,
      manyAliases,
      manyDirectives,
      fragmentCycle,
      deepIntrospection,
      manyOperations,
    );
    await check(
      fc.asyncProperty(document, fc.option(anyJson, { nil: undefined }), someHeaders, async (query, variables, headers) => {
        const mutation = /\bmutation\b/.test(query);
        await probe(
          { method: 'POST', url: '/graphql', headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify({ query, variables }) },
          graphqlVerdict,
          { read: !mutation },
        );
      }),
    );
  }, PROPERTY_TIMEOUT_MS);

  it(`/graphql: ${RUNS} broken envelopes: methods, content types, bodies, variables and extensions of any type`, async () => {
    const operationSources = operations.map((operation) => operation.source);
    const envelope = fc.record(
      {
        query: fc.oneof(fc.constantFrom(...operationSources), hostileString, anyJson),
        variables: fc.oneof(anyJson, anyJsonText),
        operationName: fc.oneof(hostileString, anyJson),
        extensions: fc.oneof(anyJson, fc.record({ persistedQuery: fc.oneof(anyJson, fc.record({ version: anyJson, sha256Hash: fc.oneof(hostileString, fc.stringMatching(/^[0-9a-f]{64}$/)) })) })),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      { weight: 4, arbitrary: envelope.map((value) => JSON.stringify(value)) },
      { weight: 1, arbitrary: anyJsonText },
      { weight: 1, arbitrary: badUtf8 },
      { weight: 1, arbitrary: hostileString },
    );
    const request = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(body, contentType).map(([payload, type]): InjectOptions => ({ method: 'POST', url: '/graphql', payload, headers: type ? { 'content-type': type } : {} })) },
      {
        weight: 2,
        arbitrary: fc.tuple(queryString, fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD'), fc.boolean()).map(
          ([query, method, csrf]): InjectOptions => ({
            method,
            url: `/graphql?${query.replace(/^username=/, 'query=')}`,
            headers: csrf ? { 'x-graphql-yoga-csrf': '1' } : {},
          }),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(fc.constantFrom(...operationSources), anyJson).map(
          ([source, variables]): InjectOptions => ({
            method: 'GET',
            url: `/graphql?query=${encodeURIComponent(source)}&variables=${encodeURIComponentLoose(JSON.stringify(variables))}`,
            headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
          }),
        ),
      },
    );
    await check(
      fc.asyncProperty(request, someHeaders, async (options, headers) => {
        const merged = { ...options, headers: { ...headers, ...options.headers } };
        const payloadText = typeof options.payload === 'string' ? options.payload : '';
        await probe(merged, graphqlVerdict, { read: !/\bmutation\b/.test(payloadText) && options.method !== 'POST' });
      }),
    );
  }, PROPERTY_TIMEOUT_MS);
});

// ─── what the properties found, pinned ─────────────────────────────────────────────────────

describe('counterexamples the properties found, on every surface', () => {
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '1000000' });

  /** Variables that put `username` wherever an operation takes a username. */
  function withUsername(operation: Operation, username: string): Record<string, unknown> | undefined {
    const names = new Set((operation.definition.variableDefinitions ?? []).map((v) => v.variable.name.value));
    if (names.has('input')) return { input: { username, email: 'someone@example.com' } };
    const variables: Record<string, unknown> = {};
    for (const name of names) {
      if (/^username(Prefix)?$/.test(name)) variables[name] = username;
      if (name === 'code') variables[name] = '123456';
    }
    return Object.keys(variables).some((name) => name.startsWith('username')) ? variables : undefined;
  }

  /** Every surface that takes a username, asked with this one: the answers that are server errors. */
  async function serverErrorsFor(username: string): Promise<string[]> {
    const failures: string[] = [];
    const rest = [
      ['REST generate', await app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponentLoose(username)}` })],
      ['REST verify', await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: '123456' } })],
    ] as const;
    for (const [surface, response] of rest) {
      if (response.statusCode >= 500) failures.push(`${surface}: ${response.statusCode} ${response.body}`);
    }
    for (const operation of operations) {
      const variables = withUsername(operation, username);
      if (!variables) continue;
      const response = await app.inject({ method: 'POST', url: '/graphql', payload: { query: operation.source, variables, operationName: operation.name } });
      try {
        graphqlVerdict(response);
      } catch (error) {
        failures.push(`GraphQL ${operation.name}: ${(error as Error).message.slice(0, 200)}`);
      }
    }
    return failures;
  }

  // A lone surrogate cannot be stored or even looked up: Prisma's engine refuses the JSON that
  // carries it ("lone leading surrogate in hex escape"), which came back as a 500 / internal error.
  it.each(['\uD800', 'a\uDFFFb'])('a username with a lone surrogate (%j) gets a 4xx or a typed error, never a server error', async (username) => {
    expect(await serverErrorsFor(username)).toEqual([]);
  });

  // PostgreSQL text cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00").
  it.each(['\u0000', 'a\u0000b'])('a username with a NUL (%j) gets a 4xx or a typed error, never a server error', async (username) => {
    expect(await serverErrorsFor(username)).toEqual([]);
  });

  // A global id is base64 of "Type:key"; a key that is not a number reached the database as NaN.
  it.each(['User:abc', 'User:99999999999999999999', 'OtpLog:x', 'User:\u0000'])('node and nodes with the global id of %j answer null or a clean error', async (raw) => {
    const id = Buffer.from(raw).toString('base64');
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query: 'query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }', variables: { id } },
    });
    expect(() => graphqlVerdict(response)).not.toThrow();
  });
});
