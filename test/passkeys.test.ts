// Passkeys (WebAuthn) through the GraphQL API, answered by a software authenticator: a user
// registers one or several, verifies with them (method passkey, a result token whose amr is
// RFC 8176's pop, plus user when the authenticator verified the user), renames and removes
// them; User.factors says which factor resists phishing. Registration refuses what a browser
// on another site, or another relying party, would answer. The attacks on verification are
// in passkeys-hostile.test.ts, the real browser in browser-passkey.test.ts.
import { createHash } from 'node:crypto';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config/config.js';
import type { Database } from '../src/db/client.js';
import {
  DisableTwoFactorDocument,
  FinishPasskeyRegistrationDocument,
  RemovePasskeyDocument,
  RenamePasskeyDocument,
  StartPasskeyRegistrationDocument,
  StartPasskeyVerificationDocument,
  UserFactorsDocument,
  VerifyPasskeyDocument,
} from './generated/graphql.js';
import { createTestApp, ManualClock, testEnv, useTestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { openTestDatabase } from './support/db.js';
import { createUser } from './support/flows.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import {
  checkResultToken,
  enrolledAuthenticator,
  ORIGIN,
  passkeyEnv,
  registerWith,
  verificationOptions,
  verifyOnce,
  verifyWith,
} from './support/passkeys.js';
import { SoftAuthenticator } from './support/soft-authenticator.js';

