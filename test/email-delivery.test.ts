// Delivery by email through a real SMTP server, and the old service's defect 8: it saved the
// code before delivery, so when delivery failed the caller got an error but the code lived
// on. A code becomes usable only once the mail server has taken it; a refused, failed or
// hung delivery answers 502 with a `detail`, leaves no usable code, is recorded as FAILED,
// and loses nothing: the code the user already had still works.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { openTestDatabase, storedOtpLogs } from './support/db.js';
import { GenerateOtpDocument } from './generated/graphql.js';
import { createUser, postGenerate, requestCode, submitCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { startSilentServer, startSmtpServer, unusedPort, type CapturedMessage, type TestSmtpServer } from './support/smtp.js';

const FROM = 'codes@fountain.test';
const SUBJECT = 'Your FountainAI verification code';
const NOT_DELIVERED = { detail: 'The code could not be delivered by email; no code was issued' };
const NO_PENDING_CODE = { detail: 'No code is pending for this user; request a new one' };

function smtpEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SMTP_SERVER: '127.0.0.1',
    SMTP_PORT: String(port),
    SMTP_SECURITY: 'none',
    SMTP_FROM_EMAIL: FROM,
    SMTP_TIMEOUT_MS: '2000',
    ...extra,
  };
}

/** A user whose email address is theirs alone, so the server's messages to it are the test's. */
async function createMailUser(app: TestApp): Promise<{ username: string; email: string }> {
  const username = uniqueName('mail');
  const email = `${username}@example.com`;
  await createUser(app, { username, email });
  return { username, email };
}

/** Every message the server received for `email`, in order. */
function messagesTo(smtp: TestSmtpServer, email: string): CapturedMessage[] {
  return smtp.messages.filter((message) => message.to.includes(email));
}

/** The one message the server received for `email`. */
function messageTo(smtp: TestSmtpServer, email: string): CapturedMessage | undefined {
  const received = messagesTo(smtp, email);
  expect(received, `messages to ${email}`).toHaveLength(1);
  return received[0];
}

/** The six-digit code in a received email's text. */
function codeIn(message: CapturedMessage | undefined): string {
  const code = /\b\d{6}\b/.exec(message?.text ?? '')?.[0];
  expect(code, message?.text).toMatch(/^\d{6}$/);
  return code ?? '';
}

describe('email delivery through a real SMTP server', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await createTestApp(smtpEnv(smtp.port));
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it('sends the code to the user: sender, recipient, subject, text and HTML parts', async () => {
    const { username, email } = await createMailUser(app);
    const { code, response } = await requestCode(app, username);
    expect(response.json<{ channel: string }>().channel).toBe('EMAIL');

    const message = messageTo(smtp, email);
    expect(message).toMatchObject({ from: FROM, to: [email], subject: SUBJECT, user: undefined, accepted: true });
    expect(message?.raw).toMatch(new RegExp(`^From: .*${FROM}`, 'm'));
    expect(message?.raw).toMatch(new RegExp(`^To: .*${email}`, 'm'));
    expect(codeIn(message)).toBe(code);
    expect(message?.text).toContain('5 minutes');
    expect(message?.html).toMatch(/<html/i);
    expect(message?.html).toContain(code);

    const verified = await submitCode(app, username, code);
    expect(verified.statusCode, verified.body).toBe(200);
  });

  it('writes to a German user in German, signed by FountainAI, with no auto-replies wanted', async () => {
    const username = uniqueName('mail');
    const email = `${username}@example.com`;
    await createUser(app, { username, email, locale: 'de' });
    const { code } = await requestCode(app, username);

    const message = messageTo(smtp, email);
    expect(message?.subject).toBe('Ihr FountainAI-Bestätigungscode');
    // SMTP carries lines as CRLF
    expect(message?.text.replace(/\r\n/g, '\n').trimEnd()).toBe(
      [
        `Ihr FountainAI-Bestätigungscode lautet ${code}.`,
        '',
        'Er ist 5 Minuten gültig und kann einmal verwendet werden.',
        'Wenn Sie diesen Code nicht angefordert haben, können Sie diese E-Mail ignorieren; ohne den Code kann sich niemand anmelden.',
        '',
        '— FountainAI',
      ].join('\n'),
    );
    expect(message?.html).toContain('<html lang="de">');
    expect(message?.raw).toMatch(new RegExp(`^From: FountainAI <${FROM}>`, 'm'));
    expect(message?.raw).toMatch(/^Content-Language: de$/m);
    expect(message?.raw).toMatch(/^Auto-Submitted: auto-generated$/m);
  });

  it('sends the code asked for over GraphQL too', async () => {
    const { username, email } = await createMailUser(app);
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username });
    const payload = expectType(generateOtp, 'GenerateOtpPayload');
    expect(payload.channel).toBe('EMAIL');
    expect(payload.otpCode).toMatch(/^\d{6}$/);
    expect(codeIn(messageTo(smtp, email))).toBe(payload.otpCode);
  });
});

