import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilioSdk from 'twilio';
import { ManualClock } from './app.js';

/** One request to the Messages API (or the Calls API) as the server received it. */
export interface CapturedSms {
  /** a message (SMS or WhatsApp, Messages.json) or a call (Calls.json) */
  kind: 'message' | 'call';
  /** the account in the URL path */
  accountSid: string;
  /** the credentials of the Basic Authorization header, if any */
  auth: { username: string; password: string } | undefined;
  /** every form field, under Twilio's names (To, From, MessagingServiceSid, Body, ...) */
  form: Record<string, string>;
  to: string;
  /** the message's text; for a call, its TwiML */
  body: string;
  /** the Message or Call SID answered, when the server accepted it */
  sid: string | undefined;
}

/** A status callback the server posted, as it sent it, and the service's answer. */
export interface PostedCallback {
  url: string;
  signature: string;
  form: Record<string, string>;
  status: number;
  answer: string;
}

/** An error answer in Twilio's shape: `{ code, message, more_info, status }`. */
export interface TwilioErrorAnswer {
  status: number;
  code: number;
  message: string;
}

/**
 * How the server answers from the next request on: `accept` (201 and a queued message), an
 * error body (`TwilioErrorAnswer`), `unavailable` (503 with a non-JSON body, as a load
 * balancer answers) or `hang` (read the request, never answer).
 */
export type TwilioBehaviour = 'accept' | 'hang' | 'unavailable' | TwilioErrorAnswer;

export interface TestTwilioServer {
  /** for TWILIO_API_BASE_URL */
  url: string;
  accountSid: string;
  authToken: string;
  requests: CapturedSms[];
  behave(behaviour: TwilioBehaviour): void;
  /**
   * Posts a status callback for the message or call `sid` to the StatusCallback URL it was
   * sent with, form-encoded and signed as Twilio signs (`X-Twilio-Signature`, HMAC-SHA1 of the
   * URL and the sorted fields under the auth token): MessageStatus or CallStatus `status`.
   */
  postStatus(sid: string, status: string, extra?: Record<string, string>): Promise<PostedCallback>;
  close(): Promise<void>;
}

/** Twilio's signature of a callback to `url` with `form`, under `authToken` (the SDK's own function). */
export function twilioSignature(authToken: string, url: string, form: Record<string, string>): string {
  return twilioSdk.getExpectedTwilioSignature(authToken, url, form);
}

/** Posts `form` to `url` as Twilio would, with `signature` (or none), and reads the answer. */
export async function postCallback(url: string, form: Record<string, string>, signature: string | undefined): Promise<PostedCallback> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(signature === undefined ? {} : { 'x-twilio-signature': signature }) },
    body: new URLSearchParams(form).toString(),
  });
  return { url, signature: signature ?? '', form, status: response.status, answer: await response.text() };
}

/** Twilio's answers for the errors the tests provoke, with Twilio's own wording. */
export const twilioErrors = {
  invalidNumber: { status: 400, code: 21211, message: "The 'To' number {to} is not a valid phone number." },
  notMobile: { status: 400, code: 21614, message: "'To' number {to} is not a valid mobile number" },
  regionNotEnabled: {
    status: 400,
    code: 21408,
    message: 'Permission to send an SMS has not been enabled for the region indicated by the \'To\' number: {to}.',
  },
  unsubscribed: { status: 400, code: 21610, message: 'Attempt to send to unsubscribed recipient' },
  unreachable: { status: 400, code: 30003, message: 'Unreachable destination handset' },
  internalError: { status: 500, code: 20500, message: 'Internal Server Error' },
  tooManyRequests: { status: 429, code: 20429, message: 'Too Many Requests' },
} satisfies Record<string, TwilioErrorAnswer>;

/**
 * A real HTTP server on 127.0.0.1 answering like Twilio's Messages API:
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded, HTTP Basic auth with
 * the account SID and auth token, Twilio-shaped JSON for a queued message and for errors.
 * It keeps every request it got, whatever it answered, so a test can read the code a failed
 * send carried. `{to}` in an error message is replaced by the request's number, as Twilio does.
 */
