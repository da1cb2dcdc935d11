// Attack: a user's own token reaching someone else. A frontend holds a `self` token for the
// signed-in user A (its `sub`); whoever steals it, or a bug in the frontend, must get nothing
// of user B by any road: B's name, B's global id, node(s), the gateway's _entities, B's passkey
// id, B's remembered devices, the lists, the logs, webhooks, administration. And with A's own token, binding or removing
// a factor needs a recent verification of A (NIST SP 800-63B rev 4 §4.1), unless A has none.
import { encodeGlobalID } from '@pothos/plugin-relay';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, uniqueName, useTestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs, type GraphQLAnswer } from './support/callers.js';
import { createUser } from './support/flows.js';
import { ISSUER, issuerKey, startJwksIssuer, type JwksIssuer } from './support/jwks-issuer.js';
import { enrolledAuthenticator, passkeyEnv } from './support/passkeys.js';

const clock = new ManualClock();
const app = useTestApp({ ...passkeyEnv }, { clock });

const selfToken = (username: string, scope = 'self') => callerToken({ sub: username, scope });

/** The codes of every error in a GraphQL answer, and the typename of each field's union member. */
function refusals(answer: GraphQLAnswer): string[] {
  const codes = (answer.body.errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : error.message));
  for (const value of Object.values(answer.body.data ?? {})) {
    if (value && typeof value === 'object' && '__typename' in value) codes.push(String(value.__typename));
  }
  return codes;
}

/** Whether the answer refuses as FORBIDDEN (a field's error, or its ForbiddenError member) and returns no data of B. */
function expectForbidden(answer: GraphQLAnswer, B: string) {
  const all = refusals(answer);
  expect(all.length, JSON.stringify(answer.body)).toBeGreaterThan(0);
  for (const code of all) expect(['FORBIDDEN', 'ForbiddenError'], JSON.stringify(answer.body)).toContain(code);
  expect(JSON.stringify(answer.body)).not.toContain(B);
}

