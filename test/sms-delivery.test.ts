// Delivery by SMS through the twilio SDK, against a real HTTP server on this machine that
// answers like Twilio's Messages API. What Twilio receives is checked as it arrives: the
// account, the Basic auth, the recipient in E.164, the sender or messaging service, the
// text in the user's language with the code. Every refusal Twilio can answer becomes a typed
// error with a clear reason, and a send that fails or hangs leaves no usable code: the code
// that went out in the failed request is refused.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { renderSms } from '../src/delivery/templates.js';
import { mappedTwilioCodes } from '../src/delivery/twilio-errors.js';
import { createTestApp, type TestApp } from './support/app.js';
import { openTestDatabase, storedOtpLogs } from './support/db.js';
import { createUser, postGenerate, requestCode, submitCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { unusedPort } from './support/smtp.js';
import {
  isolatedSmsClock,
  startTwilioServer,
  twilioEnv,
  twilioErrors,
  uniqueMobile,
  type CapturedSms,
  type TestTwilioServer,
  type TwilioBehaviour,
} from './support/twilio.js';
import { GenerateOtpDocument } from './generated/graphql.js';

const SENDER = '+15005550006';
const NO_PENDING_CODE = { detail: 'No code is pending for this user; request a new one' };

/**
 * Several codes go to one user here, and the per-user throttles have their own tests; the
 * pumping rules too (test/sms-pumping.test.ts), so the prefix velocity rule is out of the way.
 */
const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };

interface AuditRow {
  event: string;
  outcome: string;
  reason: string | null;
  channel: string | null;
}

function auditOf(database: Database, username: string): Promise<AuditRow[]> {
  return database.db.$queryRaw<AuditRow[]>`
    SELECT event, outcome, reason, channel FROM audit_events WHERE username = ${username} ORDER BY id`;
}

/** Every request the server received for `to`, in order. */
function requestsTo(twilio: TestTwilioServer, to: string): CapturedSms[] {
  return twilio.requests.filter((request) => request.to === to);
}

/** The six-digit code in a captured SMS. */
function codeIn(sms: CapturedSms | undefined): string {
  const code = /\b\d{6}\b/.exec(sms?.body ?? '')?.[0];
  expect(code, sms?.body).toMatch(/^\d{6}$/);
  return code ?? '';
}

/** A user who gets codes by SMS at a number of their own; returns the username and the number. */
async function createSmsUser(app: TestApp, extra: { locale?: string; email?: string } = {}) {
  const phoneNumber = uniqueMobile();
  const username = await createUser(app, { email: extra.email ?? null, phoneNumber, deliveryMethod: 'SMS', locale: extra.locale });
  return { username, phoneNumber };
}