export async function startTwilioServer(): Promise<TestTwilioServer> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const requests: CapturedSms[] = [];
  let behaviour: TwilioBehaviour = 'accept';
  const hanging = new Set<ServerResponse>();

  const server = createServer((request, response) => {
    void readBody(request).then((raw) => answer(request, response, raw));
  });

  function answer(request: IncomingMessage, response: ServerResponse, raw: string) {
    const path = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !path) {
      return send(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    const kind = path[2] === 'Calls' ? 'call' : 'message';
    const auth = basicAuth(request.headers.authorization);
    if (auth?.username !== accountSid || auth.password !== authToken) {
      return send(response, 401, { code: 20003, message: 'Authenticate', status: 401 });
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    const captured: CapturedSms = {
      kind,
      accountSid: path[1] ?? '',
      auth,
      form,
      to: form.To ?? '',
      body: (kind === 'call' ? form.Twiml : form.Body) ?? '',
      sid: undefined,
    };
    requests.push(captured);
    if (captured.accountSid !== accountSid) {
      return send(response, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    }
    if (!form.To) return send(response, 400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
    if (kind === 'call' && !form.Twiml && !form.Url) return send(response, 400, { code: 21205, message: 'Url parameter is required.', status: 400 });
    if (kind === 'message' && !form.Body && !form.ContentSid) return send(response, 400, { code: 21602, message: 'Message body is required.', status: 400 });
    if (kind === 'call' && !form.From) return send(response, 400, { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    if (!form.From && !form.MessagingServiceSid) {
      return send(response, 400, { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    }

    if (behaviour === 'hang') {
      hanging.add(response);
      response.on('close', () => hanging.delete(response));
      return;
    }
    if (behaviour === 'unavailable') {
      response.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>503 Service Unavailable</body></html>');
      return;
    }
    if (behaviour !== 'accept') {
      const { status, code, message } = behaviour;
      return send(response, status, { code, message: message.replace('{to}', form.To), status });
    }

    const now = new Date().toUTCString().replace('GMT', '+0000');
    if (kind === 'call') {
      captured.sid = `CA${randomBytes(16).toString('hex')}`;
      return send(response, 201, {
        account_sid: accountSid,
        api_version: '2010-04-01',
        date_created: now,
        date_updated: now,
        direction: 'outbound-api',
        from: form.From,
        to: form.To,
        sid: captured.sid,
        status: 'queued',
        uri: `/2010-04-01/Accounts/${accountSid}/Calls/${captured.sid}.json`,
      });
    }
    captured.sid = `${form.ContentSid ? 'MM' : 'SM'}${randomBytes(16).toString('hex')}`;
    send(response, 201, {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: form.Body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: captured.sid,
      // with a messaging service and no From, Twilio first "accepts" and picks a sender later
      status: form.From ? 'queued' : 'accepted',
      subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${captured.sid}/Media.json` },
      to: form.To,
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${captured.sid}.json`,
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    behave(next) {
      behaviour = next;
    },
    postStatus(sid, status, extra = {}) {
      const sent = requests.find((request) => request.sid === sid);
      const url = sent?.form.StatusCallback;
      if (!sent || !url) throw new Error(`no message or call ${sid} with a StatusCallback`);
      const form =
        sent.kind === 'call'
          ? { AccountSid: accountSid, CallSid: sid, CallStatus: status, From: sent.form.From ?? '', To: sent.to, ApiVersion: '2010-04-01', ...extra }
          : { AccountSid: accountSid, MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, To: sent.form.To ?? '', ApiVersion: '2010-04-01', ...extra };
      return postCallback(url, form, twilioSignature(authToken, url, form));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The environment that points the app's SMS channel at `server`. */
export function twilioEnv(server: TestTwilioServer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TWILIO_ACCOUNT_SID: server.accountSid,
    TWILIO_AUTH_TOKEN: server.authToken,
    TWILIO_API_BASE_URL: server.url,
    ...extra,
  };
}

/**
 * A clock in a stretch of time of its own, far from now and from every other such clock: the
 * SMS budgets count every SMS of the last hour in the whole (shared) test database, so a test
 * that sends or counts SMS must not see the other test files' sends, nor they its. Each clock
 * claims one of 25,000 sixteen-day slots (years 2300 to 3400; a test moves its clock forward
 * by up to twelve days) by creating the slot's folder in the run's own folder (global-setup.ts),
 * which only one claimant can do: no two clocks of a run share a slot, in any worker. (Drawn at
 * random without claiming, two of a run's clocks met about once in 400 runs. Clocks stay below
 * year 4000, past which TOTP's time step outgrows PostgreSQL's int4 column.)
 */
export function isolatedSmsClock(): ManualClock {
  const day = 86_400_000;
  const slots = inject('clockSlots');
  for (;;) {
    const slot = randomInt(0, 25_000);
    try {
      mkdirSync(join(slots, String(slot)));
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EEXIST') continue;
      throw error;
    }
    return new ManualClock(new Date(Date.UTC(2300, 0, 1) + slot * 16 * day));
  }
}

/** A valid German mobile number no other test uses (+49 151 and eight random digits). */
export function uniqueMobile(prefix = '+49151', digits = 8): string {
  return `${prefix}${String(randomInt(0, 10 ** digits)).padStart(digits, '0')}`;
}

function basicAuth(header: string | undefined): { username: string; password: string } | undefined {
  const encoded = /^Basic (.+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: Record<string, unknown>) {
  const payload = 'code' in body && 'status' in body ? { ...body, more_info: `https://www.twilio.com/docs/errors/${String(body.code)}` } : body;
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}
