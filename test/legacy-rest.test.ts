import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ManualClock, uniqueName, useTestApp, type TestApp } from './support/app.js';
import { createUser, postGenerate, postVerify, requestCode, submitCode, wrongCode, verifiedAnswer } from './support/flows.js';
import { executeRaw } from './support/graphql.js';

/**
 * The legacy Python service's REST contract, as its callers see it: the routes, their
 * answers, FastAPI's 422 shape for malformed requests, and that a malformed or refused
 * request changes nothing.
 */

interface GenerateBody {
  otp_code: string | null;
  expires_at: string;
  channel: string;
  channel_reason: string;
  fallback_from: string | null;
  destination: string;
}

interface LogRow {
  status: string;
  attempts: number;
  verified: boolean;
}

const LOGS = `
  query($u: String!) { logs(username: $u) { edges { node { status attempts verified } } } }`;

/** The user's codes, newest first, read through GraphQL. */
async function logsOf(app: TestApp, username: string): Promise<LogRow[]> {
  const result = await executeRaw(app, LOGS, { u: username });
  expect(result.body.errors, JSON.stringify(result.body)).toBeUndefined();
  const logs = result.body.data?.logs as { edges: { node: LogRow }[] };
  return logs.edges.map((edge) => edge.node);
}

/** Generates until the code's first digit satisfies `wanted` (each generate supersedes the last). */
async function codeWhere(app: TestApp, username: string, wanted: (code: string) => boolean): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const { code } = await requestCode(app, username);
    if (wanted(code)) return code;
  }
  throw new Error('no code of the wanted shape in 500 tries');
}

