// Attack: a second factor added or removed without the user knowing. Someone with a caller's
// token (or a stolen session at the caller) registers their own passkey on a user's account,
// or removes the user's, and the user never hears of it. A passkey is a factor like the others:
// registering and removing one raises factor.added / factor.removed through the outbox, written
// with the change, delivered to subscribed endpoints and as a security notice to the user. And a
// user with two-factor switched off gets no passkey (switching it off removed every factor).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { DisableTwoFactorDocument, RemovePasskeyDocument, StartPasskeyRegistrationDocument } from './generated/graphql.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser } from './support/flows.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import { ORIGIN, passkeyEnv, registerWith } from './support/passkeys.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { SoftAuthenticator } from './support/soft-authenticator.js';
import { startReceiver, until } from './support/webhooks.js';

const CREATE_ENDPOINT = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { id } } }
}`;
const DELETE_ENDPOINT = `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`;

describe('passkeys raise factor events and notices', () => {
  const clock = new ManualClock();
  let app: TestApp;
  let smtp: TestSmtpServer;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let database: Database;
  let endpointId = '';
  beforeAll(async () => {
    smtp = await startSmtpServer();
    receiver = await startReceiver();
    database = await openTestDatabase();
    app = await createTestApp(
      { ...passkeyEnv, SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_SECURITY: 'none', OUTBOX_POLL_INTERVAL_MS: '25' },
      { clock },
    );
    const created = await executeRaw(app, CREATE_ENDPOINT, { input: { url: receiver.url, events: ['FACTOR_ADDED', 'FACTOR_REMOVED'] } });
    const result = created.body.data?.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
    receiver.setSecret(result.secret);
    endpointId = result.endpoint.id;
  });
  afterAll(async () => {
    await executeRaw(app, DELETE_ENDPOINT, { id: endpointId });
    await app.close();
    await database.close();
    await Promise.all([smtp.close(), receiver.close()]);
  });

  const eventsAbout = (username: string) =>
    receiver
      .about(username)
      .filter((r) => r.status === 200)
      .map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });

  it('registering a passkey sends factor.added (method passkey) to the endpoint and a notice to the user', async () => {
    const email = `${uniqueName('pk')}@example.com`;
    const username = await createUser(app, { email });
    const passkey = expectType(await registerWith(app, username, new SoftAuthenticator(ORIGIN), {}, 'YubiKey'), 'Passkey');

    const added = await until(() => eventsAbout(username).find((event) => event.type === 'factor.added'));
    expect(added.data).toEqual({ username, method: 'passkey' });
    expect(JSON.stringify(added)).not.toContain(passkey.id);

    const notice = await until(() => smtp.messages.find((m) => m.to.includes(email) && /Security alert/.test(m.subject)));
    expect(notice.subject).toBe('Security alert: a sign-in method was added to your FountainAI account');
    expect(notice.text).toContain('A passkey was added to your FountainAI account.');
    expect(notice.text).toContain('If this was not you');

    // one event, written with the passkey, fanned out to the endpoint and the user's notice
    const stored = await database.db.outboxEvent.findMany({ where: { username }, include: { deliveries: { select: { kind: true } } } });
    expect(stored.map((event) => [event.type, event.deliveries.map((d) => d.kind).sort()])).toEqual([['factor.added', ['NOTICE', 'WEBHOOK']]]);
  });

  it('removing a passkey sends factor.removed (method passkey) and a notice; removing one that is gone sends nothing', async () => {
    const email = `${uniqueName('pk')}@example.com`;
    const username = await createUser(app, { email });
    const passkey = expectType(await registerWith(app, username, new SoftAuthenticator(ORIGIN)), 'Passkey');
    expectType((await execute(app, RemovePasskeyDocument, { username, id: passkey.id })).removePasskey, 'User');

    const removed = await until(() => eventsAbout(username).find((event) => event.type === 'factor.removed'));
    expect(removed.data).toEqual({ username, method: 'passkey' });
    const notice = await until(() => smtp.messages.find((m) => m.to.includes(email) && /was removed/.test(m.subject)));
    expect(notice.text).toContain('A passkey was removed from your FountainAI account.');

    // a second removal finds nothing, and writes no event
    expect((await execute(app, RemovePasskeyDocument, { username, id: passkey.id })).removePasskey.__typename).toBe('PasskeyNotFoundError');
    const stored = await database.db.outboxEvent.findMany({ where: { username }, orderBy: { occurredAt: 'asc' }, select: { type: true } });
    expect(stored.map((event) => event.type).sort()).toEqual(['factor.added', 'factor.removed']);
  });

  it('refuses to start a registration for a user with two-factor off, with the typed error verification gives', async () => {
    const username = await createUser(app, { otpEnabled: false });
    const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
    expect(startPasskeyRegistration).toMatchObject({ __typename: 'TwoFactorDisabledError', code: 'TWO_FACTOR_DISABLED' });
    expect(await database.db.passkeyChallenge.count({ where: { user: { username } } })).toBe(0);
  });

  it('refuses to finish a registration once two-factor was switched off after it started: no passkey, no event', async () => {
    const username = await createUser(app);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
    const { options } = expectType(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
    const answer = authenticator.register(options);
    expectType((await execute(app, DisableTwoFactorDocument, { username })).disableTwoFactor, 'User');

    const finished = await executeRaw(
      app,
      `mutation ($username: String!, $response: JSON!) { finishPasskeyRegistration(username: $username, response: $response) { __typename ... on Error { code } } }`,
      { username, response: answer },
    );
    expect(finished.body.data?.finishPasskeyRegistration).toEqual({ __typename: 'TwoFactorDisabledError', code: 'TWO_FACTOR_DISABLED' });
    expect(await database.db.passkey.count({ where: { user: { username } } })).toBe(0);
    const stored = await database.db.outboxEvent.findMany({ where: { username }, select: { type: true, data: true } });
    expect(stored.filter((event) => event.type === 'factor.added')).toEqual([]);
    const audit = await database.db.auditEvent.findMany({ where: { username, event: 'PASSKEY_REGISTER' }, select: { outcome: true, reason: true } });
    expect(audit).toEqual([{ outcome: 'REFUSED', reason: 'TWO_FACTOR_DISABLED' }]);
  });
});
