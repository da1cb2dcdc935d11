// Fallback: a code that does not arrive steers the user's next code to their next channel.
// A number whose SMS is reported undelivered gets its next code by WhatsApp, and when that
// fails too, by a voice call; a code with no "delivered" receipt within
// DELIVERY_FALLBACK_SECONDS counts as failed the same way. Nothing is sent again by itself:
// only the caller's next generate moves on, and its answer says which channel and why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ManualClock, type TestApp } from './support/app.js';
import { createUser, submitCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { unusedPort } from './support/smtp.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type CapturedSms, type TestTwilioServer } from './support/twilio.js';
import { GenerateOtpDocument } from './generated/graphql.js';

const SENDER = '+15005550006';
const WHATSAPP_FROM = '+14155238886';
const FALLBACK_SECONDS = 60;
const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };

interface GenerateAnswer {
  otp_code: string;
  channel: string;
  channel_reason: string;
  fallback_from: string | null;
}

describe('fallback to the next channel', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    clock = isolatedSmsClock();
    const port = await unusedPort();
    app = await createTestApp(
      {
        ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: SENDER, TWILIO_WHATSAPP_FROM: WHATSAPP_FROM, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }),
        ...sendFreely,
        DELIVERY_FALLBACK_SECONDS: String(FALLBACK_SECONDS),
      },
      { clock },
    );
    await app.listen({ port, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    await twilio.close();
  });

  /** Everything Twilio received for the number, by any channel, in order. */
  const sentTo = (phoneNumber: string) => twilio.requests.filter((request) => request.to === phoneNumber || request.to === `whatsapp:${phoneNumber}`);

  async function generate(username: string, query = ''): Promise<{ answer: GenerateAnswer; sent: CapturedSms }> {
    const before = twilio.requests.length;
    const response = await app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}${query}` });
    expect(response.statusCode, response.body).toBe(200);
    const fresh = twilio.requests.slice(before);
    expect(fresh).toHaveLength(1);
    return { answer: response.json<GenerateAnswer>(), sent: fresh[0] as CapturedSms };
  }

  async function phoneUser(extra: { channelOrder?: ('EMAIL' | 'SMS' | 'WHATSAPP' | 'VOICE')[]; email?: string | null } = {}) {
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { email: extra.email ?? null, phoneNumber, deliveryMethod: 'SMS', channelOrder: extra.channelOrder });
    return { username, phoneNumber };
  }

  it('SMS undelivered → the next code by WhatsApp; WhatsApp failed → by voice; nothing resent in between', async () => {
    const { username, phoneNumber } = await phoneUser();
    const first = await generate(username);
    expect(first.answer).toMatchObject({ channel: 'SMS', channel_reason: 'PREFERRED', fallback_from: null });
    expect((await twilio.postStatus(first.sent.sid ?? '', 'undelivered', { ErrorCode: '30003' })).status).toBe(204);
    // the receipt was handled in full before its 204: it sent nothing
    expect(sentTo(phoneNumber)).toHaveLength(1);

    const second = await generate(username);
    expect(second.answer).toMatchObject({ channel: 'WHATSAPP', channel_reason: 'FALLBACK_UNDELIVERED', fallback_from: 'SMS' });
    expect(second.sent.to).toBe(`whatsapp:${phoneNumber}`);
    expect((await twilio.postStatus(second.sent.sid ?? '', 'failed', { ErrorCode: '63016' })).status).toBe(204);
    expect(sentTo(phoneNumber)).toHaveLength(2);

    const third = await generate(username);
    expect(third.answer).toMatchObject({ channel: 'VOICE', channel_reason: 'FALLBACK_UNDELIVERED', fallback_from: 'WHATSAPP' });
    expect(third.sent.kind).toBe('call');
    expect((await twilio.postStatus(third.sent.sid ?? '', 'completed')).status).toBe(204);
    expect((await submitCode(app, username, third.answer.otp_code)).statusCode).toBe(200);

    // the call worked: it stays the channel while SMS and WhatsApp are remembered as failed
    expect((await generate(username)).answer).toMatchObject({ channel: 'VOICE', channel_reason: 'FALLBACK_UNDELIVERED', fallback_from: 'WHATSAPP' });
    // a caller may still ask for SMS
    expect((await generate(username, '&channel=SMS')).answer).toMatchObject({ channel: 'SMS', channel_reason: 'REQUESTED', fallback_from: null });
  });

  it('no delivered receipt within DELIVERY_FALLBACK_SECONDS: the next code goes by the next channel', async () => {
    const { username } = await phoneUser();
    expect((await generate(username)).answer.channel).toBe('SMS');
    clock.advance((FALLBACK_SECONDS - 5) * 1000);
    // still within the wait: SMS again (the caller asked for a new code)
    expect((await generate(username)).answer).toMatchObject({ channel: 'SMS', channel_reason: 'PREFERRED' });
    clock.advance((FALLBACK_SECONDS + 1) * 1000);
    expect((await generate(username)).answer).toMatchObject({ channel: 'WHATSAPP', channel_reason: 'FALLBACK_NO_RECEIPT', fallback_from: 'SMS' });
  });

  it('a delivered or verified code keeps its channel, however long ago', async () => {
    const { username } = await phoneUser();
    const delivered = await generate(username);
    expect((await twilio.postStatus(delivered.sent.sid ?? '', 'delivered')).status).toBe(204);
    clock.advance(10 * FALLBACK_SECONDS * 1000);
    const verified = await generate(username);
    expect(verified.answer).toMatchObject({ channel: 'SMS', channel_reason: 'PREFERRED' });
    // no receipt ever came for this one, but the user typed its code
    expect((await submitCode(app, username, verified.answer.otp_code)).statusCode).toBe(200);
    clock.advance(10 * FALLBACK_SECONDS * 1000);
    expect((await generate(username)).answer).toMatchObject({ channel: 'SMS', channel_reason: 'PREFERRED' });
  });

  it('follows the user’s own order, with AUTO on GraphQL, and tries the first again when all failed', async () => {
    const { username, phoneNumber } = await phoneUser({ channelOrder: ['WHATSAPP', 'SMS'] });
    const auto = await execute(app, GenerateOtpDocument, { username, channel: 'AUTO' });
    expect(expectType(auto.generateOtp, 'GenerateOtpPayload')).toMatchObject({ channel: 'WHATSAPP', channelReason: 'PREFERRED', fallbackFrom: null });
    const whatsapp = sentTo(phoneNumber).at(-1);
    expect((await twilio.postStatus(whatsapp?.sid ?? '', 'undelivered')).status).toBe(204);

    const sms = await generate(username);
    expect(sms.answer).toMatchObject({ channel: 'SMS', channel_reason: 'FALLBACK_UNDELIVERED', fallback_from: 'WHATSAPP' });
    expect((await twilio.postStatus(sms.sent.sid ?? '', 'undelivered')).status).toBe(204);
    // voice is configured, but not in this user's order
    expect((await generate(username)).answer).toMatchObject({ channel: 'WHATSAPP', channel_reason: 'ALL_FAILED', fallback_from: null });
  });

  it('falls back from a phone to email at the end of the default order', async () => {
    const { username } = await phoneUser({ email: 'fallback@example.com', channelOrder: ['SMS', 'EMAIL'] });
    const sms = await generate(username);
    expect((await twilio.postStatus(sms.sent.sid ?? '', 'undelivered')).status).toBe(204);
    const response = await app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}` });
    expect(response.json()).toMatchObject({ channel: 'EMAIL', channel_reason: 'FALLBACK_UNDELIVERED', fallback_from: 'SMS', destination: 'f***@example.com' });
  });

  it('refuses an order naming a channel the user has no destination for, changing nothing', async () => {
    const username = await createUser(app, { email: 'only-email@example.com' });
    const updated = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: {
        query: 'mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename ... on ValidationFailedError { issues { path message } } } }',
        variables: { input: { username, channelOrder: ['VOICE', 'EMAIL'] } },
      },
    });
    expect(updated.json()).toEqual({
      data: { updateUser: { __typename: 'ValidationFailedError', issues: [{ path: ['phoneNumber'], message: 'is required when channelOrder names VOICE' }] } },
    });
    const twice = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: {
        query: 'mutation ($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }',
        variables: { input: { username, channelOrder: ['EMAIL', 'EMAIL'] } },
      },
    });
    expect(twice.json()).toEqual({ data: { updateUser: { __typename: 'ValidationFailedError' } } });
    const read = await app.inject({ method: 'POST', url: '/graphql', payload: { query: `{ user(username: "${username}") { channelOrder } }` } });
    expect(read.json()).toEqual({ data: { user: { channelOrder: ['EMAIL'] } } });
  });
});
