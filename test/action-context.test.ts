/**
 * Attack: approving one action with a code meant for another. A user asked to approve "Pay
 * 42.00 EUR to ACME GmbH" types the code; if the code proved only "this user typed a code", a
 * relying service (or an attacker steering it) could spend it on "Pay 4200.00 EUR to Mallory".
 * A code generated with a `context` is shown with it, is accepted only with the same context
 * (a mismatch is a wrong guess), and the result token carries the context's hash as `ctx`; a
 * code generated without one is accepted only without. On REST and GraphQL, on both databases.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import type { CodeMessage, Delivery } from '../src/vocabulary/channel.js';
import { renderEmail, renderSms } from '../src/delivery/templates.js';
import { contextHash } from '../src/vocabulary/action-context.js';
import { GenerateOtpDocument, VerifyOtpDocument } from './generated/graphql.js';
import { useTestApp, type TestApp } from './support/app.js';
import { createUser, postVerify, requestCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';

const PAY_ACME = 'Pay 42.00 EUR to ACME GmbH';
const PAY_MALLORY = 'Pay 4200.00 EUR to Mallory';
const MISMATCH = 'The code was generated for another action (context); it is not accepted for this one';

/** A delivery that keeps every message it is given, as a channel would receive it. */
function capturingDelivery() {
  const sent: CodeMessage[] = [];
  const delivery: Delivery = {
    send: (message) => {
      sent.push(message);
      return Promise.resolve({});
    },
    close: () => Promise.resolve(),
  };
  return { sent, delivery };
}

function generate(app: TestApp, username: string, context?: string) {
  const query = context === undefined ? '' : `&context=${encodeURIComponent(context)}`;
  return app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}${query}` });
}

async function codeFor(app: TestApp, username: string, context?: string): Promise<string> {
  const response = await generate(app, username, context);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ otp_code: string }>().otp_code;
}

describe('REST: a code bound to an action', () => {
  const { sent, delivery } = capturingDelivery();
  const app = useTestApp({ OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100' }, { delivery });

  it('is shown with the action, refused with another action or none (each a wrong guess), accepted with its own', async () => {
    const username = await createUser(app);
    const code = await codeFor(app, username, PAY_ACME);
    const message = sent.findLast((m) => m.code === code);
    expect(message?.context).toBe(PAY_ACME);
    if (message) expect(renderEmail(message).text).toContain(`It approves: ${PAY_ACME}`);

    const other = await postVerify(app, { username, otp_code: code, context: PAY_MALLORY });
    expect(other.statusCode).toBe(400);
    expect(other.json()).toEqual({ detail: MISMATCH });
    const none = await postVerify(app, { username, otp_code: code });
    expect(none.json()).toEqual({ detail: MISMATCH });

    const ok = await postVerify(app, { username, otp_code: code, context: PAY_ACME });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(decodeJwt(ok.json<{ token: string }>().token)).toMatchObject({ sub: username, ctx: contextHash(PAY_ACME), amr: ['otp', 'email'] });
  });

  it('a mismatch spends the code’s attempts like a wrong code: after OTP_MAX_ATTEMPTS the right action is too late', async () => {
    const username = await createUser(app);
    const code = await codeFor(app, username, PAY_ACME);
    for (let i = 0; i < 4; i++) expect((await postVerify(app, { username, otp_code: code, context: PAY_MALLORY })).json()).toEqual({ detail: MISMATCH });
    const tooMany = { detail: 'Too many wrong attempts for this code; request a new one' };
    expect((await postVerify(app, { username, otp_code: code, context: PAY_MALLORY })).json()).toEqual(tooMany);
    expect((await postVerify(app, { username, otp_code: code, context: PAY_ACME })).json()).toEqual({
      detail: 'Too many wrong attempts for this code; request a new one',
    });
  });

  it('a code generated without a context is refused with one', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await postVerify(app, { username, otp_code: code, context: PAY_ACME })).json()).toEqual({ detail: MISMATCH });
    const ok = await postVerify(app, { username, otp_code: code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(decodeJwt(ok.json<{ token: string }>().token)).not.toHaveProperty('ctx');
  });

  it('refuses a context over 256 characters (422) and one with a line break (400) before anything is sent', async () => {
    const username = await createUser(app);
    const before = sent.length;
    const long = await generate(app, username, 'x'.repeat(257));
    expect(long.statusCode).toBe(422);
    expect(long.json()).toMatchObject({ detail: [{ loc: ['query', 'context'], type: 'string_too_long' }] });
    const twoLines = await generate(app, username, 'Pay 1 EUR\nto Mallory');
    expect(twoLines.statusCode).toBe(400);
    expect(twoLines.json()).toEqual({ detail: 'context: must be one line, without control characters' });
    expect(sent.length).toBe(before);
  });
});

describe('SMS: the code and its context in one segment', () => {
  const { sent, delivery } = capturingDelivery();
  const app = useTestApp({ OTP_RESEND_INTERVAL_SECONDS: '30' }, { delivery });

  it('sends a short context in one GSM-7 segment; refuses a long one before sending or taking the send slot', async () => {
    const username = await createUser(app, { email: null, phoneNumber: '+4915112345678', deliveryMethod: 'SMS' });
    const tooLong = await generate(app, username, `${PAY_ACME}, reference ${'7'.repeat(80)}`);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json()).toEqual({ detail: 'The context does not fit in one text message with the code; shorten it or send by email' });
    // A context outside GSM-7 (here a typographic quote) would turn the SMS into 70-character UCS-2 parts.
    expect((await generate(app, username, 'Pay 42 EUR to “ACME”')).statusCode).toBe(400);
    expect(sent.filter((m) => m.to === '+4915112345678')).toHaveLength(0);

    // No send slot was taken: the resend interval does not hold this one back.
    const code = await codeFor(app, username, PAY_ACME);
    const message = sent.find((m) => m.code === code);
    expect(message && renderSms(message)).toBe(`FountainAI code ${code} to approve "${PAY_ACME}". Valid 5 minutes. Never share it.`);
  });
});

describe('GraphQL: generateOtp(context:) and verifyOtp(context:)', () => {
  const app = useTestApp();

  it('answers ContextMismatchError with attemptsLeft for another context, and binds the token for the right one', async () => {
    const username = await createUser(app);
    const generated = expectType((await execute(app, GenerateOtpDocument, { username, context: PAY_ACME })).generateOtp, 'GenerateOtpPayload');
    const code = generated.otpCode ?? '';

    const other = expectType((await execute(app, VerifyOtpDocument, { username, code, context: PAY_MALLORY })).verifyOtp, 'ContextMismatchError');
    expect(other).toMatchObject({ code: 'CONTEXT_MISMATCH', attemptsLeft: 4 });
    expectType((await execute(app, VerifyOtpDocument, { username, code })).verifyOtp, 'ContextMismatchError');

    const ok = expectType((await execute(app, VerifyOtpDocument, { username, code, context: PAY_ACME, audience: 'payments' })).verifyOtp, 'VerifyOtpPayload');
    expect(decodeJwt(ok.token)).toMatchObject({ sub: username, ctx: contextHash(PAY_ACME), aud: 'payments' });
  });

  it('refuses a blank context as ValidationFailedError, before any guess', async () => {
    const username = await createUser(app);
    const refused = expectType((await execute(app, GenerateOtpDocument, { username, context: '   ' })).generateOtp, 'ValidationFailedError');
    expect(refused.code).toBe('VALIDATION_FAILED');
  });
});
