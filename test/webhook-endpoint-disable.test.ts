// What the outbox does over time, each in a database of its own (in the run's shared database
// every test app's dispatcher may claim a delivery, and would retry it on its own schedule or
// send a notice without an SMS channel): an endpoint that fails every attempt for the whole
// retry schedule is switched off and audited, and gets no more deliveries; a user without an
// email address is told of a security event by SMS, without a code or a secret.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ManualClock, type TestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { enrollAndConfirm, midStep } from './support/totp.js';
import { startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from './support/twilio.js';
import { startReceiver, until } from './support/webhooks.js';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { id } } }
}`;
const ENDPOINTS = `{ webhookEndpoints { id enabled disabledReason } }`;

describe('an endpoint that fails every attempt for the whole schedule', () => {
  let database: PrivateDatabase;
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpointId = '';
  beforeAll(async () => {
    database = await createPrivateDatabase('endpoint-disable');
    receiver = await startReceiver({ failFirst: Number.MAX_SAFE_INTEGER });
    app = await createTestApp({ DATABASE_URL: database.url, WEBHOOK_RETRY_SCHEDULE: '300ms,300ms', OUTBOX_POLL_INTERVAL_MS: '25' });
    const created = await executeRaw(app, CREATE, { input: { url: receiver.url, events: ['VERIFICATION_APPROVED'] } });
    const result = created.body.data?.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
    receiver.setSecret(result.secret);
    endpointId = result.endpoint.id;
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await database.drop();
  });

  async function enabled(): Promise<boolean | undefined> {
    const listed = await executeRaw(app, ENDPOINTS, {});
    const endpoints = listed.body.data?.webhookEndpoints as { id: string; enabled: boolean }[] | undefined;
    return endpoints?.find((endpoint) => endpoint.id === endpointId)?.enabled;
  }

  it('is tried three times, then switched off and audited; later events are not sent to it', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);

    const tries = await until(() => receiver.about(username).length >= 3 && receiver.about(username));
    expect(tries.map((attempt) => attempt.status)).toEqual([500, 500, 500]);
    expect(tries.every((attempt) => attempt.verified)).toBe(true);
    for (let waited = 0; (await enabled()) !== false && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await enabled()).toBe(false);

    const stored = await openTestDatabase(database.url);
    try {
      const disabled = await stored.db.webhookEndpoint.findUniqueOrThrow({ where: { id: Number(decodeGlobalID(endpointId).id) } });
      expect(disabled.disabledReason).toBe('FAILING');
      expect(await stored.db.auditEvent.count({ where: { event: 'WEBHOOK_ENDPOINT_DISABLE', reason: 'FAILING' } })).toBe(1);
      const [delivery, ...more] = await stored.db.webhookDelivery.findMany({
        where: { endpointId: Number(decodeGlobalID(endpointId).id) },
        select: { status: true, attempts: true, history: { select: { outcome: true, responseCode: true, nextAttemptAt: true }, orderBy: { id: 'asc' } } },
      });
      expect(more).toEqual([]);
      expect(delivery).toMatchObject({ status: 'FAILED', attempts: 3 });
      expect(delivery?.history.map((attempt) => [attempt.outcome, attempt.responseCode, attempt.nextAttemptAt !== null])).toEqual([
        ['FAILED', 500, true],
        ['FAILED', 500, true],
        ['FAILED', 500, false],
      ]);

      // a later approval: the endpoint is off, so nothing is queued for it or sent to it. A
      // healthy endpoint subscribed to the same event says when the dispatcher has sent it, so
      // the absence is read after the event it depends on, not after a guessed pause.
      const healthy = await startReceiver();
      try {
        const added = await executeRaw(app, CREATE, { input: { url: healthy.url, events: ['VERIFICATION_APPROVED'] } });
        healthy.setSecret((added.body.data?.createWebhookEndpoint as { secret: string }).secret);
        const later = await createUser(app);
        const next = await requestCode(app, later);
        expect((await submitCode(app, later, next.code)).statusCode).toBe(200);
        await until(() => healthy.about(later).some((attempt) => attempt.status === 200));
        expect(receiver.about(later)).toEqual([]);
        expect(await stored.db.webhookDelivery.count({ where: { endpointId: Number(decodeGlobalID(endpointId).id) } })).toBe(1);
      } finally {
        await healthy.close();
      }
    } finally {
      await stored.close();
    }
  });
});

describe('a security notice by SMS', () => {
  let database: PrivateDatabase;
  let twilio: TestTwilioServer;
  let app: TestApp;
  const clock = new ManualClock(midStep());
  beforeAll(async () => {
    database = await createPrivateDatabase('sms-notice');
    twilio = await startTwilioServer();
    app = await createTestApp({ DATABASE_URL: database.url, ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: '+15005550006' }), OUTBOX_POLL_INTERVAL_MS: '25' }, { clock });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
    await database.drop();
  });

  it('tells a user without an email address, by SMS, that an authenticator app was added; no code, no secret', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber, deliveryMethod: 'SMS' });
    const secret = await enrollAndConfirm(app, username, clock);
    const notice = await until(() => twilio.requests.find((request) => request.to === phoneNumber));
    expect(notice.body).toBe('FountainAI: An authenticator app was added to your FountainAI account. Not you? Change your password and contact support.');
    expect(notice.body).not.toContain(secret);
    expect(notice.body).not.toMatch(/\d{6}/);
    expect(twilio.requests.filter((request) => request.to === phoneNumber)).toHaveLength(1);
  });
});