describe('an SMTP server that requires authentication', () => {
  const credentials = { username: 'mailer', password: 's3cret-pass' };
  let smtp: TestSmtpServer;
  let app: TestApp;
  let badPassword: TestApp;
  let database: Database;
  beforeAll(async () => {
    smtp = await startSmtpServer({ auth: credentials });
    app = await createTestApp(smtpEnv(smtp.port, { SMTP_USERNAME: credentials.username, SMTP_PASSWORD: credentials.password }));
    badPassword = await createTestApp(smtpEnv(smtp.port, { SMTP_USERNAME: credentials.username, SMTP_PASSWORD: 'wrong' }));
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await badPassword.close();
    await smtp.close();
    await database.close();
  });

  it('logs in with SMTP_USERNAME and SMTP_PASSWORD and delivers', async () => {
    const { username, email } = await createMailUser(app);
    const { code } = await requestCode(app, username);
    const message = messageTo(smtp, email);
    expect(message?.user).toBe(credentials.username);
    expect(codeIn(message)).toBe(code);
  });

  it('with a wrong password: 502, nothing sent, the code recorded as FAILED', async () => {
    const { username, email } = await createMailUser(badPassword);
    const response = await postGenerate(badPassword, username);
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual(NOT_DELIVERED);
    expect(messagesTo(smtp, email)).toEqual([]);

    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => row.status)).toEqual(['FAILED']);
    expect(rows[0]?.delivery_error).toMatch(/auth/i);
  });
});

describe('an SMTP server that refuses the message', () => {
  const clock = new ManualClock();
  let smtp: TestSmtpServer;
  let app: TestApp;
  let database: Database;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await createTestApp(smtpEnv(smtp.port), { clock });
    database = await openTestDatabase();
  });
  afterEach(() => smtp.behave({}));
  afterAll(async () => {
    await app.close();
    await smtp.close();
    await database.close();
  });

  it('refused after reading it: 502, and the code it carried does not work', async () => {
    const { username, email } = await createMailUser(app);
    smtp.behave({ refuseData: true });
    const response = await postGenerate(app, username);
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual(NOT_DELIVERED);

    const message = messageTo(smtp, email);
    expect(message?.accepted).toBe(false);
    const refused = await submitCode(app, username, codeIn(message));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual(NO_PENDING_CODE);

    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => row.status)).toEqual(['FAILED']);
    expect(rows[0]?.delivery_error).toMatch(/554|refused/i);
  });

  it('recipient refused: 502 and no usable code', async () => {
    const { username, email } = await createMailUser(app);
    smtp.behave({ refuseRecipients: true });
    const response = await postGenerate(app, username);
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual(NOT_DELIVERED);
    expect(messagesTo(smtp, email)).toEqual([]);

    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => row.status)).toEqual(['FAILED']);
    expect(rows[0]?.delivery_error).toMatch(/550|mailbox|recipient/i);
    expect(rows[0]?.delivery_error).not.toContain(email);
    expect(rows[0]?.delivery_error).toContain(`${email.slice(0, 1)}***@`);
  });

  it('loses nothing: the code the user already had still works after a failed new send', async () => {
    const { username, email } = await createMailUser(app);
    const { code: firstCode } = await requestCode(app, username);

    clock.advance(2 * 60_000);
    smtp.behave({ refuseData: true });
    const second = await postGenerate(app, username);
    expect(second.statusCode).toBe(502);
    const sent = messagesTo(smtp, email);
    expect(sent.map((message) => message.accepted)).toEqual([true, false]);
    const secondCode = codeIn(sent[1]);
    expect(secondCode).not.toBe(firstCode);

    // The refused code is no code at all: verifying it counts as a wrong guess on the live one.
    const refused = await submitCode(app, username, secondCode);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ detail: 'Invalid code' });

    const kept = await submitCode(app, username, firstCode);
    expect(kept.statusCode, kept.body).toBe(200);
    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => row.status)).toEqual(['USED', 'FAILED']);
  });
});

describe('an SMTP server that is down or hangs', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('nothing listening: 502 on REST, DeliveryFailedError on GraphQL, no usable code, rows FAILED', async () => {
    const app = await createTestApp(smtpEnv(await unusedPort()));
    try {
      const restUser = await createMailUser(app);
      const response = await postGenerate(app, restUser.username);
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual(NOT_DELIVERED);

      const graphqlUser = await createMailUser(app);
      const { generateOtp } = await execute(app, GenerateOtpDocument, { username: graphqlUser.username });
      expect(expectType(generateOtp, 'DeliveryFailedError')).toEqual({
        __typename: 'DeliveryFailedError',
        code: 'DELIVERY_FAILED',
        channel: 'EMAIL',
        message: NOT_DELIVERED.detail,
      });

      for (const { username } of [restUser, graphqlUser]) {
        const noCode = await submitCode(app, username, '123456');
        expect(noCode.statusCode).toBe(400);
        expect(noCode.json()).toEqual(NO_PENDING_CODE);

        const rows = await storedOtpLogs(database, username);
        expect(rows.map((row) => row.status)).toEqual(['FAILED']);
        expect(rows[0]?.delivery_error).toMatch(/ECONNREFUSED/);
      }
    } finally {
      await app.close();
    }
  });

  it('connected but silent: gives up after SMTP_TIMEOUT_MS with 502 and no usable code', async () => {
    const silent = await startSilentServer();
    const app = await createTestApp(smtpEnv(silent.port, { SMTP_TIMEOUT_MS: '500' }));
    try {
      const { username } = await createMailUser(app);
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(502);
      expect(response.json()).toEqual(NOT_DELIVERED);

      const rows = await storedOtpLogs(database, username);
      expect(rows.map((row) => row.status)).toEqual(['FAILED']);
      expect(rows[0]?.delivery_error).toMatch(/^ETIMEDOUT: /);
    } finally {
      await app.close();
      await silent.close();
    }
  });
});
