// <fountain-2fa-challenge> offers a code by each channel the user can be reached on, in Chromium
// on the try page: a user with a phone number, and Twilio (the test's own fake) configured for
// text messages, calls and WhatsApp, sees a button for email, text message, WhatsApp and a call.
// A code asked for by WhatsApp, and (in German) one asked for by a call, is read off what the
// fake Twilio received, typed into the challenge, and verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from './support/app.js';
import { servedToChromium, type Browser } from './support/browser.js';
import { createUser } from './support/flows.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type CapturedSms, type TestTwilioServer } from './support/twilio.js';
import { collectVerified, openTryPage } from './support/try-page.js';
import { buildWeb } from './support/web-build.js';

const SENDER = '+15005550006';
const WHATSAPP_FROM = '+14155238886';
const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };

describe('the challenge offers each delivered channel, in Chromium', { timeout: 240_000 }, () => {
  let app: TestApp | undefined;
  let twilio: TestTwilioServer | undefined;
  let browser: Browser | undefined;
  let origin = '';
  let close = async () => {};

  beforeAll(async () => {
    buildWeb();
    const fake = await startTwilioServer();
    twilio = fake;
    ({ app, browser, origin, close } = await servedToChromium(
      (at) => ({ ...twilioEnv(fake, { TWILIO_PHONE_NUMBER: SENDER, TWILIO_WHATSAPP_FROM: WHATSAPP_FROM, PUBLIC_BASE_URL: at }), ...sendFreely }),
      { clock: isolatedSmsClock() },
    ));
  }, 120_000);

  afterAll(async () => {
    await close();
    await twilio?.close();
  });

  /** What the fake Twilio received for `to`, once it has arrived: exactly one request. */
  async function receivedBy(to: string): Promise<CapturedSms> {
    for (let tries = 0; tries < 100; tries++) {
      const sent = twilio?.requests.filter((request) => request.to === to) ?? [];
      if (sent.length) {
        expect(sent).toHaveLength(1);
        return sent[0] as CapturedSms;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the fake Twilio received nothing for ${to}`);
  }

  /** The try page, mounted for `username`, in `lang`. */
  async function challengeFor(username: string, lang: 'en' | 'de') {
    const { page, refused } = await openTryPage(browser, origin);
    await page.evaluate((language) => document.documentElement.setAttribute('lang', language), lang);
    const verified = await collectVerified(page);
    await page.fill('#username', username);
    await page.click('button[type=submit]');
    const challenge = page.locator('fountain-2fa-challenge');
    await challenge.locator('#code').waitFor();
    const offered = await challenge.locator('.actions button.secondary').allTextContents();
    return { page, refused, verified, challenge, offered: offered.map((text) => text.trim()) };
  }

  it('sends a code by WhatsApp from its own button, and the code verifies', async () => {
    if (!app) throw new Error('the app did not start');
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { phoneNumber });
    const { page, refused, verified, challenge, offered } = await challengeFor(username, 'en');
    expect(offered).toEqual(['Send a code by email', 'Send a code by text message', 'Send a code by WhatsApp', 'Call me with a code']);

    await challenge.getByRole('button', { name: 'Send a code by WhatsApp' }).click();
    await challenge.getByRole('status').filter({ hasText: 'A code is on its way to' }).waitFor();
    const message = await receivedBy(`whatsapp:${phoneNumber}`);
    expect(message).toMatchObject({ kind: 'message', form: { From: `whatsapp:${WHATSAPP_FROM}` } });
    const code = /\b(\d{6,8})\b/.exec(message.body)?.[1] ?? '';
    expect(code).not.toBe('');
    // nothing went by the other channels
    expect(twilio?.requests.filter((request) => request.to === phoneNumber)).toEqual([]);

    await challenge.locator('#code').fill(code);
    await challenge.getByRole('button', { name: 'Verify' }).click();
    expect(await verified(1)).toMatchObject({ token: expect.any(String) as string });
    await challenge.getByText('Verified.').waitFor();
    expect(refused).toEqual([]);
    await page.close();
  });

  it('calls with a code from its own button, in German, and the code verifies', async () => {
    if (!app) throw new Error('the app did not start');
    const phoneNumber = uniqueMobile();
    const username = await createUser(app, { phoneNumber, locale: 'de' });
    const { page, verified, challenge, offered } = await challengeFor(username, 'de');
    expect(offered).toEqual(['Code per E-Mail senden', 'Code per SMS senden', 'Code per WhatsApp senden', 'Code per Anruf erhalten']);

    await challenge.getByRole('button', { name: 'Code per Anruf erhalten' }).click();
    await challenge.getByRole('status').filter({ hasText: 'Ein Code ist unterwegs' }).waitFor();
    const call = await receivedBy(phoneNumber);
    expect(call.kind).toBe('call');
    // the call reads the code digit by digit: "1, 2, 3, 4, 5, 6."
    const spoken = /<Say language="de-DE">((?:\d, )+\d)\.<\/Say>/.exec(call.body)?.[1] ?? '';
    const code = spoken.replace(/, /g, '');
    expect(code).toMatch(/^\d{6,8}$/);

    await challenge.locator('#code').fill(code);
    await challenge.getByRole('button', { name: 'Bestätigen' }).click();
    expect(await verified(1)).toMatchObject({ token: expect.any(String) as string });
    await challenge.getByText('Bestätigt.').waitFor();
    await page.close();
  });
});