describe('SMS through the Twilio Messages API', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let database: Database;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp({ ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER }), ...sendFreely }, { clock: isolatedSmsClock() });
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
    await database.close();
  });

  it('sends the code: account, Basic auth, recipient, sender, English text; records the Message SID', async () => {
    const { username, phoneNumber } = await createSmsUser(app);
    const { code, response } = await requestCode(app, username);
    expect(response.json()).toMatchObject({ channel: 'SMS', destination: `+49 *** *** ${phoneNumber.slice(-3)}` });

    const [sms, ...others] = requestsTo(twilio, phoneNumber);
    expect(others).toEqual([]);
    expect(sms?.accountSid).toBe(twilio.accountSid);
    expect(sms?.auth).toEqual({ username: twilio.accountSid, password: twilio.authToken });
    expect(sms?.form).toEqual({ To: phoneNumber, From: SENDER, Body: sms?.body, ValidityPeriod: '300' });
    expect(sms?.body).toBe(renderSms({ code, expiresInMinutes: 5, locale: 'en' }));
    expect(sms?.body).toBe(`Your FountainAI verification code is ${code}. It is valid for 5 minutes. Never share it with anyone.`);

    const rows = await storedOtpLogs(database, username);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'ACTIVE', channel: 'SMS', country: 'DE', provider_message_id: sms?.sid, delivery_error: null });
    // the number's range, which the SMS-pumping defence counts sends by (PostgreSQL's generate had left it out)
    const prefix = rows[0]?.dial_prefix;
    expect(typeof prefix === 'string' && prefix.length > 3 && phoneNumber.startsWith(prefix), String(prefix)).toBe(true);
    expect(sms?.sid).toMatch(/^SM[0-9a-f]{32}$/);

    const verified = await submitCode(app, username, code);
    expect(verified.statusCode, verified.body).toBe(200);
  });

  it('writes to a German user in German', async () => {
    const { username, phoneNumber } = await createSmsUser(app, { locale: 'de' });
    const { code } = await requestCode(app, username);
    expect(requestsTo(twilio, phoneNumber).map((sms) => sms.body)).toEqual([
      `Ihr FountainAI-Bestätigungscode lautet ${code}. Er ist 5 Minuten gültig. Geben Sie ihn niemals weiter.`,
    ]);
  });

  it('stores and sends a number written with spaces in E.164', async () => {
    const phoneNumber = uniqueMobile();
    const written = `${phoneNumber.slice(0, 3)} ${phoneNumber.slice(3, 6)} ${phoneNumber.slice(6)}`;
    const username = await createUser(app, { email: null, phoneNumber: written });
    await requestCode(app, username);
    expect(requestsTo(twilio, phoneNumber)).toHaveLength(1);
  });

  it('takes the channel a caller names, when the user has that destination (GraphQL and REST)', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: 'sam@example.com', phoneNumber, deliveryMethod: 'EMAIL' });

    const bySms = await execute(app, GenerateOtpDocument, { username, channel: 'SMS' });
    expect(expectType(bySms.generateOtp, 'GenerateOtpPayload')).toMatchObject({ channel: 'SMS', destination: `+49 *** *** ${phoneNumber.slice(-3)}` });
    const byDefault = await execute(app, GenerateOtpDocument, { username });
    expect(expectType(byDefault.generateOtp, 'GenerateOtpPayload')).toMatchObject({ channel: 'EMAIL', destination: 's***@example.com' });
    const overRest = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}&channel=SMS` });
    expect(overRest.statusCode, overRest.body).toBe(200);
    expect(overRest.json()).toMatchObject({ channel: 'SMS' });
    expect(requestsTo(twilio, phoneNumber)).toHaveLength(2);

    const emailOnly = await createUser(app);
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username: emailOnly, channel: 'SMS' });
    expect(expectType(generateOtp, 'NoDeliveryDestinationError').message).toBe('The user has no phone number to send a code to');
    const unknownChannel = await app.inject({ method: 'POST', url: `/auth/generate?username=${emailOnly}&channel=PIGEON` });
    expect(unknownChannel.statusCode).toBe(422);
  });
});

describe('SMS through a Twilio messaging service', () => {
  it('names the messaging service instead of a sender number', async () => {
    const twilio = await startTwilioServer();
    const messagingServiceSid = 'MG0123456789abcdef0123456789abcdef';
    const app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_MESSAGING_SERVICE_SID: messagingServiceSid }), ...sendFreely },
      { clock: isolatedSmsClock() },
    );
    try {
      const { username, phoneNumber } = await createSmsUser(app);
      const { code } = await requestCode(app, username);
      const [sms] = requestsTo(twilio, phoneNumber);
      expect(sms?.form).toEqual({ To: phoneNumber, MessagingServiceSid: messagingServiceSid, Body: sms?.body, ValidityPeriod: '300' });
      expect(codeIn(sms)).toBe(code);
    } finally {
      await app.close();
      await twilio.close();
    }
  });
});

describe('Twilio refusals: typed errors with a clear reason, and no usable code', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let database: Database;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp({ ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER }), ...sendFreely }, { clock: isolatedSmsClock() });
    database = await openTestDatabase();
  });
  afterEach(() => twilio.behave('accept'));
  afterAll(async () => {
    await app.close();
    await twilio.close();
    await database.close();
  });

  const cases: {
    name: string;
    behaviour: TwilioBehaviour;
    status: number;
    detail: string;
    typename: string;
    reason: string;
    deliveryError: RegExp;
  }[] = [
    {
      name: '21211 invalid number',
      behaviour: twilioErrors.invalidNumber,
      status: 400,
      detail: 'The phone number is not valid (the SMS provider refused it)',
      typename: 'InvalidPhoneNumberError',
      reason: 'INVALID_PHONE_NUMBER',
      deliveryError: /^INVALID_PHONE_NUMBER: Twilio 21211 \(HTTP 400\): The 'To' number \+49 \*\*\* \*\*\* \d{3} is not a valid phone number\.$/,
    },
    {
      name: '21614 not a mobile number',
      behaviour: twilioErrors.notMobile,
      status: 400,
      detail: 'The phone number is not a mobile number and cannot receive text messages',
      typename: 'InvalidPhoneNumberError',
      reason: 'INVALID_PHONE_NUMBER',
      deliveryError: /^INVALID_PHONE_NUMBER: Twilio 21614 \(HTTP 400\)/,
    },
    {
      name: "21408 the account may not send to the number's region",
      behaviour: twilioErrors.regionNotEnabled,
      status: 400,
      detail: "The SMS provider account may not send to this number's country",
      typename: 'SmsRefusedError',
      reason: 'SMS_REFUSED',
      deliveryError: /^SMS_REFUSED: Twilio 21408 \(HTTP 400\)/,
    },
    {
      name: '21610 the recipient replied STOP',
      behaviour: twilioErrors.unsubscribed,
      status: 502,
      detail: 'The code could not be delivered by SMS: the recipient has opted out of text messages from this sender (replied STOP); no code was issued',
      typename: 'DeliveryFailedError',
      reason: 'DELIVERY_FAILED',
      deliveryError: /^DELIVERY_FAILED: Twilio 21610 \(HTTP 400\): Attempt to send to unsubscribed recipient$/,
    },
    {
      name: '30003 unreachable handset',
      behaviour: twilioErrors.unreachable,
      status: 502,
      detail: 'The code could not be delivered by SMS: the phone is switched off or out of reach; no code was issued',
      typename: 'DeliveryFailedError',
      reason: 'DELIVERY_FAILED',
      deliveryError: /^DELIVERY_FAILED: Twilio 30003 \(HTTP 400\): Unreachable destination handset$/,
    },
    {
      name: '429 too many requests',
      behaviour: twilioErrors.tooManyRequests,
      status: 502,
      detail: 'The code could not be delivered by SMS: the SMS provider is busy; try again shortly; no code was issued',
      typename: 'DeliveryFailedError',
      reason: 'DELIVERY_FAILED',
      deliveryError: /^DELIVERY_FAILED: Twilio 20429 \(HTTP 429\)/,
    },
    {
      name: '500 with a Twilio error body',
      behaviour: twilioErrors.internalError,
      status: 502,
      detail: 'The code could not be delivered by SMS: the SMS provider had an internal error; no code was issued',
      typename: 'DeliveryFailedError',
      reason: 'DELIVERY_FAILED',
      deliveryError: /^DELIVERY_FAILED: Twilio 20500 \(HTTP 500\): Internal Server Error$/,
    },
    {
      name: '503 from a load balancer, not JSON',
      behaviour: 'unavailable',
      status: 502,
      detail: 'The code could not be delivered by SMS: the SMS provider is unavailable; no code was issued',
      typename: 'DeliveryFailedError',
      reason: 'DELIVERY_FAILED',
      deliveryError: /^DELIVERY_FAILED: HTTP 503: \[HTTP 503\] Failed to execute request$/,
    },
  ];

  it.each(cases)('$name: $status, audited as $reason, the code it carried refused', async (each) => {
    const { username, phoneNumber } = await createSmsUser(app);
    twilio.behave(each.behaviour);
    const response = await postGenerate(app, username);
    expect(response.statusCode, response.body).toBe(each.status);
    expect(response.json()).toEqual({ detail: each.detail });

    const carried = codeIn(requestsTo(twilio, phoneNumber)[0]);
    twilio.behave('accept');
    const refused = await submitCode(app, username, carried);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual(NO_PENDING_CODE);

    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => row.status)).toEqual(['FAILED']);
    expect(rows[0]?.delivery_error).toMatch(each.deliveryError);
    expect(rows[0]?.delivery_error).not.toContain(phoneNumber);
    expect(rows[0]?.provider_message_id).toBeNull();
    expect(await auditOf(database, username)).toContainEqual(
      expect.objectContaining({ event: 'OTP_GENERATE', outcome: 'REFUSED', reason: each.reason }),
    );
  });

  it.each(cases)('$name over GraphQL: $typename', async (each) => {
    const { username } = await createSmsUser(app);
    twilio.behave(each.behaviour);
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username });
    expect(generateOtp).toMatchObject({ __typename: each.typename, code: each.reason, message: each.detail });
    if (generateOtp.__typename === 'DeliveryFailedError') expect(generateOtp.channel).toBe('SMS');
  });

  it('every code the tests provoke is one the service maps', () => {
    const provoked = cases.flatMap(({ behaviour }) => (typeof behaviour === 'object' ? [behaviour.code] : []));
    expect(mappedTwilioCodes).toEqual(expect.arrayContaining(provoked));
  });

  it('loses nothing: the code the user already had still works after a failed new send', async () => {
    const { username, phoneNumber } = await createSmsUser(app);
    const { code: first } = await requestCode(app, username);
    twilio.behave(twilioErrors.unreachable);
    expect((await postGenerate(app, username)).statusCode).toBe(502);
    const second = codeIn(requestsTo(twilio, phoneNumber)[1]);
    expect(second).not.toBe(first);
    const kept = await submitCode(app, username, first);
    expect(kept.statusCode, kept.body).toBe(200);
    expect((await storedOtpLogs(database, username)).map((row) => row.status)).toEqual(['USED', 'FAILED']);
  });
});

describe('Twilio that refuses the credentials, is down, or does not answer', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('a wrong auth token: 401 from Twilio, 502 for the caller, no usable code', async () => {
    const twilio = await startTwilioServer();
    const app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, TWILIO_AUTH_TOKEN: 'not-the-token' }), ...sendFreely },
      { clock: isolatedSmsClock() },
    );
    try {
      const { username } = await createSmsUser(app);
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        detail: 'The code could not be delivered by SMS: the SMS provider refused this service’s credentials; no code was issued',
      });
      expect(twilio.requests).toEqual([]);
      const rows = await storedOtpLogs(database, username);
      expect(rows.map((row) => row.status)).toEqual(['FAILED']);
      expect(rows[0]?.delivery_error).toBe('DELIVERY_FAILED: Twilio 20003 (HTTP 401): Authenticate');
    } finally {
      await app.close();
      await twilio.close();
    }
  });

  it('nothing listening: 502, no usable code, the row says why', async () => {
    const app = await createTestApp(
      {
        TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`,
        TWILIO_AUTH_TOKEN: 'token',
        TWILIO_PHONE_NUMBER: SENDER,
        TWILIO_API_BASE_URL: `http://127.0.0.1:${await unusedPort()}`,
        ...sendFreely,
      },
      { clock: isolatedSmsClock() },
    );
    try {
      const { username } = await createSmsUser(app);
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual({
        detail: 'The code could not be delivered by SMS: the SMS provider could not be reached; no code was issued',
      });
      const rows = await storedOtpLogs(database, username);
      expect(rows.map((row) => row.status)).toEqual(['FAILED']);
      expect(rows[0]?.delivery_error).toMatch(/^DELIVERY_FAILED: ECONNREFUSED/);
    } finally {
      await app.close();
    }
  });

  it('no answer: gives up after DELIVERY_TIMEOUT_MS with 502, and the code it carried is refused', async () => {
    const twilio = await startTwilioServer();
    const app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER }), ...sendFreely, DELIVERY_TIMEOUT_MS: '500' },
      { clock: isolatedSmsClock() },
    );
    try {
      const { username, phoneNumber } = await createSmsUser(app);
      twilio.behave('hang');
      const started = Date.now();
      const response = await postGenerate(app, username);
      const took = Date.now() - started;
      expect(response.statusCode).toBe(502);
      expect(response.json<{ detail: string }>().detail).toMatch(/^The code could not be delivered by SMS: the (SMS )?provider did not answer in time; no code was issued$/);
      expect(took).toBeGreaterThanOrEqual(450);
      expect(took).toBeLessThan(5_000);

      const refused = await submitCode(app, username, codeIn(requestsTo(twilio, phoneNumber)[0]));
      expect(refused.json()).toEqual(NO_PENDING_CODE);
      const rows = await storedOtpLogs(database, username);
      expect(rows.map((row) => row.status)).toEqual(['FAILED']);
      expect(rows[0]?.delivery_error).toMatch(/^DELIVERY_FAILED: .*(timeout|DELIVERY_TIMEOUT)/i);
    } finally {
      await app.close();
      await twilio.close();
    }
  });
});

describe('Twilio configuration', () => {
  it('refuses to start with an account but neither a sender number nor a messaging service', async () => {
    await expect(createTestApp({ TWILIO_ACCOUNT_SID: `AC${'0'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token' })).rejects.toThrow(
      /TWILIO_PHONE_NUMBER: or TWILIO_MESSAGING_SERVICE_SID is required/,
    );
  });
});