describe('legacy REST contract', () => {
  // The throttles have tests of their own; here a user may ask for as many codes as a case needs.
  const clock = new ManualClock(new Date('2030-01-02T03:04:05.678Z'));
  const app = useTestApp({ OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '1000' }, { clock });

  describe('GET /', () => {
    it('answers that the service is up', async () => {
      const response = await app.inject({ method: 'GET', url: '/' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.json()).toEqual({ status: '2FA Service is up and running!' });
    });
  });

  describe('POST /auth/generate', () => {
    it('answers the code, its expiry five minutes on, the channel and the masked destination', async () => {
      const username = await createUser(app);
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(200);
      const body = response.json<GenerateBody>();
      // the legacy fields, and why this channel (added later; legacy clients ignore fields they do not know)
      expect(Object.keys(body).sort()).toEqual(['channel', 'channel_reason', 'destination', 'expires_at', 'fallback_from', 'otp_code']);
      expect(body).toMatchObject({ channel_reason: 'PREFERRED', fallback_from: null });
      expect(body.otp_code).toMatch(/^\d{6}$/);
      expect(body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
      expect(new Date(body.expires_at).getTime() - clock.now().getTime()).toBe(5 * 60_000);
      expect(body.channel).toBe('EMAIL');
      expect(body.destination).toBe('a***@example.com');
      expect(body.destination).not.toContain('alice');

      const logs = await logsOf(app, username);
      expect(logs).toEqual([{ status: 'ACTIVE', attempts: 0, verified: false }]);
    });

    it('sends an SMS user a code with the phone number masked', async () => {
      const username = await createUser(app, { email: null, phoneNumber: '+491701234123' });
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(200);
      const body = response.json<GenerateBody>();
      expect(body.channel).toBe('SMS');
      expect(body.destination).toBe('+49 *** *** 123');
      expect(body.destination).not.toContain('1701234');
    });

    it('refuses an unknown user with 400 "User not found" and creates no row', async () => {
      const username = uniqueName('nobody');
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'User not found' });
      expect(await logsOf(app, username)).toEqual([]);
      const user = await executeRaw(app, 'query($u: String!) { user(username: $u) { username } }', { u: username });
      expect(user.body.data).toEqual({ user: null });
    });

    it('refuses a user whose two-factor authentication is off, and creates no row', async () => {
      const username = await createUser(app, { otpEnabled: false });
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Two-factor authentication is not enabled for this user' });
      expect(await logsOf(app, username)).toEqual([]);
    });

    it('refuses a user without an email address, and creates no row', async () => {
      const username = await createUser(app, { email: null });
      const response = await postGenerate(app, username);
      expect(response.statusCode).toBe(400);
      const body = response.json<{ detail: string }>();
      expect(Object.keys(body)).toEqual(['detail']);
      expect(body.detail).toMatch(/email/i);
      expect(await logsOf(app, username)).toEqual([]);
    });

    it('answers 422 in FastAPI shape when the username query parameter is missing', async () => {
      const response = await app.inject({ method: 'POST', url: '/auth/generate' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['query', 'username'], msg: 'Field required', type: 'missing' }] });
    });

    it('answers 422 when only another query parameter is given', async () => {
      const response = await app.inject({ method: 'POST', url: '/auth/generate?user=alice' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['query', 'username'], msg: 'Field required', type: 'missing' }] });
    });

    it('reads the username from the query, not from a JSON body', async () => {
      const username = await createUser(app);
      const response = await app.inject({ method: 'POST', url: '/auth/generate', payload: { username } });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['query', 'username'], msg: 'Field required', type: 'missing' }] });
      expect(await logsOf(app, username)).toEqual([]);
    });

    it('a new code supersedes the pending one', async () => {
      const username = await createUser(app);
      const { code: first } = await requestCode(app, username);
      const { code: second } = await requestCode(app, username);
      expect((await logsOf(app, username)).map((log) => log.status)).toEqual(['ACTIVE', 'SUPERSEDED']);
      if (first !== second) {
        const old = await submitCode(app, username, first);
        expect(old.statusCode).toBe(400);
        expect(old.json()).toEqual({ detail: 'Invalid code' });
      }
      const ok = await submitCode(app, username, second);
      expect(ok.statusCode).toBe(200);
    });
  });

  describe('POST /auth/verify', () => {
    it('accepts the right code once with {"success": true}', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const response = await submitCode(app, username, code);
      expect(response.statusCode).toBe(200);
      const body = response.json<Record<string, unknown>>();
      expect(body.success).toBe(true);
      expect(body).toEqual(verifiedAnswer());
      expect(await logsOf(app, username)).toEqual([{ status: 'USED', attempts: 1, verified: true }]);
    });

    it('refuses a wrong code with 400 "Invalid code" and counts the attempt', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const response = await submitCode(app, username, wrongCode(code));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Invalid code' });
      expect(await logsOf(app, username)).toEqual([{ status: 'ACTIVE', attempts: 1, verified: false }]);
      const ok = await submitCode(app, username, code);
      expect(ok.statusCode).toBe(200);
    });

    it('refuses a replay of a used code with 400', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      expect((await submitCode(app, username, code)).statusCode).toBe(200);
      const replay = await submitCode(app, username, code);
      expect(replay.statusCode).toBe(400);
      expect(replay.json()).toEqual({ detail: 'The code has already been used; request a new one' });
      expect(await logsOf(app, username)).toEqual([{ status: 'USED', attempts: 1, verified: true }]);
    });

    it('refuses an unknown user with 400 "User not found"', async () => {
      const response = await postVerify(app, { username: uniqueName('nobody'), otp_code: '123456' });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'User not found' });
    });

    it('refuses a user with no pending code with 400', async () => {
      const username = await createUser(app);
      const response = await submitCode(app, username, '123456');
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'No code is pending for this user; request a new one' });
    });

    it('refuses an expired code with 400', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      clock.advance(5 * 60_000);
      const response = await submitCode(app, username, code);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'The code has expired; request a new one' });
    });

    it('reads an otp_code sent as a JSON number as its digits', async () => {
      const username = await createUser(app);
      const code = await codeWhere(app, username, (c) => !c.startsWith('0'));
      const response = await postVerify(app, `{"username": ${JSON.stringify(username)}, "otp_code": ${code}}`, {
        'content-type': 'application/json',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual(verifiedAnswer());
    });

    it('refuses a JSON number that loses the leading zero of the code, as legacy did', async () => {
      const username = await createUser(app);
      const code = await codeWhere(app, username, (c) => c.startsWith('0'));
      const asNumber = String(Number(code));
      const response = await postVerify(app, `{"username": ${JSON.stringify(username)}, "otp_code": ${asNumber}}`, {
        'content-type': 'application/json',
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Invalid code' });
      const ok = await submitCode(app, username, code);
      expect(ok.statusCode).toBe(200);
    });

    it('tolerates OTP_MAX_ATTEMPTS wrong guesses per code, then refuses even the right one', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      for (let i = 0; i < 4; i++) {
        const wrong = await submitCode(app, username, wrongCode(code));
        expect(wrong.json()).toEqual({ detail: 'Invalid code' });
      }
      const fifth = await submitCode(app, username, wrongCode(code));
      expect(fifth.statusCode).toBe(400);
      expect(fifth.json()).toEqual({ detail: 'Too many wrong attempts for this code; request a new one' });
      const right = await submitCode(app, username, code);
      expect(right.statusCode).toBe(400);
      expect(right.json()).toEqual({ detail: 'Too many wrong attempts for this code; request a new one' });
    });
  });

  describe('malformed verify requests: FastAPI 422', () => {
    const json = { 'content-type': 'application/json' };

    it('names a missing otp_code', async () => {
      const response = await postVerify(app, { username: 'alice' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['body', 'otp_code'], msg: 'Field required', type: 'missing' }] });
    });

    it('names a missing username', async () => {
      const response = await postVerify(app, { otp_code: '123456' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['body', 'username'], msg: 'Field required', type: 'missing' }] });
    });

    it('names a missing field of an empty object', async () => {
      const response = await postVerify(app, {});
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        detail: [
          { loc: ['body', 'username'], msg: 'Field required', type: 'missing' },
          { loc: ['body', 'otp_code'], msg: 'Field required', type: 'missing' },
        ],
      });
    });

    it('answers json_invalid for a body that is not JSON', async () => {
      const response = await postVerify(app, '{not json', json);
      expect(response.statusCode).toBe(422);
      const body = response.json<{ detail: { loc: unknown[]; msg: string; type: string }[] }>();
      expect(body.detail).toHaveLength(1);
      expect(body.detail[0]?.type).toBe('json_invalid');
      expect(body.detail[0]?.loc[0]).toBe('body');
      expect(body.detail[0]?.msg).toMatch(/^JSON decode error/);
    });

    it('answers json_invalid for truncated JSON and for JSON with a __proto__ key', async () => {
      for (const payload of ['{"username": "alice", "otp_code": "1234', '{"username": "a", "otp_code": "1", "__proto__": {"x": 1}}']) {
        const response = await postVerify(app, payload, json);
        expect(response.statusCode, payload).toBe(422);
        expect(response.json<{ detail: { type: string }[] }>().detail[0]?.type, payload).toBe('json_invalid');
      }
    });

    it.each(['text/plain', 'application/xml', 'application/x-www-form-urlencoded'])(
      'refuses a %s body as not an object, as FastAPI did',
      async (contentType) => {
        const response = await postVerify(app, JSON.stringify({ username: 'alice', otp_code: '123456' }), {
          'content-type': contentType,
        });
        expect(response.statusCode).toBe(422);
        expect(response.json()).toEqual({
          detail: [
            {
              loc: ['body'],
              msg: 'Input should be a valid dictionary or object to extract fields from',
              type: 'model_attributes_type',
            },
          ],
        });
      },
    );

    it('reads a body without a content type as JSON, as FastAPI did', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const response = await app.inject({
        method: 'POST',
        url: '/auth/verify',
        body: Buffer.from(JSON.stringify({ username, otp_code: code })),
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual(verifiedAnswer());
    });

    it('reads an application/*+json body as JSON', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const response = await postVerify(app, JSON.stringify({ username, otp_code: code }), {
        'content-type': 'application/vnd.api+json; charset=utf-8',
      });
      expect(response.statusCode, response.body).toBe(200);
    });

    it('refuses a body that is too large with 413 and a detail', async () => {
      const response = await postVerify(app, JSON.stringify({ username: 'a'.repeat(2 * 1024 * 1024), otp_code: '123456' }), json);
      expect(response.statusCode).toBe(413);
      const body = response.json<{ detail: unknown }>();
      expect(Object.keys(body)).toEqual(['detail']);
      expect(body.detail).toEqual(expect.any(String));
    });

    it('answers loc ["body"] missing when there is no body at all', async () => {
      const response = await app.inject({ method: 'POST', url: '/auth/verify' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
    });

    it('answers loc ["body"] missing for an empty body of any content type', async () => {
      for (const contentType of ['application/json', 'text/plain', 'application/xml']) {
        const response = await postVerify(app, '', { 'content-type': contentType });
        expect(response.statusCode, contentType).toBe(422);
        expect(response.json(), contentType).toEqual({ detail: [{ loc: ['body'], msg: 'Field required', type: 'missing' }] });
      }
    });

    it('refuses a JSON body that is not an object', async () => {
      for (const payload of ['[1, 2]', '"alice"', '42', 'null']) {
        const response = await postVerify(app, payload, json);
        expect(response.statusCode, payload).toBe(422);
        const detail = response.json<{ detail: { loc: unknown[]; type: string }[] }>().detail;
        expect(detail[0]?.loc, payload).toEqual(['body']);
      }
    });

    it.each([
      ['an object', { a: 1 }],
      ['an array', [1]],
      ['a number', 42],
      ['a boolean', true],
      ['null', null],
    ])('answers string_type for a username that is %s', async (_what, username) => {
      const response = await postVerify(app, { username, otp_code: '123456' });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        detail: [{ loc: ['body', 'username'], msg: 'Input should be a valid string', type: 'string_type' }],
      });
    });

    it.each([
      ['a boolean', true],
      ['an object', { code: '123456' }],
      ['an array', ['123456']],
      ['a fraction', 1234.5],
      ['null', null],
    ])('answers a type error for an otp_code that is %s', async (_what, otpCode) => {
      const response = await postVerify(app, { username: 'alice', otp_code: otpCode });
      expect(response.statusCode).toBe(422);
      const detail = response.json<{ detail: { loc: unknown[]; msg: string; type: string }[] }>().detail;
      expect(detail).toHaveLength(1);
      expect(detail[0]?.loc).toEqual(['body', 'otp_code']);
      expect(detail[0]?.type).toMatch(/_type$/);
    });

    it('changes nothing: the pending code keeps all its attempts and still verifies', async () => {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const malformed: { payload: InjectOptions['payload']; headers?: Record<string, string> }[] = [
        { payload: { username } },
        { payload: { username, otp_code: true } },
        { payload: { username, otp_code: [code] } },
        { payload: { username: [username], otp_code: code } },
        { payload: `{"username": ${JSON.stringify(username)}, "otp_code": "${code}"`, headers: json },
        { payload: JSON.stringify({ username, otp_code: code }), headers: { 'content-type': 'text/plain' } },
        { payload: { username, otp_code: wrongCode(code) }, headers: { 'content-type': 'application/xml' } },
      ];
      for (const { payload, headers } of malformed) {
        const response = await postVerify(app, payload, headers);
        expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      }
      expect(await logsOf(app, username)).toEqual([{ status: 'ACTIVE', attempts: 0, verified: false }]);
      const ok = await submitCode(app, username, code);
      expect(ok.statusCode).toBe(200);
      expect(await logsOf(app, username)).toEqual([{ status: 'USED', attempts: 1, verified: true }]);
    });
  });
});

describe('legacy REST contract with OTP_IN_RESPONSE=false', () => {
  const app = useTestApp({ OTP_IN_RESPONSE: 'false' });

  it('answers otp_code null, with the field present, and the code is still delivered', async () => {
    const username = await createUser(app);
    const response = await postGenerate(app, username);
    expect(response.statusCode).toBe(200);
    const body = response.json<GenerateBody>();
    expect(body).toHaveProperty('otp_code', null);
    expect(response.body).toContain('"otp_code":null');
    expect(body.expires_at).toEqual(expect.any(String));
    expect(body.destination).toBe('a***@example.com');
    expect(await logsOf(app, username)).toEqual([{ status: 'ACTIVE', attempts: 0, verified: false }]);
  });
});

describe('unknown routes, as FastAPI answered them', () => {
  const app = useTestApp();

  it('answers 404 {"detail":"Not Found"} for an unknown path', async () => {
    const response = await app.inject({ method: 'GET', url: '/auth/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not Found' });
  });

  it('answers 405 with Allow for a known path and the wrong method', async () => {
    const response = await app.inject({ method: 'GET', url: '/auth/generate?username=alice' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.json()).toEqual({ detail: 'Method Not Allowed' });
  });
});