describe('a self token acts on its own user only', () => {
  let A: string;
  let B: string;
  let idOfB: string;
  let passkeyOfB: string;
  let tokenA: string;

  beforeAll(async () => {
    A = await createUser(app);
    B = await createUser(app);
    await enrolledAuthenticator(app, B);
    const read = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { id passkeys { id } } }`, { u: B });
    const user = read.body.data?.user as { id: string; passkeys: { id: string }[] };
    idOfB = user.id;
    passkeyOfB = user.passkeys[0]?.id ?? '';
    tokenA = await selfToken(A);
  });

  it('reads its own user, factors and audit events', async () => {
    const answer = await graphqlAs(
      app,
      bearer(tokenA),
      `query($u: String!) { user(username: $u) { username email factors { kind } auditEvents(first: 5) { edges { node { event user { username } } } } } }`,
      { u: A },
    );
    expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
    const user = answer.body.data?.user as { username: string; email: string; factors: { kind: string }[]; auditEvents: { edges: unknown[] } };
    expect(user.username).toBe(A);
    expect(user.email).toBe('alice@example.com');
    expect(user.factors.map((factor) => factor.kind)).toContain('EMAIL_CODE');
    expect(user.auditEvents.edges.length).toBeGreaterThan(0);
  });

  it('generates and verifies its own codes on REST, and is refused B’s', async () => {
    const generated = await app.inject({ method: 'POST', url: `/auth/generate?username=${A}`, headers: bearer(tokenA) });
    expect(generated.statusCode, generated.body).toBe(200);
    const code = generated.json<{ otp_code: string }>().otp_code;
    const verified = await app.inject({ method: 'POST', url: '/auth/verify', headers: bearer(tokenA), payload: { username: A, otp_code: code, remember_device: true } });
    expect(verified.statusCode, verified.body).toBe(200);
    const { device_token: deviceToken, device } = verified.json<{ device_token: string; device: { id: number | string } }>();
    // its own remembered device: checked, listed and revoked with the same token
    const checked = await app.inject({ method: 'POST', url: '/auth/verify-device', headers: bearer(tokenA), payload: { username: A, device_token: deviceToken } });
    expect(checked.statusCode, checked.body).toBe(200);
    const listed = await graphqlAs(app, bearer(tokenA), 'query($u: String!) { user(username: $u) { devices { id revokedAt } } }', { u: A });
    expect(listed.body.data?.user, JSON.stringify(listed.body)).toEqual({ devices: [{ id: String(device.id), revokedAt: null }] });
    const revoked = await graphqlAs(app, bearer(tokenA), 'mutation($u: String!, $id: ID!) { revokeDevice(username: $u, id: $id) { __typename } }', {
      u: A,
      id: String(device.id),
    });
    expect(revoked.body.data?.revokeDevice, JSON.stringify(revoked.body)).toEqual({ __typename: 'RememberedDevice' });

    const generateB = await app.inject({ method: 'POST', url: `/auth/generate?username=${B}`, headers: bearer(tokenA) });
    expect(generateB.statusCode, generateB.body).toBe(403);
    const verifyB = await app.inject({ method: 'POST', url: '/auth/verify', headers: bearer(tokenA), payload: { username: B, otp_code: '123456' } });
    expect(verifyB.statusCode, verifyB.body).toBe(403);
    const deviceB = await app.inject({ method: 'POST', url: '/auth/verify-device', headers: bearer(tokenA), payload: { username: B, device_token: 'fdt_x' } });
    expect(deviceB.statusCode, deviceB.body).toBe(403);
    // and nothing was sent to B
    const logs = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { logs(first: 1) { edges { node { id } } } } }`, { u: B });
    expect((logs.body.data?.user as { logs: { edges: unknown[] } }).logs.edges).toHaveLength(0);
  });

  it('is refused B by every road on GraphQL', async () => {
    const passkeyIdOfA = encodeGlobalID('Passkey', '999999999');
    const roads: [string, Record<string, unknown>][] = [
      ['query($u: String!) { user(username: $u) { username } }', { u: B }],
      ['query($u: String!) { user(username: $u) { email } }', { u: B }],
      ['query($id: ID!) { node(id: $id) { id ... on User { username } } }', { id: idOfB }],
      ['query($id: ID!) { nodes(ids: [$id]) { id } }', { id: idOfB }],
      ['query($id: ID!) { node(id: $id) { id } }', { id: passkeyOfB }],
      ['query($u: String!) { _entities(representations: [{ __typename: "User", username: $u }]) { ... on User { username } } }', { u: B }],
      ['query { users(first: 5) { edges { node { username } } } }', {}],
      ['query { auditEvents(first: 5) { edges { node { username } } } }', {}],
      ['query { logs(first: 5) { edges { node { id } } } }', {}],
      ['query { webhookEndpoints { __typename } }', {}],
      ['query { webhookDeliveries { __typename } }', {}],
      ['mutation($u: String!) { generateOtp(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { verifyOtp(username: $u, code: "123456") { __typename } }', { u: B }],
      ['mutation($u: String!) { enrollTotp(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { confirmTotp(username: $u, code: "123456") { __typename } }', { u: B }],
      ['mutation($u: String!) { generateRecoveryCodes(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { startPasskeyRegistration(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { startPasskeyVerification(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { verifyPasskey(username: $u, response: {}) { __typename } }', { u: B }],
      ['query($u: String!) { user(username: $u) { devices { id } } }', { u: B }],
      ['mutation($u: String!) { verifyDevice(username: $u, deviceToken: "fdt_x") { __typename } }', { u: B }],
      ['mutation($u: String!) { revokeDevice(username: $u, id: "1") { __typename } }', { u: B }],
      ['mutation($u: String!) { revokeAllDevices(username: $u) { __typename } }', { u: B }],
      // A's own name with B's passkey
      ['mutation($u: String!, $id: ID!) { renamePasskey(username: $u, id: $id, name: "mine") { __typename } }', { u: A, id: passkeyOfB }],
      ['mutation($u: String!, $id: ID!) { removePasskey(username: $u, id: $id) { __typename } }', { u: A, id: passkeyOfB }],
      ['mutation($u: String!, $id: ID!) { removePasskey(username: $u, id: $id) { __typename } }', { u: B, id: passkeyOfB }],
      ['mutation($u: String!, $id: ID!) { removePasskey(username: $u, id: $id) { __typename } }', { u: A, id: passkeyIdOfA }],
      ['mutation($u: String!) { createUser(input: { username: $u }) { __typename } }', { u: uniqueName() }],
      ['mutation($u: String!) { updateUser(input: { username: $u, otpEnabled: false }) { __typename } }', { u: B }],
      ['mutation($u: String!) { disableTwoFactor(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { reinstateTwoFactor(username: $u) { __typename } }', { u: B }],
      ['mutation($u: String!) { deleteUser(username: $u) { __typename } }', { u: B }],
      ['mutation { createWebhookEndpoint(input: { url: "https://example.com/hook", events: [DELIVERY_FAILED] }) { __typename } }', {}],
    ];
    for (const token of [tokenA, await selfToken(A, 'self users:read users:write logs:read otp:generate')]) {
      for (const [query, variables] of roads) {
        const answer = await graphqlAs(app, bearer(token), query, variables);
        expect(answer.statusCode, query).toBeLessThan(500);
        expectForbidden(answer, B);
      }
    }
    // B is untouched: still there, two-factor on, its passkey kept
    const read = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { otpEnabled passkeys { id } } }`, { u: B });
    expect(read.body.data?.user).toEqual({ otpEnabled: true, passkeys: [{ id: passkeyOfB }] });
  });

  it('checks and revokes its own remembered devices', async () => {
    const checked = await graphqlAs(app, bearer(tokenA), 'mutation($u: String!) { verifyDevice(username: $u, deviceToken: "fdt_unknown") { __typename } }', { u: A });
    expect(checked.body.errors, JSON.stringify(checked.body)).toBeUndefined();
    expect(refusals(checked)).not.toContain('ForbiddenError');
    const revoked = await graphqlAs(app, bearer(tokenA), 'mutation($u: String!) { revokeAllDevices(username: $u) { __typename ... on RevokeAllDevicesPayload { username } } }', { u: A });
    expect(revoked.body, JSON.stringify(revoked.body)).toEqual({ data: { revokeAllDevices: { __typename: 'RevokeAllDevicesPayload', username: A } } });
    // none left working (the one remembered by the REST test above is listed, revoked)
    const listed = await graphqlAs(app, bearer(tokenA), 'query($u: String!) { user(username: $u) { devices { revokedAt } } }', { u: A });
    expect(listed.body.errors, JSON.stringify(listed.body)).toBeUndefined();
    const devices = (listed.body.data?.user as { devices: { revokedAt: string | null }[] }).devices;
    expect(devices.filter((device) => device.revokedAt === null)).toEqual([]);
  });

  it('is refused its own user through node(id:), as any id', async () => {
    const own = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { id } }`, { u: A });
    const answer = await graphqlAs(app, bearer(tokenA), 'query($id: ID!) { node(id: $id) { id } }', { id: (own.body.data?.user as { id: string }).id });
    expectForbidden(answer, B);
  });
});

