/**
 * The audit trail. The attack it answers is the one nobody notices: a caller (or a stolen
 * service token) grinding through codes, or a flood of sends, with no record of who did it, from
 * where, and how it ended; and, the other way round, a trail that itself leaks codes or tokens to
 * whoever reads it. Every generate and verify is recorded with time, calling service (the token's
 * `sub`), address, user agent, request id, outcome and reason, readable through GraphQL
 * `auditEvents` with `logs:read`, and no code or token value appears in any column of any row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { AuditEventsDocument, type AuditEventsQuery, type AuditEventsQueryVariables } from './generated/graphql.js';
import { TEST_SECRET, useTestApp, type TestApp } from './support/app.js';
import { bearer, callerToken, executeAs, graphqlAs } from './support/callers.js';
import { openTestDatabase } from './support/db.js';
import { createUser, postGenerate, wrongCode } from './support/flows.js';

const ADDRESS = '198.51.100.7';
const USER_AGENT = 'billing-service/2.1 (node)';

/** The trail as a reader with logs:read sees it. */
async function auditEvents(app: TestApp, variables: AuditEventsQueryVariables): Promise<AuditEventsQuery['auditEvents']> {
  const reader = bearer(await callerToken({ sub: 'security-console', scope: 'logs:read' }));
  return (await executeAs(app, reader, AuditEventsDocument, variables)).auditEvents;
}

/** One user's generate, wrong verify, right verify (by a calling service) and an anonymous throttled generate. */
async function story(app: TestApp) {
  const username = await createUser(app);
  const startedAt = new Date(Date.now() - 1000);
  const callerJwt = await callerToken({ sub: 'billing-service', scope: 'otp:generate otp:verify' });
  const headers = (requestId: string) => ({ ...bearer(callerJwt), 'user-agent': USER_AGENT, 'x-request-id': requestId });

  const generated = await graphqlAs(
    app,
    headers('req-generate'),
    `mutation ($u: String!) { generateOtp(username: $u) { __typename ... on GenerateOtpPayload { otpCode } } }`,
    { u: username },
    ADDRESS,
  );
  const code = (generated.body.data?.generateOtp as { otpCode: string }).otpCode;
  expect(code, JSON.stringify(generated.body)).toMatch(/^\d{6}$/);
  const wrong = wrongCode(code);

  const refused = await graphqlAs(
    app,
    headers('req-wrong'),
    `mutation ($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename } }`,
    { u: username, c: wrong },
    ADDRESS,
  );
  expect(refused.body.data?.verifyOtp).toEqual({ __typename: 'InvalidCodeError' });

  const verified = await app.inject({
    method: 'POST',
    url: '/auth/verify',
    headers: headers('req-right'),
    remoteAddress: ADDRESS,
    payload: { username, otp_code: code },
  });
  expect(verified.statusCode, verified.body).toBe(200);
  // Whatever the verification returned (the result token among it) must not reach the trail either.
  const answers = [JSON.stringify(generated.body), JSON.stringify(refused.body), verified.body];

  // An anonymous legacy caller, inside the resend interval: refused by the send throttle.
  expect((await postGenerate(app, username)).statusCode).toBe(429);
  return { username, code, wrong, callerJwt, answers, startedAt };
}

