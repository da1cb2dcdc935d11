import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import type { CallContext } from '../auth/caller.js';
import type { Config } from '../config/config.js';
import { isUniqueViolation } from '../db/sql.js';
import { isStorableText } from '../db/storable-text.js';
import { securityEvent } from '../events/events.js';
import { fitsLength } from '../limits/input-limits.js';
import {
  auditOutcomeOf,
  DomainError,
  NoPasskeyError,
  PasskeyAlreadyRegisteredError,
  PasskeyChallengeExpiredError,
  PasskeyChallengeInvalidError,
  PasskeyCounterRegressedError,
  PasskeyInvalidError,
  PasskeyNotFoundError,
  PasskeyOriginMismatchError,
  PasskeyRpIdMismatchError,
  PasskeysNotConfiguredError,
  PasskeyUnknownCredentialError,
  PasskeyUserNotVerifiedError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  UserNotFoundError,
  ValidationFailedError,
} from '../errors/errors.js';
import type { Metrics } from '../metrics/metrics.js';
import type { FactorServiceDeps } from '../step-up/fresh-verification.js';
import type { UsersStore } from '../users/users.store.js';
import type { ActionBinding, JudgedMethod, Verified, VerificationService } from '../verification/verification.service.js';
import { passkeyAssurance, type AssuranceLevel } from '../vocabulary/assurance.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { Ceremony, PasskeysStore } from './passkeys.store.js';
import { normaliseUsername } from '../vocabulary/username.js';

/** The longest name a passkey may be given. */
export const PASSKEY_NAME_MAX_LENGTH = 64;

const transports = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
/** (@simplewebauthn/server 14 types transports as any string, as WebAuthn Level 3 does) */
type KnownTransport = (typeof transports)[number];
const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/);
const credentialShape = {
  id: base64url,
  rawId: base64url,
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional().catch(undefined),
};

/** What a browser's `PublicKeyCredential.toJSON()` gives after `navigator.credentials.create()`. */
const registrationResponse = z.object({
  ...credentialShape,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    // Transports a browser of tomorrow names are dropped, not refused.
    transports: z
      .array(z.string())
      .optional()
      .transform((names) => names?.filter((name): name is KnownTransport => (transports as readonly string[]).includes(name))),
  }),
});

/** What a browser's `PublicKeyCredential.toJSON()` gives after `navigator.credentials.get()`. */
const authenticationResponse = z.object({
  ...credentialShape,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
});

/**
 * What a browser's answer to either ceremony can be refused with before anything else is judged:
 * its shape, the challenge it signed (takeChallenge), and the authenticator data
 * (checkAuthenticatorData). Both finishing fields list them.
 */
export const answerErrors = [
  PasskeyInvalidError,
  PasskeyChallengeInvalidError,
  PasskeyChallengeExpiredError,
  PasskeyOriginMismatchError,
  PasskeyRpIdMismatchError,
  PasskeyUserNotVerifiedError,
] as const;

export interface PasskeyOptions<T> {
  /** what the browser's `navigator.credentials.create/get` takes, in its JSON form */
  options: T;
}

export interface PasskeysServiceDeps extends FactorServiceDeps {
  users: Pick<UsersStore, 'findForSending' | 'findByName'>;
  store: PasskeysStore;
  verification: Pick<VerificationService, 'judged'>;
  config: Pick<Config, 'webauthn' | 'otp' | 'security'>;
  metrics: Pick<Metrics, 'passkeys'>;
  /** remembered devices, revoked when a passkey is removed */
  devices?: Pick<DevicesService, 'revokeAllOf'>;
}

export type PasskeysService = ReturnType<typeof createPasskeysService>;

/**
 * Passkeys (WebAuthn) as a second factor, the phishing-resistant one: the browser signs the
 * service's challenge together with the origin it runs on, so a look-alike site gets nothing
 * it can relay. The rules are ours, the cryptography @simplewebauthn/server's: a challenge is
 * random, bound to the user and the ceremony, taken once and dead after
 * OTP_EXPIRATION_MINUTES; the origin, the RP id, user verification (when required), the
 * credential's owner and its signature counter are each checked and refused with their own
 * error. A verification goes through `judged`, so every refusal that judged an assertion is a
 * guess in the user's budget, and a burst is judged no more often than the budget allows.
 */