describe('passkeys', () => {
  const clock = new ManualClock();
  const app = useTestApp(passkeyEnv, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('registers a passkey and verifies with it: method passkey, acr phr, amr pop hwk user, a token that checks out', async () => {
    const username = await createUser(app);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const passkey = expectType(await registerWith(app, username, authenticator, {}, 'MacBook'), 'Passkey');
    expect(passkey).toMatchObject({ name: 'MacBook', backedUp: false, multiDevice: false, transports: ['internal', 'hybrid'] });

    const verified = expectType(await verifyOnce(app, username, authenticator), 'VerifyOtpPayload');
    expect(verified).toMatchObject({ success: true, username, method: 'passkey' });
    const claims = await checkResultToken(app, verified.token);
    expect(claims).toMatchObject({ sub: username, acr: 'phr', amr: ['pop', 'hwk', 'user'] });

    // A second verification needs a new challenge, and the counter moved on.
    expectType(await verifyOnce(app, username, authenticator), 'VerifyOtpPayload');
    const stored = await database.db.passkey.findFirstOrThrow({ where: { user: { username } } });
    expect(Number(stored.counter)).toBe(2);
    expect(stored.lastUsedAt?.getTime()).toBe(clock.now().getTime());
  });

  it('binds the result token to the action approved: ctx and aud, as verifyOtp does', async () => {
    const username = await createUser(app);
    const authenticator = new SoftAuthenticator(ORIGIN);
    expectType(await registerWith(app, username, authenticator), 'Passkey');
    const action = 'Pay 42.00 EUR to ACME GmbH';
    const response = authenticator.assert(await verificationOptions(app, username));
    const answer = await executeRaw(
      app,
      'mutation($u: String!, $r: JSON!, $c: String, $a: String) { verifyPasskey(username: $u, response: $r, context: $c, audience: $a) { __typename ... on VerifyOtpPayload { token } } }',
      { u: username, r: response, c: action, a: 'payments' },
    );
    const { token } = answer.body.data?.verifyPasskey as { token: string };
    expect(await checkResultToken(app, token)).toMatchObject({
      sub: username,
      aud: 'payments',
      ctx: createHash('sha256').update(action, 'utf8').digest('base64url'),
    });
  });

  it('lists the user’s passkeys and factors, the passkeys phishing-resistant and nothing else', async () => {
    const username = await createUser(app, { phoneNumber: '+4915112345678' });
    await enrolledAuthenticator(app, username);
    const second = new SoftAuthenticator('https://admin.example.com');
    expectType(await registerWith(app, username, second, {}, 'YubiKey'), 'Passkey');

    const { user } = await execute(app, UserFactorsDocument, { username });
    expect(user?.passkeys.map((p) => p.name)).toEqual(['Passkey 1', 'YubiKey']);
    expect(user?.factors).toEqual([
      { kind: 'EMAIL_CODE', assurance: 'EMAIL_CODE', phishingResistant: false, name: null },
      { kind: 'SMS_CODE', assurance: 'AAL2_RESTRICTED', phishingResistant: false, name: null },
      { kind: 'PASSKEY', assurance: 'PHISHING_RESISTANT', phishingResistant: true, name: 'Passkey 1' },
      { kind: 'PASSKEY', assurance: 'PHISHING_RESISTANT', phishingResistant: true, name: 'YubiKey' },
    ]);
    // Either passkey verifies.
    expectType(await verifyOnce(app, username, second), 'VerifyOtpPayload');
  });

  it('renames and removes a passkey; a removed one no longer verifies', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const [passkey] = (await execute(app, UserFactorsDocument, { username })).user?.passkeys ?? [];
    const id = passkey?.id ?? '';

    const { renamePasskey } = await execute(app, RenamePasskeyDocument, { username, id, name: '  Work phone ' });
    expect(expectType(renamePasskey, 'Passkey').name).toBe('Work phone');
    const blank = await execute(app, RenamePasskeyDocument, { username, id, name: ' ' });
    expect(blank.renamePasskey.__typename).toBe('ValidationFailedError');

    // Another user's passkey id names nothing of theirs.
    const other = await createUser(app);
    expect((await execute(app, RemovePasskeyDocument, { username: other, id })).removePasskey.__typename).toBe('PasskeyNotFoundError');

    const options = await verificationOptions(app, username);
    expect(expectType((await execute(app, RemovePasskeyDocument, { username, id })).removePasskey, 'User').username).toBe(username);
    // A challenge issued before the removal cannot bring it back.
    expect((await verifyWith(app, username, authenticator.assert(options))).__typename).toBe('PasskeyUnknownCredentialError');
    const { startPasskeyVerification } = await execute(app, StartPasskeyVerificationDocument, { username });
    expect(startPasskeyVerification.__typename).toBe('NoPasskeyError');
    expect((await execute(app, UserFactorsDocument, { username })).user?.factors.map((f) => f.kind)).toEqual(['EMAIL_CODE']);
  });

  it('removes the user’s passkeys with the other factors when two-factor authentication is switched off', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const options = await verificationOptions(app, username);
    expectType((await execute(app, DisableTwoFactorDocument, { username })).disableTwoFactor, 'User');
    expect(await database.db.passkey.count({ where: { user: { username } } })).toBe(0);
    expect(await database.db.passkeyChallenge.count({ where: { user: { username } } })).toBe(0);
    expect((await verifyWith(app, username, authenticator.assert(options))).__typename).toBe('TwoFactorDisabledError');
  });

  it('keeps a credential id to one user: registering it again, for anyone, is refused', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    expect((await registerWith(app, username, authenticator)).__typename).toBe('PasskeyAlreadyRegisteredError');
    const other = await createUser(app);
    expect((await registerWith(app, other, authenticator)).__typename).toBe('PasskeyAlreadyRegisteredError');
    // The options name what is registered, so a browser does not offer it again.
    const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
    const { options } = expectType(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
    expect(options).toMatchObject({
      rp: { id: 'example.com', name: 'FountainAI' },
      attestation: 'none',
      authenticatorSelection: { userVerification: 'required' },
      excludeCredentials: [{ id: authenticator.credentialId, type: 'public-key' }],
    });
  });

  it('refuses a registration made on another site, for another RP id, without user verification, or twice', async () => {
    const username = await createUser(app);
    expect((await registerWith(app, username, new SoftAuthenticator('https://app.example.co'))).__typename).toBe('PasskeyOriginMismatchError');
    expect((await registerWith(app, username, new SoftAuthenticator(ORIGIN), { rpId: 'example.co' })).__typename).toBe('PasskeyRpIdMismatchError');
    expect((await registerWith(app, username, new SoftAuthenticator(ORIGIN), { userVerified: false })).__typename).toBe(
      'PasskeyUserNotVerifiedError',
    );

    const { startPasskeyRegistration } = await execute(app, StartPasskeyRegistrationDocument, { username });
    const { options } = expectType(startPasskeyRegistration, 'StartPasskeyRegistrationPayload');
    const authenticator = new SoftAuthenticator(ORIGIN);
    const answer = authenticator.register(options);
    const finish = async (response: unknown) =>
      (await execute(app, FinishPasskeyRegistrationDocument, { username, response })).finishPasskeyRegistration.__typename;
    expect(await finish(answer)).toBe('Passkey');
    expect(await finish(new SoftAuthenticator(ORIGIN).register(options))).toBe('PasskeyChallengeInvalidError');
    expect(await finish({ id: 'x' })).toBe('PasskeyInvalidError');
    expect((await execute(app, UserFactorsDocument, { username })).user?.passkeys).toHaveLength(1);
  });

  it('audits and counts registration, use and removal', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    expectType(await verifyOnce(app, username, authenticator), 'VerifyOtpPayload');
    const [passkey] = (await execute(app, UserFactorsDocument, { username })).user?.passkeys ?? [];
    expectType((await execute(app, RemovePasskeyDocument, { username, id: passkey?.id ?? '' })).removePasskey, 'User');

    const events = await database.db.auditEvent.findMany({ where: { username }, orderBy: { id: 'asc' }, select: { event: true, outcome: true, method: true } });
    expect(events).toEqual(
      expect.arrayContaining([
        { event: 'PASSKEY_REGISTER', outcome: 'SUCCESS', method: 'passkey' },
        { event: 'OTP_VERIFY', outcome: 'SUCCESS', method: 'passkey' },
        { event: 'PASSKEY_REMOVE', outcome: 'SUCCESS', method: 'passkey' },
      ]),
    );
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/twofa_passkey_changes_total\{change="register",outcome="SUCCESS"\} [1-9]/);
    expect(metrics).toMatch(/twofa_passkey_changes_total\{change="remove",outcome="SUCCESS"\} [1-9]/);
    expect(metrics).toMatch(/twofa_otp_verify_total\{outcome="SUCCESS",method="passkey"\} [1-9]/);
  });

  it('asks each mutation’s scope of callers', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const verifier = bearer(await callerToken({ scope: 'otp:generate otp:verify' }));
    const refused = await graphqlAs(app, verifier, print(StartPasskeyRegistrationDocument), { username });
    expect(refused.body.data?.startPasskeyRegistration).toMatchObject({ __typename: 'ForbiddenError', code: 'FORBIDDEN' });

    const started = await graphqlAs(app, verifier, print(StartPasskeyVerificationDocument), { username });
    const { options } = started.body.data?.startPasskeyVerification as { options: unknown };
    const generateOnly = bearer(await callerToken({ scope: 'otp:generate' }));
    const noVerify = await graphqlAs(app, generateOnly, print(VerifyPasskeyDocument), { username, response: authenticator.assert(options) });
    expect(noVerify.body.data?.verifyPasskey).toMatchObject({ __typename: 'ForbiddenError' });
    const answer = await graphqlAs(app, verifier, print(VerifyPasskeyDocument), { username, response: authenticator.assert(options) });
    expect(answer.body.data?.verifyPasskey).toMatchObject({ __typename: 'VerifyOtpPayload', method: 'passkey' });
  });
});

