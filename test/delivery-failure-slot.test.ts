// Attack on the user, by the network: a mail server or Twilio that fails. The send throttle
// took the user's slot before delivering; had a failed delivery kept it, a user whose code
// never arrived would have to wait out the resend interval (and lose one of the hour's sends)
// for nothing. A failed or timed-out delivery gives the slot back: the next generate is
// allowed at once, the failure never counts towards the hourly cap, and no answer claims that
// a code was sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { openTestDatabase, storedOtpLogs } from './support/db.js';
import { createUser, postGenerate, submitCode } from './support/flows.js';
import { startSmtpServer, unusedPort, type TestSmtpServer } from './support/smtp.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, twilioErrors, uniqueMobile, type TestTwilioServer } from './support/twilio.js';

const smtpEnv = (port: number) => ({
  SMTP_SERVER: '127.0.0.1',
  SMTP_PORT: String(port),
  SMTP_SECURITY: 'none',
  SMTP_FROM_EMAIL: 'codes@fountain.test',
  // Far above a refused connection's answer: at 2 s a loaded machine answered the refusal late
  // and the failure was told as a timeout.
  SMTP_TIMEOUT_MS: '10000',
  // two sends an hour: three failures in a row would use them up if they counted
  OTP_MAX_SENDS_PER_HOUR: '2',
});

describe('a failed delivery gives its send slot back', () => {
  const clock = new ManualClock();
  let smtp: TestSmtpServer;
  let down: TestApp;
  let up: TestApp;
  let database: Database;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    // Two apps on one database and clock: one whose mail server is gone, one whose answers.
    down = await createTestApp(smtpEnv(await unusedPort()), { clock });
    up = await createTestApp(smtpEnv(smtp.port), { clock });
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await Promise.all([down.close(), up.close(), smtp.close(), database.close()]);
  });

  it('email: three failures in a row, then a send at once, and the hour still has room for another', async () => {
    const username = uniqueName('mail');
    await createUser(up, { username, email: `${username}@example.com` });
    for (let i = 0; i < 3; i++) {
      const failed = await postGenerate(down, username);
      expect(failed.statusCode).toBe(502);
      expect(failed.json()).toEqual({ detail: 'The code could not be delivered by email; no code was issued' });
      expect(failed.body).not.toMatch(/\bsent\b/i);
    }
    const sent = await postGenerate(up, username);
    expect(sent.statusCode, sent.body).toBe(200);
    const code = sent.json<{ otp_code: string }>().otp_code;
    expect((await submitCode(up, username, code)).statusCode).toBe(200);

    clock.advance(31_000);
    expect((await postGenerate(up, username)).statusCode).toBe(200);
    clock.advance(31_000);
    // Two delivered this hour: now the cap holds.
    expect((await postGenerate(up, username)).statusCode).toBe(429);
    expect((await storedOtpLogs(database, username)).map((row) => row.status).sort()).toEqual(['ACTIVE', 'FAILED', 'FAILED', 'FAILED', 'USED']);
  });
});

describe('a failed SMS gives its send slot back', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  beforeAll(async () => {
    twilio = await startTwilioServer();
    app = await createTestApp(twilioEnv(twilio, { TWILIO_PHONE_NUMBER: '+15005550006', DELIVERY_TIMEOUT_MS: '3000' }), { clock: isolatedSmsClock() });
  });
  afterAll(async () => {
    await Promise.all([app.close(), twilio.close()]);
  });

  it.each([
    ['Twilio cannot reach the phone', twilioErrors.unreachable],
    ['Twilio is unavailable', 'unavailable' as const],
    ['Twilio does not answer in time', 'hang' as const],
  ])('%s: 502, no code, and the next generate is allowed at once', async (_case, behaviour) => {
    const username = await createUser(app, { phoneNumber: uniqueMobile(), deliveryMethod: 'SMS' });
    twilio.behave(behaviour);
    const failed = await postGenerate(app, username);
    expect(failed.statusCode).toBe(502);
    expect(failed.json<{ detail: string }>().detail).toMatch(/could not be delivered by SMS.*no code was issued/);
    twilio.behave('accept');
    const sent = await postGenerate(app, username);
    expect(sent.statusCode, sent.body).toBe(200);
  });
});
