import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  FinishPasskeyRegistrationDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeyVerificationDocument,
  VerifyPasskeyDocument,
} from '../generated/graphql.js';
import { TEST_SECRET, type TestApp } from './app.js';
import { execute, expectType } from './graphql.js';
import { SoftAuthenticator, type Tamper } from './soft-authenticator.js';

/** The relying party the passkey tests configure: a real domain, two frontends on it. */
export const RP_ID = 'example.com';
export const ORIGIN = 'https://app.example.com';
export const passkeyEnv = { WEBAUTHN_RP_ID: RP_ID, WEBAUTHN_ORIGINS: `${ORIGIN},https://admin.example.com` };

/** Starts a registration and answers it with `authenticator`; returns what finishPasskeyRegistration said. */
export async function registerWith(app: TestApp, username: string, authenticator: SoftAuthenticator, tamper: Tamper = {}, name?: string) {
  const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
  const { options } = expectType(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
  const { finishPasskeyRegistration } = await execute(app, FinishPasskeyRegistrationDocument, {
    username,
    response: authenticator.register(options, tamper),
    name,
  });
  return finishPasskeyRegistration;
}

/** A user's new passkey on a new software authenticator at {@link ORIGIN}; fails unless it registers. */
export async function enrolledAuthenticator(app: TestApp, username: string): Promise<SoftAuthenticator> {
  const authenticator = new SoftAuthenticator(ORIGIN);
  expectType(await registerWith(app, username, authenticator), 'Passkey');
  return authenticator;
}

/** The options of a new verification challenge for the user. */
export async function verificationOptions(app: TestApp, username: string): Promise<unknown> {
  const { startPasskeyVerification } = await execute(app, StartPasskeyVerificationDocument, { username });
  return expectType(startPasskeyVerification, 'StartPasskeyVerificationPayload').options;
}

/** Sends an answer to verifyPasskey and returns the union member it got. */
export async function verifyWith(app: TestApp, username: string, response: unknown) {
  return (await execute(app, VerifyPasskeyDocument, { username, response })).verifyPasskey;
}

/** Starts a verification, answers it with `authenticator` (bent by `tamper`) and returns the result. */
export async function verifyOnce(app: TestApp, username: string, authenticator: SoftAuthenticator, tamper: Tamper = {}) {
  return verifyWith(app, username, authenticator.assert(await verificationOptions(app, username), tamper));
}

/**
 * Checks a result token as another service would, with jose alone: under SECRET_KEY when it
 * is HS256, else against the keys the service publishes at /.well-known/jwks.json. Returns
 * its claims; throws when the signature, issuer or lifetime is wrong.
 */
export async function checkResultToken(app: TestApp, token: string) {
  const { alg } = decodeProtectedHeader(token);
  const options = { issuer: 'fountainai-2fa', requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr'] };
  if (alg === 'HS256') return (await jwtVerify(token, new TextEncoder().encode(TEST_SECRET), { ...options, algorithms: ['HS256'] })).payload;
  const jwks = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  return (await jwtVerify(token, createLocalJWKSet(jwks.json()), { ...options, algorithms: ['ES256', 'EdDSA'] })).payload;
}