describe('passkeys with WEBAUTHN_USER_VERIFICATION=preferred', () => {
  const app = useTestApp({ ...passkeyEnv, WEBAUTHN_USER_VERIFICATION: 'preferred' });

  it('accepts an assertion without user verification as proof of possession alone (amr pop hwk, acr aal2)', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const verified = expectType(await verifyOnce(app, username, authenticator, { userVerified: false }), 'VerifyOtpPayload');
    expect((await checkResultToken(app, verified.token)).amr).toEqual(['pop', 'hwk']);
  });
});

describe('passkey configuration', () => {
  const production = { NODE_ENV: 'production', SECRET_KEY: 'p'.repeat(40), ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
  const problems = (env: Record<string, string>) => {
    try {
      parseConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('is on localhost outside production, and off in production until WEBAUTHN_RP_ID is set', () => {
    expect(parseConfig({ PORT: '3000' }).webauthn).toEqual({
      rpId: 'localhost',
      rpName: 'FountainAI',
      origins: ['http://localhost:3000'],
      userVerification: 'required',
    });
    expect(parseConfig(production).webauthn).toBeUndefined();
  });

  it('requires WEBAUTHN_ORIGINS in production once WEBAUTHN_RP_ID is set, each on the RP id and https', () => {
    expect(problems({ ...production, WEBAUTHN_RP_ID: 'fountain.ai' })).toEqual([
      { variable: 'WEBAUTHN_ORIGINS', message: 'is required in production when passkeys are on (WEBAUTHN_RP_ID is set)' },
    ]);
    expect(problems({ ...production, WEBAUTHN_RP_ID: 'fountain.ai', WEBAUTHN_ORIGINS: 'https://app.fountain.ai,https://evil.example' })).toEqual([
      { variable: 'WEBAUTHN_ORIGINS', message: 'https://evil.example is not on the relying party id fountain.ai (WEBAUTHN_RP_ID)' },
    ]);
    expect(problems({ WEBAUTHN_RP_ID: 'fountain.ai', WEBAUTHN_ORIGINS: 'http://app.fountain.ai' })[0]?.variable).toBe('WEBAUTHN_ORIGINS');
    expect(problems({ WEBAUTHN_RP_ID: 'https://fountain.ai' })[0]?.variable).toBe('WEBAUTHN_RP_ID');
    expect(problems({ ...production, WEBAUTHN_RP_ID: 'fountain.ai', WEBAUTHN_ORIGINS: 'https://app.fountain.ai' })).toEqual([]);
  });

  it('answers PasskeysNotConfiguredError where passkeys are off', async () => {
    const off = await createTestApp({ NODE_ENV: 'production', ENCRYPTION_KEY: testEnv().ENCRYPTION_KEY ?? '', ALLOW_ANONYMOUS_CALLERS: 'true' });
    try {
      const username = await createUser(off);
      const { startPasskeyRegistration } = await execute(off, StartPasskeyRegistrationDocument, { username });
      expect(startPasskeyRegistration.__typename).toBe('PasskeysNotConfiguredError');
      expect((await verifyWith(off, username, {})).__typename).toBe('PasskeysNotConfiguredError');
    } finally {
      await off.close();
    }
  });
});