describe('audit trail', () => {
  const app = useTestApp();
  let database: Database;
  let told: Awaited<ReturnType<typeof story>>;
  beforeAll(async () => {
    database = await openTestDatabase();
    told = await story(app);
  });
  afterAll(() => database.close());

  it('shows generate and verify, newest first, with caller, address, user agent, request id, outcome and reason', async () => {
    const { edges } = await auditEvents(app, { username: told.username });
    const events = edges.map((edge) => edge.node).filter((node) => node.event !== 'USER_CREATE');
    const fromBilling = { username: told.username, caller: 'billing-service', ip: ADDRESS, userAgent: USER_AGENT };
    expect(events).toEqual([
      expect.objectContaining({ event: 'THROTTLE', outcome: 'REFUSED', reason: 'RATE_LIMITED', caller: null, ip: '127.0.0.1' }),
      expect.objectContaining({ ...fromBilling, event: 'OTP_VERIFY', outcome: 'SUCCESS', reason: null, method: 'otp', requestId: 'req-right' }),
      expect.objectContaining({ ...fromBilling, event: 'OTP_VERIFY', outcome: 'FAILURE', reason: 'INVALID_CODE', requestId: 'req-wrong' }),
      expect.objectContaining({ ...fromBilling, event: 'OTP_GENERATE', outcome: 'SUCCESS', reason: null, channel: 'EMAIL', requestId: 'req-generate' }),
    ]);
    for (const event of events) {
      expect(new Date(event.createdAt).getTime()).toBeGreaterThanOrEqual(told.startedAt.getTime());
      expect(event.id).toEqual(expect.any(String));
    }
  });

  it('filters by event, outcome and time, and pages', async () => {
    const { username, startedAt } = told;
    const verifies = await auditEvents(app, { username, event: 'OTP_VERIFY' });
    expect(verifies.edges.map((e) => e.node.outcome)).toEqual(['SUCCESS', 'FAILURE']);
    const failures = await auditEvents(app, { username, outcome: 'FAILURE' });
    expect(failures.edges.map((e) => [e.node.event, e.node.reason])).toEqual([['OTP_VERIFY', 'INVALID_CODE']]);

    expect((await auditEvents(app, { username, until: startedAt.toISOString() })).edges).toEqual([]);
    const all = await auditEvents(app, { username, since: startedAt.toISOString() });
    expect(all.edges.length).toBeGreaterThanOrEqual(4);

    const first = await auditEvents(app, { username, first: 2 });
    expect(first.edges).toHaveLength(2);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await auditEvents(app, { username, first: 50, after: first.pageInfo.endCursor });
    expect([...first.edges, ...rest.edges].map((e) => e.node.id)).toEqual(all.edges.map((e) => e.node.id));
  });

  it('holds no code, token or secret in any column of any row, nor in what GraphQL shows', async () => {
    const rows = await database.db.$queryRaw<Record<string, unknown>[]>`
      SELECT * FROM audit_events WHERE username = ${told.username} ORDER BY id`;
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const secrets = [told.code, told.wrong, told.callerJwt, ...told.callerJwt.split('.'), TEST_SECRET, ...tokensIn(told.answers)];
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        for (const secret of secrets) {
          // A number (an id, a timestamp) can hold six digits by chance: it must not be the code.
          if (typeof value === 'string') expect(value, column).not.toContain(secret);
          else expect(String(value), column).not.toBe(secret);
        }
      }
    }
    const shown = JSON.stringify(await auditEvents(app, { username: told.username, first: 50 }));
    for (const secret of secrets) expect(shown).not.toContain(secret);
  });

  it('needs logs:read, and users:read besides for an event’s user', async () => {
    const query = `query ($u: String) { auditEvents(username: $u, first: 1) { edges { node { event user { username } } } } }`;
    const withoutScope = await graphqlAs(app, bearer(await callerToken({ scope: 'otp:generate otp:verify users:read' })), query, {
      u: told.username,
    });
    expect(withoutScope.body.errors?.[0]).toMatchObject({ path: ['auditEvents'], extensions: { code: 'FORBIDDEN' } });

    const logsOnly = await graphqlAs(app, bearer(await callerToken({ scope: 'logs:read' })), query, { u: told.username });
    expect(logsOnly.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(logsOnly.body.errors?.[0]?.path?.at(-1)).toBe('user');

    const both = await graphqlAs(app, bearer(await callerToken({ scope: 'logs:read users:read' })), query, { u: told.username });
    expect(both.body).toEqual({ data: { auditEvents: { edges: [{ node: { event: 'THROTTLE', user: { username: told.username } } }] } } });
  });

  it('reads an event by its global id with node(id:)', async () => {
    const [latest] = (await auditEvents(app, { username: told.username, first: 1 })).edges;
    const node = await graphqlAs(
      app,
      bearer(await callerToken({ scope: 'logs:read' })),
      `query ($id: ID!) { node(id: $id) { __typename ... on AuditEvent { event caller } } }`,
      { id: latest?.node.id },
    );
    expect(node.body).toEqual({ data: { node: { __typename: 'AuditEvent', event: 'THROTTLE', caller: null } } });
  });
});

/** Every JWT-looking value (e.g. a result token) in the given response bodies, and its signature. */
function tokensIn(bodies: string[]): string[] {
  const found = bodies.flatMap((body) => body.match(/[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/g) ?? []);
  return found.flatMap((token) => [token, token.split('.')[2] ?? token]);
}

