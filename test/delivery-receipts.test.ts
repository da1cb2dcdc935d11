// Attack: forged, replayed and out-of-order delivery receipts. The status-callback route is
// open to the internet (Twilio must reach it), so anyone can post to it: a forged "delivered"
// would hide a failed delivery, a forged "failed" would push a user off their channel, and a
// replayed or late "sent" must not undo a "delivered". Only a request whose X-Twilio-Signature
// the twilio library validates for this URL and TWILIO_AUTH_TOKEN changes anything, and a
// status only ever moves forward. Twilio here is a real HTTP server of the test's own that posts
// its callbacks, signed as Twilio signs them, to the service listening on a port of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, type TestApp } from './support/app.js';
import { insertUser, openTestDatabase, storedOtpLogs } from './support/db.js';
import { createUser, requestCode } from './support/flows.js';
import { execute, executeRaw } from './support/graphql.js';
import { unusedPort } from './support/smtp.js';
import {
  isolatedSmsClock,
  postCallback,
  startTwilioServer,
  twilioEnv,
  twilioSignature,
  uniqueMobile,
  type CapturedSms,
  type TestTwilioServer,
} from './support/twilio.js';
import { startReceiver, until } from './support/webhooks.js';
import { LogsDocument } from './generated/graphql.js';
import { createAuditService } from '../src/audit/audit.service.js';
import { createAuditStore, type AuditStore } from '../src/audit/audit.store.js';
import { systemContext } from '../src/auth/caller.js';
import { systemClock } from '../src/clock/clock.js';
import { createReceiptsService } from '../src/delivery/receipts.service.js';
import type { Logger } from '../src/logging/logger.js';
import { createCodesStore } from '../src/delivery/codes.store.js';
import { createUsersStore } from '../src/users/users.store.js';

