import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueName, type TestApp } from './support/app.js';
import { executeRaw } from './support/graphql.js';

describe('smoke', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('creates a user, sends a code over REST and verifies it once', async () => {
    const username = uniqueName();
    const created = await executeRaw(app, `mutation($u: String!) { createUser(input: { username: $u, email: "a@example.com" }) { __typename } }`, { u: username });
    expect(created.body.data).toEqual({ createUser: { __typename: 'User' } });
    const gen = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}` });
    expect(gen.statusCode).toBe(200);
    const code = gen.json<{ otp_code: string }>().otp_code;
    const ok = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code } });
    expect(ok.json()).toEqual({ success: true, method: 'otp' });
    const again = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code } });
    expect(again.statusCode).toBe(400);
    expect(again.json()).toEqual({ detail: 'The code has already been used; request a new one' });
  });
});
