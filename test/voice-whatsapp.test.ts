// Voice and WhatsApp as channels, through the twilio SDK against a real HTTP server of the
// test's own that answers like Twilio's Messages and Calls APIs. A call reads the code slowly,
// digit by digit, twice, in the user's language; WhatsApp goes to whatsapp:+... as a Content
// template when one is configured and as plain text (the sandbox) otherwise. Both cost like SMS,
// so both pass the SMS budget and pumping defence before anything is sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locales } from '../src/delivery/templates.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createUser, submitCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { unusedPort } from './support/smtp.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type CapturedSms, type TestTwilioServer } from './support/twilio.js';
import { GenerateOtpDocument, UserFactorsDocument } from './generated/graphql.js';

const SENDER = '+15005550006';
const WHATSAPP_FROM = '+14155238886';
const CONTENT_SID = `HX${'ab'.repeat(16)}`;
const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };

function generateBy(app: TestApp, username: string, channel: string) {
  return app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}&channel=${channel}` });
}

function onlyRequestTo(twilio: TestTwilioServer, to: string): CapturedSms {
  const sent = twilio.requests.filter((request) => request.to === to);
  expect(sent).toHaveLength(1);
  return sent[0] as CapturedSms;
}

/** The TwiML the service sends for `code` in English, written out: what a reviewer reads. */
function englishTwiml(code: string): string {
  const digits = `${code.split('').join(', ')}.`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?><Response>' +
    '<Say language="en-US">Hello. This is FountainAI. Your verification code is:</Say><Pause length="1"/>' +
    `<Say language="en-US">${digits}</Say><Pause length="2"/>` +
    '<Say language="en-US">Once more, your code is:</Say><Pause length="1"/>' +
    `<Say language="en-US">${digits}</Say><Pause length="1"/>` +
    '<Say language="en-US">It is valid for 5 minutes. Never share it with anyone. Goodbye.</Say>' +
    '</Response>'
  );
}

describe('voice calls and WhatsApp through Twilio', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let base = '';
  beforeAll(async () => {
    twilio = await startTwilioServer();
    const port = await unusedPort();
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp(
      { ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, TWILIO_WHATSAPP_FROM: WHATSAPP_FROM, PUBLIC_BASE_URL: base }), ...sendFreely },
      { clock: isolatedSmsClock() },
    );
    await app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it('calls from TWILIO_PHONE_NUMBER with TwiML that reads the code twice, digit by digit; the code then verifies', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber });
    const response = await generateBy(app, username, 'VOICE');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ otp_code: string; channel: string; channel_reason: string }>();
    expect(body).toMatchObject({ channel: 'VOICE', channel_reason: 'REQUESTED' });

    const call = onlyRequestTo(twilio, phoneNumber);
    expect(call.kind).toBe('call');
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.form).toMatchObject({ To: phoneNumber, From: SENDER, Timeout: '30', StatusCallback: expect.stringMatching(/\/delivery\/twilio\/status\?code=\d+$/) as string });
    expect(call.form.StatusCallbackEvent).toBeDefined();
    expect(call.body).toBe(englishTwiml(body.otp_code));

    // a call answered and ended is a delivered code
    expect((await twilio.postStatus(call.sid ?? '', 'completed')).status).toBe(204);
    expect((await submitCode(app, username, body.otp_code)).statusCode).toBe(200);
  });

  it.each(locales)('renders the call in %s: its language on every <Say>, the code spaced out twice', async (locale) => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber, locale });
    const response = await generateBy(app, username, 'VOICE');
    expect(response.statusCode, response.body).toBe(200);
    const code = response.json<{ otp_code: string }>().otp_code;
    const twiml = onlyRequestTo(twilio, phoneNumber).body;
    const language = { en: 'en-US', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', pt: 'pt-PT', it: 'it-IT' }[locale];
    const says = [...twiml.matchAll(/<Say language="([^"]+)">([^<]*)<\/Say>/g)];
    expect(says.length).toBeGreaterThanOrEqual(5);
    expect(says.every(([, lang]) => lang === language)).toBe(true);
    expect(says.filter(([, , text]) => text === `${code.split('').join(', ')}.`)).toHaveLength(2);
    // the code never appears as one number, which a voice would read as "four hundred eighty-two thousand..."
    expect(twiml).not.toContain(code);
    if (locale === 'de') expect(twiml).toContain('Ihr Bestätigungscode lautet');
  });

  it('reads what a code approves (context), escaped for XML', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber });
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username, channel: 'VOICE', context: 'Pay 42 <EUR> to "ACME" & Co' });
    expectType(generateOtp, 'GenerateOtpPayload');
    expect(onlyRequestTo(twilio, phoneNumber).body).toContain('<Say language="en-US">It approves: Pay 42 &lt;EUR&gt; to &quot;ACME&quot; &amp; Co.</Say>');
  });

  it('sends WhatsApp to whatsapp:+… from TWILIO_WHATSAPP_FROM, as the SMS text without a Content template (sandbox)', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber, locale: 'de' });
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username, channel: 'WHATSAPP' });
    const payload = expectType(generateOtp, 'GenerateOtpPayload');
    expect(payload).toMatchObject({ channel: 'WHATSAPP', channelReason: 'REQUESTED', fallbackFrom: null });
    const [message, ...others] = twilio.requests.filter((request) => request.to === `whatsapp:${phoneNumber}`);
    expect(others).toEqual([]);
    expect(message?.form).toMatchObject({ To: `whatsapp:${phoneNumber}`, From: `whatsapp:${WHATSAPP_FROM}` });
    expect(message?.body).toBe(`Ihr FountainAI-Bestätigungscode lautet ${payload.otpCode ?? ''}. Er ist 5 Minuten gültig. Geben Sie ihn niemals weiter.`);
    expect(message?.form.ContentSid).toBeUndefined();
  });

  it('lists WhatsApp and voice among the factors of a user with a phone number', async () => {
    const username = await createUser(app, { phoneNumber: uniqueMobile() });
    const { user } = await execute(app, UserFactorsDocument, { username });
    expect(user?.factors.map((factor) => factor.kind)).toEqual(['EMAIL_CODE', 'SMS_CODE', 'WHATSAPP_CODE', 'VOICE_CODE']);
    const emailOnly = await createUser(app);
    expect((await execute(app, UserFactorsDocument, { username: emailOnly })).user?.factors.map((factor) => factor.kind)).toEqual(['EMAIL_CODE']);
  });

  it('refuses a premium-rate number by voice and WhatsApp too, before anything is sent', async () => {
    const phoneNumber = '+499001234567';
    const username = await createUser(app, { email: null, phoneNumber });
    for (const [channel, by] of [['VOICE', 'voice call'], ['WHATSAPP', 'WhatsApp']] as const) {
      const response = await generateBy(app, username, channel);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: `Codes are not sent by ${by} to premium-rate or shared-cost numbers` });
    }
    expect(twilio.requests.filter((request) => request.to.endsWith(phoneNumber))).toEqual([]);
  });
});

describe('WhatsApp with a Content template, and the shared SMS budget', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp(
      {
        ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, TWILIO_WHATSAPP_FROM: `whatsapp:${WHATSAPP_FROM}`, TWILIO_WHATSAPP_CONTENT_SID: CONTENT_SID }),
        ...sendFreely,
        SMS_MAX_PER_HOUR: '2',
      },
      { clock: isolatedSmsClock() },
    );
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it('sends the code as the template’s variable 1, and SMS, WhatsApp and voice draw on one hourly budget', async () => {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: null, phoneNumber });
    const whatsapp = await generateBy(app, username, 'WHATSAPP');
    expect(whatsapp.statusCode, whatsapp.body).toBe(200);
    const code = whatsapp.json<{ otp_code: string }>().otp_code;
    const [message] = twilio.requests.filter((request) => request.to === `whatsapp:${phoneNumber}`);
    expect(message?.form).toEqual({ To: `whatsapp:${phoneNumber}`, From: `whatsapp:${WHATSAPP_FROM}`, ContentSid: CONTENT_SID, ContentVariables: JSON.stringify({ 1: code }) });
    expect(message?.sid).toMatch(/^MM/);

    expect((await generateBy(app, username, 'SMS')).statusCode).toBe(200);
    const refused = await generateBy(app, username, 'VOICE');
    expect(refused.statusCode).toBe(429);
    expect(refused.json<{ detail: string }>().detail).toMatch(/^The service's hourly SMS budget is used up/);
    expect(twilio.requests.filter((request) => request.kind === 'call')).toEqual([]);
  });
});

describe('without WhatsApp or voice settings', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp({ ...twilioEnv(twilio, { TWILIO_MESSAGING_SERVICE_SID: `MG${'0'.repeat(32)}` }), ...sendFreely }, { clock: isolatedSmsClock() });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  it('offers neither: 503 when asked for, not among the factors, nothing sent', async () => {
    const username = await createUser(app, { phoneNumber: uniqueMobile() });
    for (const channel of ['VOICE', 'WHATSAPP']) {
      const response = await generateBy(app, username, channel);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ detail: 'No delivery channel is configured for this method' });
    }
    expect(twilio.requests).toEqual([]);
    const { user } = await execute(app, UserFactorsDocument, { username });
    expect(user?.factors.map((factor) => factor.kind)).toEqual(['EMAIL_CODE', 'SMS_CODE']);
  });
});