const SENDER = '+15005550006';
const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };
const CREATE_ENDPOINT = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { id } } }
}`;

interface AuditRow {
  event: string;
  outcome: string;
  reason: string | null;
  channel: string | null;
}

describe('delivery receipts (Twilio status callbacks)', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let database: Database;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let base = '';
  beforeAll(async () => {
    twilio = await startTwilioServer();
    receiver = await startReceiver();
    const port = await unusedPort();
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, PUBLIC_BASE_URL: base }), ...sendFreely, OUTBOX_POLL_INTERVAL_MS: '25' },
      { clock: isolatedSmsClock() },
    );
    await app.listen({ port, host: '127.0.0.1' });
    database = await openTestDatabase();
    const created = await executeRaw(app, CREATE_ENDPOINT, { input: { url: receiver.url, events: ['DELIVERY_FAILED'] } });
    receiver.setSecret((created.body.data?.createWebhookEndpoint as { secret: string }).secret);
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
    await receiver.close();
    await database.close();
  });

  async function sendSms(): Promise<{ username: string; sms: CapturedSms; sid: string }> {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber, deliveryMethod: 'SMS' });
    await requestCode(app, username);
    const sms = twilio.requests.find((request) => request.to === phoneNumber);
    expect(sms?.sid).toMatch(/^SM/);
    return { username, sms: sms as CapturedSms, sid: sms?.sid ?? '' };
  }

  const audit = (username: string) =>
    database.db.$queryRaw<AuditRow[]>`SELECT event, outcome, reason, channel FROM audit_events WHERE username = ${username} ORDER BY id`;

  async function logOf(username: string) {
    const { logs } = await execute(app, LogsDocument, { username, first: 1 });
    return logs.edges[0]?.node;
  }

  it('asks Twilio for status callbacks at PUBLIC_BASE_URL, naming the code', async () => {
    const { username, sms } = await sendSms();
    const [row] = await storedOtpLogs(database, username);
    expect(sms.form.StatusCallback).toBe(`${base}/delivery/twilio/status?code=${String(row?.id)}`);
    expect(await logOf(username)).toMatchObject({ status: 'ACTIVE', deliveryStatus: 'QUEUED', deliveryErrorCode: null });
  });

  it('follows the status forward, and a late "sent" after "delivered" changes nothing', async () => {
    const { username, sid } = await sendSms();
    expect((await twilio.postStatus(sid, 'sent')).status).toBe(204);
    expect((await logOf(username))?.deliveryStatus).toBe('SENT');
    const delivered = await twilio.postStatus(sid, 'delivered');
    expect(delivered.status).toBe(204);
    expect(await logOf(username)).toMatchObject({ deliveryStatus: 'DELIVERED', deliveryErrorCode: null });

    // out of order: Twilio does not promise the order of its callbacks
    expect((await twilio.postStatus(sid, 'sent')).status).toBe(204);
    expect((await twilio.postStatus(sid, 'undelivered', { ErrorCode: '30003' })).status).toBe(204);
    expect(await logOf(username)).toMatchObject({ deliveryStatus: 'DELIVERED', deliveryErrorCode: null });

    const events = (await audit(username)).filter((row) => row.event.startsWith('DELIVERY_'));
    expect(events).toEqual([
      { event: 'DELIVERY_SENT', outcome: 'SUCCESS', reason: null, channel: 'SMS' },
      { event: 'DELIVERY_DELIVERED', outcome: 'SUCCESS', reason: null, channel: 'SMS' },
    ]);
  });

  it('a replayed callback is answered the same and writes nothing', async () => {
    const { username, sid } = await sendSms();
    const first = await twilio.postStatus(sid, 'delivered');
    const replayed = await postCallback(first.url, first.form, first.signature);
    expect([first.status, replayed.status]).toEqual([204, 204]);
    expect((await audit(username)).filter((row) => row.event === 'DELIVERY_DELIVERED')).toHaveLength(1);
  });

  it('undelivered: the status with Twilio’s error code, audited, and delivery.failed through the outbox', async () => {
    const { username, sid } = await sendSms();
    expect((await twilio.postStatus(sid, 'undelivered', { ErrorCode: '30003' })).status).toBe(204);
    expect(await logOf(username)).toMatchObject({ deliveryStatus: 'UNDELIVERED', deliveryErrorCode: '30003' });
    expect((await audit(username)).at(-1)).toEqual({ event: 'DELIVERY_UNDELIVERED', outcome: 'SUCCESS', reason: 'DELIVERY_FAILED', channel: 'SMS' });

    // (its signature is webhooks.test.ts' matter: this app's clock is centuries ahead, too far for the receiver's timestamp check)
    const [hook] = await until(() => receiver.about(username).length > 0 && receiver.about(username));
    const event = JSON.parse(hook?.body ?? '{}') as { type: string; data: Record<string, unknown> };
    expect(event.type).toBe('delivery.failed');
    expect(event.data).toEqual({ username, channel: 'SMS', reason: 'DELIVERY_FAILED', deliveryStatus: 'UNDELIVERED', providerCode: '30003' });
    // a second failure word for the same message adds nothing
    expect((await twilio.postStatus(sid, 'failed', { ErrorCode: '30008' })).status).toBe(204);
    expect(await logOf(username)).toMatchObject({ deliveryStatus: 'UNDELIVERED', deliveryErrorCode: '30003' });
  });

  describe('forged callbacks: 403 and nothing changed', () => {
    it('refuses no signature, a wrong one, one made with another token, and one for another code’s URL', async () => {
      const { username, sms, sid } = await sendSms();
      const url = sms.form.StatusCallback ?? '';
      const form = { AccountSid: twilio.accountSid, MessageSid: sid, MessageStatus: 'delivered' };
      const otherUrl = url.replace(/code=\d+/, 'code=1');
      const attempts = [
        await postCallback(url, form, undefined),
        await postCallback(url, form, 'bm90IGEgc2lnbmF0dXJl'),
        await postCallback(url, form, twilioSignature('not-the-auth-token', url, form)),
        await postCallback(url, form, twilioSignature(twilio.authToken, otherUrl, form)),
        // signed, then a field changed on the way
        await postCallback(url, { ...form, MessageStatus: 'failed' }, twilioSignature(twilio.authToken, url, form)),
      ];
      expect(attempts.map((attempt) => attempt.status)).toEqual([403, 403, 403, 403, 403]);
      expect(JSON.parse(attempts[0]?.answer ?? '{}')).toEqual({ detail: 'The request is not signed by the delivery provider' });
      expect((await logOf(username))?.deliveryStatus).toBe('QUEUED');
      expect((await audit(username)).filter((row) => row.event.startsWith('DELIVERY_'))).toEqual([]);
    });

    it('refuses a signed callback of another account or with an unknown status (400), and a body too large (413) or not a form (415)', async () => {
      const { username, sms, sid } = await sendSms();
      const url = sms.form.StatusCallback ?? '';
      const signed = (form: Record<string, string>) => postCallback(url, form, twilioSignature(twilio.authToken, url, form));
      expect((await signed({ AccountSid: 'AC0000', MessageSid: sid, MessageStatus: 'delivered' })).status).toBe(400);
      expect((await signed({ AccountSid: twilio.accountSid, MessageSid: sid, MessageStatus: 'teleported' })).status).toBe(400);
      const large = { AccountSid: twilio.accountSid, MessageSid: sid, MessageStatus: 'delivered', Padding: 'x'.repeat(20_000) };
      expect((await signed(large)).status).toBe(413);
      const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(json.status).toBe(415);
      expect((await logOf(username))?.deliveryStatus).toBe('QUEUED');
    });
  });
});

describe('delivery receipts without PUBLIC_BASE_URL', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp({ ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER }), ...sendFreely }, { clock: isolatedSmsClock() });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it('asks for no callback, and the route does not exist', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber });
    await requestCode(app, username);
    expect(twilio.requests.find((request) => request.to === phoneNumber)?.form.StatusCallback).toBeUndefined();
    const answer = await app.inject({ method: 'POST', url: '/delivery/twilio/status', payload: 'MessageStatus=delivered', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(answer.statusCode).toBe(404);
  });
});

describe('delivery receipts and the per-IP flood guard', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    const port = await unusedPort();
    app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }), ...sendFreely, IP_RATE_LIMIT: '3' },
      { clock: isolatedSmsClock() },
    );
    await app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it('never throttles Twilio’s callbacks, which come several per code from a few addresses', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber });
    await requestCode(app, username);
    const sid = twilio.requests.find((request) => request.to === phoneNumber)?.sid ?? '';
    const answers = [];
    for (const status of ['queued', 'sending', 'sent', 'delivered', 'delivered', 'read']) answers.push((await twilio.postStatus(sid, status)).status);
    expect(answers).toEqual([204, 204, 204, 204, 204, 204]);
  });
});

describe('a receipt and what records it are one unit', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

  it('leaves the code’s status as it was when its audit row or event cannot be written, and applies the retried receipt whole', async () => {
    const { sql } = database;
    const user = await insertUser(database);
    const codes = createCodesStore({ sql });
    const now = new Date();
    const codeId = await codes.insertSending({
      userId: user.id,
      codeHash: 'not-a-real-hash',
      channel: 'SMS',
      destination: '+4915******00',
      country: 'DE',
      dialPrefix: '+49151',
      contextHash: null,
      expiresAt: new Date(now.getTime() + 300_000),
      createdAt: now,
    });
    const auditStore = createAuditStore({ sql });
    // The outbox event's write fails after the status and the audit row were written.
    const failing = sql.statement`INSERT INTO no_such_table (id) VALUES (1)`;
    const faultyAudit = {
      statements: (...args: Parameters<AuditStore['statements']>) => [...auditStore.statements(...args), failing],
      insert: () => Promise.reject(new Error('audit_events unavailable')),
    };
    const receiptsWith = (store: Pick<AuditStore, 'statements'>) =>
      createReceiptsService({
        codes,
        users: createUsersStore({ sql, clearedWithTwoFactor: [] }),
        audit: createAuditService({ store: auditStore, clock: systemClock, logger: quiet }),
        auditStore: store,
        clock: systemClock,
        logger: quiet,
      });
    const receipt = { codeId, providerMessageId: `SM${String(codeId).padStart(32, '0')}`, status: 'UNDELIVERED' as const, providerCode: '30003' };
    const written = async () => ({
      status: (await storedOtpLogs(database, user.username)).map((row) => row.delivery_status),
      audit: (await database.db.$queryRaw<{ event: string }[]>`SELECT event FROM audit_events WHERE user_id = ${user.id} ORDER BY id`).map((row) => row.event),
      events: (await database.db.$queryRaw<{ type: string }[]>`SELECT type FROM outbox_events WHERE user_id = ${user.id} ORDER BY id`).map((row) => row.type),
    });

    await expect(receiptsWith(faultyAudit).record(receipt, systemContext('twilio'))).rejects.toThrow();
    expect(await written()).toEqual({ status: [null], audit: [], events: [] });

    expect(await receiptsWith(auditStore).record(receipt, systemContext('twilio'))).toEqual({ applied: true });
    expect(await written()).toEqual({ status: ['UNDELIVERED'], audit: ['DELIVERY_UNDELIVERED'], events: ['delivery.failed'] });
  });
});
