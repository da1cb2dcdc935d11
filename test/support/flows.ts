import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import { CreateUserDocument, type CreateUserInput } from '../generated/graphql.js';
import { uniqueName, type TestApp } from './app.js';
import { execute, expectType } from './graphql.js';

/**
 * The steps most tests take before they reach what they are about: create a user, have a
 * code sent, submit a code. Each goes through the service's own public surfaces (GraphQL
 * for users, the legacy REST routes for codes), as a caller would.
 */

/** The email address a created user has unless the test gives another (or `null` for none). */
export const DEFAULT_EMAIL = 'alice@example.com';

/**
 * Creates a user through GraphQL `createUser` and returns the username. The username is a
 * fresh `uniqueName()` and the email is {@link DEFAULT_EMAIL} unless `input` says otherwise;
 * any other field keeps the service's default. Fails the test unless a `User` comes back.
 */
export async function createUser(app: TestApp, input: Partial<CreateUserInput> = {}): Promise<string> {
  const username = input.username ?? uniqueName();
  const { createUser: created } = await execute(app, CreateUserDocument, {
    input: { email: DEFAULT_EMAIL, ...input, username },
  });
  expect(expectType(created, 'User').username).toBe(username);
  return username;
}

/** `POST /auth/generate?username=…`, answered as it is: for tests about refusals and failures. */
export function postGenerate(app: TestApp, username: string) {
  return app.inject({ method: 'POST', url: `/auth/generate?username=${encodeURIComponent(username)}` });
}

/** `POST /auth/verify` with any body and headers, answered as it is: for tests about malformed requests. */
export function postVerify(app: TestApp, payload: InjectOptions['payload'], headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/auth/verify', payload, headers });
}

/**
 * Has a code sent to the user over REST and returns it with its expiry and the whole
 * response. Fails the test unless the answer is a 200 carrying a six-digit code, so it
 * needs an app with OTP_IN_RESPONSE on (as test apps are by default).
 */
export async function requestCode(app: TestApp, username: string): Promise<{ code: string; expiresAt: Date; response: Awaited<ReturnType<typeof postGenerate>> }> {
  const response = await postGenerate(app, username);
  expect(response.statusCode, response.body).toBe(200);
  const body = response.json<{ otp_code: string | null; expires_at: string }>();
  expect(body.otp_code, response.body).toMatch(/^\d{6}$/);
  return { code: body.otp_code ?? '', expiresAt: new Date(body.expires_at), response };
}

/** Submits `code` for the user to `POST /auth/verify` and returns the response as it is. */
export function submitCode(app: TestApp, username: string, code: string) {
  return postVerify(app, { username, otp_code: code });
}

/** A well-formed six-digit code that is certainly not `code`; other offsets give other wrong codes. */
export function wrongCode(code: string, offset = 1): string {
  return ((Number(code) + offset) % 1_000_000).toString().padStart(6, '0');
}

/** The shape of the result token every successful verify carries (result-token.test.ts checks its content). */
export const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The legacy verify route's 200 body for `method`, its token matched by shape only. */
export function verifiedAnswer(method: 'otp' | 'totp' | 'recovery' = 'otp'): unknown {
  return { success: true, method, token: expect.stringMatching(JWT_SHAPE) as unknown };
}