describe('adding or removing a factor with a self token needs a fresh verification', () => {
  const recovery = 'mutation($u: String!) { generateRecoveryCodes(username: $u) { __typename ... on Error { code } } }';

  async function verifyByEmail(username: string, token: string) {
    const generated = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}`, headers: bearer(token) });
    expect(generated.statusCode, generated.body).toBe(200);
    const code = generated.json<{ otp_code: string }>().otp_code;
    const verified = await app.inject({ method: 'POST', url: '/auth/verify', headers: bearer(token), payload: { username, otp_code: code } });
    expect(verified.statusCode, verified.body).toBe(200);
  }

  it('refuses without one, allows within ENROLMENT_MAX_AGE_SECONDS, refuses again after', async () => {
    const A = await createUser(app);
    const token = await selfToken(A);
    const before = await graphqlAs(app, bearer(token), recovery, { u: A });
    expect(before.body.data?.generateRecoveryCodes).toEqual({ __typename: 'FreshVerificationRequiredError', code: 'FRESH_VERIFICATION_REQUIRED' });
    // refused: no recovery codes were made
    const left = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { recoveryCodesLeft } }`, { u: A });
    expect(left.body.data?.user).toEqual({ recoveryCodesLeft: 0 });

    await verifyByEmail(A, token);
    const fresh = await graphqlAs(app, bearer(token), recovery, { u: A });
    expect(fresh.body.data?.generateRecoveryCodes).toEqual({ __typename: 'RecoveryCodes' });
    const enrol = await graphqlAs(app, bearer(token), 'mutation($u: String!) { enrollTotp(username: $u) { __typename } }', { u: A });
    expect(enrol.body.data?.enrollTotp).toEqual({ __typename: 'TotpEnrollment' });

    clock.advance(601_000);
    const stale = await graphqlAs(app, bearer(token), recovery, { u: A });
    expect(stale.body.data?.generateRecoveryCodes).toEqual({ __typename: 'FreshVerificationRequiredError', code: 'FRESH_VERIFICATION_REQUIRED' });
    const startPasskey = await graphqlAs(app, bearer(token), 'mutation($u: String!) { startPasskeyRegistration(username: $u) { __typename } }', { u: A });
    expect(startPasskey.body.data?.startPasskeyRegistration).toEqual({ __typename: 'FreshVerificationRequiredError' });
  });

  it('refuses removing a passkey without one, and allows it after a verification', async () => {
    const A = await createUser(app);
    await enrolledAuthenticator(app, A);
    const read = await graphqlAs(app, {}, `query($u: String!) { user(username: $u) { passkeys { id } } }`, { u: A });
    const [passkey] = (read.body.data?.user as { passkeys: { id: string }[] }).passkeys;
    const token = await selfToken(A);
    const remove = 'mutation($u: String!, $id: ID!) { removePasskey(username: $u, id: $id) { __typename } }';
    const refused = await graphqlAs(app, bearer(token), remove, { u: A, id: passkey?.id });
    expect(refused.body.data?.removePasskey).toEqual({ __typename: 'FreshVerificationRequiredError' });
    const rename = await graphqlAs(app, bearer(token), 'mutation($u: String!, $id: ID!) { renamePasskey(username: $u, id: $id, name: "Phone") { ... on Passkey { name } } }', {
      u: A,
      id: passkey?.id,
    });
    expect(rename.body.data?.renamePasskey).toEqual({ name: 'Phone' });

    await verifyByEmail(A, token);
    const removed = await graphqlAs(app, bearer(token), remove, { u: A, id: passkey?.id });
    expect(removed.body.data?.removePasskey).toEqual({ __typename: 'User' });
  });

  it('lets a user with no factor bind the first one', async () => {
    const A = uniqueName();
    const created = await graphqlAs(app, {}, 'mutation($u: String!) { createUser(input: { username: $u }) { __typename ... on Error { message } } }', { u: A });
    expect(created.body.data?.createUser, JSON.stringify(created.body)).toEqual({ __typename: 'User' });
    const answer = await graphqlAs(app, bearer(await selfToken(A)), recovery, { u: A });
    expect(answer.body.data?.generateRecoveryCodes).toEqual({ __typename: 'RecoveryCodes' });
    // the second one needs a verification: A now has recovery codes
    const again = await graphqlAs(app, bearer(await selfToken(A)), recovery, { u: A });
    expect(again.body.data?.generateRecoveryCodes).toEqual({ __typename: 'FreshVerificationRequiredError', code: 'FRESH_VERIFICATION_REQUIRED' });
  });
});

describe('a self token from the platform issuer (CALLER_JWKS_URL)', () => {
  let issuer: JwksIssuer;
  const env: Record<string, string> = { CALLER_ISSUER: ISSUER };
  beforeAll(async () => {
    issuer = await startJwksIssuer();
    env.CALLER_JWKS_URL = issuer.url;
  });
  afterAll(() => issuer.close());
  const issuerApp = useTestApp(env);

  it('acts on the user its sub names, and on no other', async () => {
    const A = await createUser(issuerApp);
    const B = await createUser(issuerApp);
    const token = await new SignJWT({ scope: 'self' })
      .setProtectedHeader({ alg: 'ES256', kid: 'issuer-1', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(A)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(issuerKey.privateKey);
    const own = await issuerApp.inject({ method: 'POST', url: `/auth/generate?username=${A}`, headers: bearer(token) });
    expect(own.statusCode, own.body).toBe(200);
    const other = await issuerApp.inject({ method: 'POST', url: `/auth/generate?username=${B}`, headers: bearer(token) });
    expect(other.statusCode, other.body).toBe(403);
    expectForbidden(await graphqlAs(issuerApp, bearer(token), 'query($u: String!) { user(username: $u) { username } }', { u: B }), B);
  });
});