export function createPasskeysService({ users, store, verification, clock, config, audit, metrics, devices, fresh }: PasskeysServiceDeps) {
  const handleKey = createHmac('sha256', config.security.secretKey).update('webauthn-user-handle').digest();
  const challengeMs = config.otp.expirationMinutes * 60_000;

  function settings() {
    if (!config.webauthn) throw new PasskeysNotConfiguredError();
    return config.webauthn;
  }

  /**
   * The user handle the authenticator keeps with a passkey: stable per user (so one
   * authenticator holds one passkey per user), and neither the username nor the row id.
   */
  function userHandle(userId: number): Uint8Array<ArrayBuffer> {
    return new Uint8Array(createHmac('sha256', handleKey).update(String(userId)).digest().subarray(0, 16));
  }

  async function userOf(username: string) {
    const user = isStorableText(username) ? await users.findForSending(username) : null;
    if (!user) throw new UserNotFoundError();
    return user;
  }

  /**
   * Step one of registering: the options for `navigator.credentials.create()`, with a new
   * challenge. A passkey is a second factor like the others: a user with two-factor off gets
   * none (switching it off removed every factor; an operator switches it on first).
   */
  async function startRegistration(given: string, context: CallContext): Promise<PasskeyOptions<PublicKeyCredentialCreationOptionsJSON>> {
    const username = normaliseUsername(given);
    const webauthn = settings();
    const user = await userOf(username);
    if (!user.otpEnabled) throw new TwoFactorDisabledError();
    const stale = await fresh.refusal(username, user.id, context);
    if (stale) throw stale;
    const registered = await store.credentialsOf(user.id);
    const options = await generateRegistrationOptions({
      rpName: webauthn.rpName,
      rpID: webauthn.rpId,
      userName: username,
      userDisplayName: username,
      userID: userHandle(user.id),
      timeout: challengeMs,
      attestationType: 'none',
      // The same authenticator is not registered twice for one user.
      excludeCredentials: registered.map(({ credentialId, transports }) => ({ id: credentialId, transports: parseTransports(transports) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: webauthn.userVerification },
    });
    const now = clock.now();
    await store.addChallenge(user.id, 'REGISTRATION', options.challenge, now, new Date(now.getTime() + challengeMs));
    return { options };
  }

  /** Step two: checks the browser's answer to the registration challenge and keeps the new passkey. */
  async function finishRegistration(given: string, response: unknown, name: string | null | undefined, context: CallContext) {
    const username = normaliseUsername(given);
    const record = (outcome: 'SUCCESS' | DomainError, userId: number | null) =>
      recordChange('PASSKEY_REGISTER', outcome, { userId, username }, context);
    let userId: number | null = null;
    try {
      const webauthn = settings();
      const user = await userOf(username);
      userId = user.id;
      if (!user.otpEnabled) throw new TwoFactorDisabledError();
      const stale = await fresh.refusal(username, user.id, context);
      if (stale) throw stale;
      const chosenName = nameOf(name) ?? `Passkey ${String((await store.credentialsOf(user.id)).length + 1)}`;
      const parsed = registrationResponse.safeParse(response);
      if (!parsed.success) throw new PasskeyInvalidError();
      const answer: RegistrationResponseJSON = { ...parsed.data, clientExtensionResults: {} };
      const now = clock.now();
      const challenge = await takeChallenge(answer.response.clientDataJSON, 'webauthn.create', user.id, 'REGISTRATION', now);
      const authData = authenticatorDataOf(() => decodeAttestationObject(isoBase64URL.toBuffer(answer.response.attestationObject)).get('authData'));
      checkAuthenticatorData(authData);
      const verified = await orInvalid(() =>
        verifyRegistrationResponse({
          response: answer,
          expectedChallenge: challenge,
          expectedOrigin: webauthn.origins,
          expectedRPID: webauthn.rpId,
          requireUserVerification: webauthn.userVerification === 'required',
        }),
      );
      if (!verified.verified) throw new PasskeyInvalidError();
      const { credential, credentialBackedUp, credentialDeviceType } = verified.registrationInfo;
      const added = securityEvent('factor.added', user.id, { username, method: 'passkey' }, now);
      const passkey = await store
        .create(
          {
            userId: user.id,
            credentialId: credential.id,
            publicKey: isoBase64URL.fromBuffer(credential.publicKey),
            counter: credential.counter,
            transports: answer.response.transports ?? [],
            backedUp: credentialBackedUp,
            deviceType: credentialDeviceType,
            name: chosenName,
            createdAt: now,
          },
          [added],
        )
        .catch((error: unknown) => {
          throw isUniqueViolation(error) ? new PasskeyAlreadyRegisteredError() : error;
        });
      // two-factor was switched off between the check above and the write
      if (!passkey) throw new TwoFactorDisabledError();
      await record('SUCCESS', user.id);
      return passkey;
    } catch (error) {
      if (error instanceof DomainError) await record(error, userId);
      throw error;
    }
  }

  /** The options for `navigator.credentials.get()` with a new challenge, naming the user's passkeys. */
  async function startVerification(
    username: string,
    { minimumAssurance }: { minimumAssurance?: AssuranceLevel } = {},
  ): Promise<PasskeyOptions<PublicKeyCredentialRequestOptionsJSON>> {
    const webauthn = settings();
    const user = await userOf(normaliseUsername(username));
    if (!user.otpEnabled) throw new TwoFactorDisabledError();
    if (user.suspended) throw new TwoFactorSuspendedError();
    const registered = await store.credentialsOf(user.id);
    if (registered.length === 0) throw new NoPasskeyError();
    const options = await generateAuthenticationOptions({
      rpID: webauthn.rpId,
      allowCredentials: registered.map(({ credentialId, transports }) => ({ id: credentialId, transports: parseTransports(transports) })),
      // A passkey is phishing-resistant only when the authenticator verifies the user: ask for it.
      userVerification: minimumAssurance === 'PHISHING_RESISTANT' ? 'required' : webauthn.userVerification,
      timeout: challengeMs,
    });
    const now = clock.now();
    await store.addChallenge(user.id, 'AUTHENTICATION', options.challenge, now, new Date(now.getTime() + challengeMs));
    return { options };
  }

  /**
   * Checks an assertion: through `judged`, which takes a guess from the user's budget before
   * `checkAssertion` runs and settles it after, as for every other method.
   */
  function verify(username: string, response: unknown, context: CallContext, binding: ActionBinding = {}): Promise<Verified> {
    settings();
    return verification.judged(username, context, { check: (slot, now) => checkAssertion(slot.userId, response, now) }, binding);
  }

  /**
   * Judges one assertion for `userId`, whose guess is taken: the challenge is taken first (so
   * whatever follows, it never works again), then origin, credential, RP id, user
   * verification, signature and counter. Each refusal is its own error; every one but an
   * expired challenge counts as a guess. `amr` is RFC 8176's: proof of possession of a key
   * (`hwk`, or `swk` for a synced one), and `user` when the authenticator verified the user.
   */
  async function checkAssertion(userId: number, response: unknown, now: Date): Promise<JudgedMethod> {
    const webauthn = settings();
    const parsed = authenticationResponse.safeParse(response);
    if (!parsed.success) throw new PasskeyInvalidError();
    const answer: AuthenticationResponseJSON = { ...parsed.data, clientExtensionResults: {} };
    const challenge = await takeChallenge(answer.response.clientDataJSON, 'webauthn.get', userId, 'AUTHENTICATION', now);
    const passkey = await store.findCredential(userId, answer.id);
    if (!passkey) throw new PasskeyUnknownCredentialError();
    if (answer.response.userHandle !== undefined && !sameBytes(isoBase64URL.toBuffer(answer.response.userHandle), userHandle(userId))) {
      throw new PasskeyUnknownCredentialError();
    }
    const authData = authenticatorDataOf(() => isoBase64URL.toBuffer(answer.response.authenticatorData));
    checkAuthenticatorData(authData);
    const verified = await orInvalid(() =>
      verifyAuthenticationResponse({
        response: answer,
        expectedChallenge: challenge,
        expectedOrigin: webauthn.origins,
        expectedRPID: webauthn.rpId,
        // Counter 0 here: the counter is judged below, after the signature, by a conditional write.
        credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: 0 },
        requireUserVerification: webauthn.userVerification === 'required',
      }),
    );
    if (!verified.verified) throw new PasskeyInvalidError();
    const { newCounter, credentialBackedUp, userVerified } = verified.authenticationInfo;
    if (!(await store.recordUse(passkey.id, newCounter, credentialBackedUp, now))) throw new PasskeyCounterRegressedError();
    return { method: 'passkey', assurance: passkeyAssurance({ userVerified, backedUp: credentialBackedUp }) };
  }

  /**
   * Reads the client data, takes the challenge it signed (if it was issued to this user for
   * this ceremony and is unanswered) and checks the origin it was signed on. Returns the challenge.
   */
  async function takeChallenge(clientDataJSON: string, type: string, userId: number, ceremony: Ceremony, now: Date): Promise<string> {
    const clientData = clientDataOf(clientDataJSON);
    if (clientData.type !== type) throw new PasskeyInvalidError();
    const taken = await store.takeChallenge(clientData.challenge, userId, ceremony);
    if (!taken) throw new PasskeyChallengeInvalidError();
    if (taken.expiresAt <= now) throw new PasskeyChallengeExpiredError();
    if (!settings().origins.includes(clientData.origin)) throw new PasskeyOriginMismatchError();
    return clientData.challenge;
  }

  /** The RP id the authenticator signed for, and user verification when it is required. */
  function checkAuthenticatorData(authData: ReturnType<typeof parseAuthenticatorData>): void {
    const webauthn = settings();
    const expected = createHash('sha256').update(webauthn.rpId).digest();
    if (!sameBytes(authData.rpIdHash, expected)) throw new PasskeyRpIdMismatchError();
    if (!authData.flags.up) throw new PasskeyInvalidError();
    if (webauthn.userVerification === 'required' && !authData.flags.uv) throw new PasskeyUserNotVerifiedError();
  }

  async function rename(given: string, passkeyId: number, name: string, context: CallContext) {
    const username = normaliseUsername(given);
    const user = await userOf(username);
    try {
      const chosen = nameOf(name);
      if (chosen === undefined) throw new ValidationFailedError([{ path: ['name'], message: 'must not be empty' }]);
      const renamed = await store.rename(user.id, passkeyId, chosen);
      if (!renamed) throw new PasskeyNotFoundError();
      await recordChange('PASSKEY_RENAME', 'SUCCESS', { userId: user.id, username }, context);
      return renamed;
    } catch (error) {
      if (error instanceof DomainError) await recordChange('PASSKEY_RENAME', error, { userId: user.id, username }, context);
      throw error;
    }
  }

  /** Removes one of the user's passkeys; returns the user. */
  async function remove(given: string, passkeyId: number, context: CallContext) {
    const username = normaliseUsername(given);
    const user = isStorableText(username) ? await users.findByName(username) : null;
    if (!user) throw new UserNotFoundError();
    const stale = await fresh.refusal(username, user.id, context);
    if (stale) {
      await recordChange('PASSKEY_REMOVE', stale, { userId: user.id, username }, context);
      throw stale;
    }
    const removed = securityEvent('factor.removed', user.id, { username, method: 'passkey' }, clock.now());
    if (!(await store.remove(user.id, passkeyId, [removed]))) {
      const error = new PasskeyNotFoundError();
      await recordChange('PASSKEY_REMOVE', error, { userId: user.id, username }, context);
      throw error;
    }
    await devices?.revokeAllOf(user.id, username, 'FACTOR_REMOVED');
    await recordChange('PASSKEY_REMOVE', 'SUCCESS', { userId: user.id, username }, context);
    return user;
  }

  async function recordChange(
    event: 'PASSKEY_REGISTER' | 'PASSKEY_RENAME' | 'PASSKEY_REMOVE',
    outcome: 'SUCCESS' | DomainError,
    who: { userId: number | null; username: string },
    context: CallContext,
  ): Promise<void> {
    const change = event === 'PASSKEY_REGISTER' ? 'register' : event === 'PASSKEY_RENAME' ? 'rename' : 'remove';
    metrics.passkeys.inc({ change, outcome: outcome === 'SUCCESS' ? outcome : outcome.code });
    await audit.record(
      outcome === 'SUCCESS'
        ? { event, outcome, method: 'passkey', ...who }
        : { event, outcome: auditOutcomeOf(outcome), reason: outcome.code, method: 'passkey', ...who },
      context,
    );
  }

  return { startRegistration, finishRegistration, startVerification, verify, checkAssertion, rename, remove };
}

/** A name as given, trimmed; undefined when none was given. */
function nameOf(name: string | null | undefined): string | undefined {
  const trimmed = name?.trim();
  if (!trimmed) return undefined;
  if (!isStorableText(trimmed) || !fitsLength(trimmed, PASSKEY_NAME_MAX_LENGTH)) {
    throw new ValidationFailedError([{ path: ['name'], message: `must be at most ${String(PASSKEY_NAME_MAX_LENGTH)} characters of text` }]);
  }
  return trimmed;
}

function clientDataOf(clientDataJSON: string): { type: string; challenge: string; origin: string } {
  try {
    const parsed: unknown = JSON.parse(isoBase64URL.toUTF8String(clientDataJSON));
    const clientData = z.object({ type: z.string(), challenge: z.string().max(512), origin: z.string() }).safeParse(parsed);
    if (clientData.success) return clientData.data;
  } catch {
    // not JSON: refused below
  }
  throw new PasskeyInvalidError();
}

function authenticatorDataOf(bytes: () => Uint8Array<ArrayBuffer>) {
  try {
    return parseAuthenticatorData(bytes());
  } catch {
    throw new PasskeyInvalidError();
  }
}

/** The library's verdict; anything it throws on (a key it cannot read, a malformed field) is an invalid answer. */
async function orInvalid<T>(verify: () => Promise<T>): Promise<T> {
  try {
    return await verify();
  } catch {
    throw new PasskeyInvalidError();
  }
}

function parseTransports(names: string[]): KnownTransport[] {
  return names.filter((name): name is KnownTransport => (transports as readonly string[]).includes(name));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

