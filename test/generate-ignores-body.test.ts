// Attack (on compatibility): a body sent with POST /auth/generate. The legacy service never read
// one, and its callers send whatever their HTTP client adds (`Content-Type: application/json` on
// every request, often with an empty body; a form; text; bytes; invalid JSON; a body larger than
// any JSON route accepts). None of it may change the answer: the username and channel come from
// the query string alone, and the same request without a body is the reference.
import type { InjectOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { uniqueName, useTestApp } from './support/app.js';
import { createUser } from './support/flows.js';

/** Every kind of body a caller's client may send, under the content type it may claim. */
const ignoredBodies: { name: string; headers: Record<string, string>; payload?: string | Buffer }[] = [
  { name: 'application/json, empty body', headers: { 'content-type': 'application/json' }, payload: '' },
  { name: 'application/json, no body at all', headers: { 'content-type': 'application/json' } },
  { name: 'application/json, invalid JSON', headers: { 'content-type': 'application/json' }, payload: '{"username": ' },
  { name: 'application/json, a JSON null', headers: { 'content-type': 'application/json' }, payload: 'null' },
  { name: 'application/json, another username', headers: { 'content-type': 'application/json' }, payload: '{"username":"someone-else"}' },
  { name: 'application/json; charset=utf-8, an empty object', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: '{}' },
  { name: 'application/x-www-form-urlencoded', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=x&channel=SMS' },
  { name: 'multipart/form-data', headers: { 'content-type': 'multipart/form-data; boundary=b' }, payload: '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n' },
  { name: 'text/plain', headers: { 'content-type': 'text/plain' }, payload: 'hello' },
  { name: 'application/octet-stream, bytes that are not UTF-8', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([0xff, 0xfe, 0x00, 0xc3]) },
  { name: 'no content type, text', headers: {}, payload: 'not json' },
  { name: 'a content type nobody knows', headers: { 'content-type': 'x/y' }, payload: '<<<' },
  { name: 'a malformed content type', headers: { 'content-type': ';;;' }, payload: 'a' },
  { name: 'application/json, 2 MB (over the JSON routes’ body limit)', headers: { 'content-type': 'application/json' }, payload: `"${'x'.repeat(2_000_000)}"` },
];

describe('POST /auth/generate ignores any body', () => {
  // Each case sends one generate per user; the IP limit is not what this file is about.
  const app = useTestApp({ ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '1000000' });

  const generate = (query: string, body: (typeof ignoredBodies)[number] | undefined) => {
    const request: InjectOptions = { method: 'POST', url: `/auth/generate?${query}`, headers: body?.headers ?? {} };
    if (body?.payload !== undefined) request.payload = body.payload;
    return app.inject(request);
  };

  it.each(ignoredBodies)('$name: a code is sent, as without a body', async (body) => {
    const username = await createUser(app);
    const response = await generate(`username=${username}`, body);
    expect(response.statusCode, response.body).toBe(200);
    expect(Object.keys(response.json<object>()).sort()).toEqual(['channel', 'channel_reason', 'destination', 'expires_at', 'fallback_from', 'otp_code']);
    expect(response.json()).toMatchObject({ otp_code: expect.stringMatching(/^\d{6}$/) as unknown, channel: 'EMAIL' });
  });

  it.each(ignoredBodies)('$name: every refusal is the one given without a body', async (body) => {
    const unknown = `username=${uniqueName('nobody')}`;
    const disabled = `username=${await createUser(app, { otpEnabled: false })}`;
    for (const query of [unknown, disabled, '', 'user=alice', `username=${'a'.repeat(300)}`, `${unknown}&channel=FAX`]) {
      const reference = await generate(query, undefined);
      const answer = await generate(query, body);
      expect(reference.statusCode, `${query}: ${reference.body}`).toBeGreaterThanOrEqual(400);
      expect({ status: answer.statusCode, body: answer.json<unknown>() }, query).toEqual({
        status: reference.statusCode,
        body: reference.json<unknown>(),
      });
    }
  });
});
