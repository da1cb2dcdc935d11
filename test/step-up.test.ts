// Attack: a weak factor standing in for a strong one. A payments frontend that asks for a
// phishing-resistant proof must not get an emailed code, nor be told "yes" by a token that does
// not say how strong the proof was. Each method's token states its level (`acr`) and its method
// and channel (`amr`), checked here with the JWKS alone as docs/assurance.md shows; a minimum
// the chosen channel or method does not reach is refused before anything is sent (no message
// reaches the SMTP server) or judged (no guess spent), naming the factors that would do.
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyResultToken } from '../src/verification/result-token.js';
import {
  GenerateOtpDocument,
  GenerateRecoveryCodesDocument,
  StartPasskeyVerificationDocument,
  UserFactorsDocument,
  VerifyOtpDocument,
  VerifyPasskeyDocument,
} from './generated/graphql.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createUser, postVerify } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { enrolledAuthenticator, passkeyEnv } from './support/passkeys.js';
import { fetchJwks } from './support/result-tokens.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { appCode, enrollAndConfirm } from './support/totp.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from './support/twilio.js';

const PHR = 'phr';
const AAL2 = 'urn:fountainai:2fa:acr:aal2';
const AAL2_RESTRICTED = 'urn:fountainai:2fa:acr:aal2:restricted';
const EMAIL = 'urn:fountainai:2fa:acr:email';

/**
 * docs/assurance.md's check for a service holding only the JWKS: signature, issuer, a fresh
 * factor (not a remembered device), an `acr` among those the action accepts, and `auth_time`
 * within `maxAgeSeconds` of the checker's `now`.
 */
async function stepUpCheck(jwks: JSONWebKeySet, token: string, accepted: string[], maxAgeSeconds: number, now: Date) {
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['ES256', 'EdDSA'],
    issuer: 'fountainai-2fa',
    requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr', 'acr', 'auth_time'],
    clockTolerance: 30,
    currentDate: now,
  });
  if (payload.factor_presented === false) throw new Error('no factor was presented now');
  if (typeof payload.acr !== 'string' || !accepted.includes(payload.acr)) throw new Error(`acr ${String(payload.acr)} is not enough`);
  if (typeof payload.auth_time !== 'number' || now.getTime() / 1000 - payload.auth_time > maxAgeSeconds) throw new Error('too old');
  return payload;
}

const sendFreely = { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '100', SMS_PREFIX_MIN_SENDS: '1000000' };

describe('assurance in every result token, and minimums callers ask for', () => {
  let smtp: TestSmtpServer;
  let twilio: TestTwilioServer;
  let app: TestApp;
  let jwks: JSONWebKeySet;
  // An hour of its own for the SMS budgets; the checker is given the same time.
  const clock = isolatedSmsClock();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    twilio = await startTwilioServer();
    app = await createTestApp(
      {
        ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: '+15005550006' }),
        ...passkeyEnv,
        // so that an assertion without user verification reaches the minimum's check
        WEBAUTHN_USER_VERIFICATION: 'preferred',
        ...sendFreely,
        SMTP_SERVER: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_SECURITY: 'none',
        SMTP_FROM_EMAIL: 'noreply@example.com',
      },
      { clock },
    );
    jwks = await fetchJwks(app);
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
    await twilio.close();
  });

  const within = (payload: Record<string, unknown>) => expect(payload.auth_time).toBe(Math.floor(clock.now().getTime() / 1000));
  const generate = async (username: string, channel?: 'EMAIL' | 'SMS') => {
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username, channel });
    return expectType(generateOtp, 'GenerateOtpPayload').otpCode ?? '';
  };
  /** The token checked both ways: as docs/assurance.md shows with jose, and by the service's own helper. */
  const checked = async (token: string, accepted: string[]) => {
    await stepUpCheck(jwks, token, accepted, 300, clock.now());
    return verifyResultToken(token, { jwks }, { currentDate: clock.now() });
  };

  it('states each method’s acr and amr, checked with the JWKS alone, on REST and on GraphQL', async () => {
    const username = await createUser(app, { email: `${uniqueMobile('u')}@example.com`, phoneNumber: uniqueMobile() });

    // an emailed code: REST
    const email = await postVerify(app, { username, otp_code: await generate(username, 'EMAIL') });
    expect(email.statusCode, email.body).toBe(200);
    const emailClaims = await checked(email.json<{ token: string }>().token, [EMAIL]);
    expect(emailClaims).toMatchObject({ methods: ['otp', 'email'], assurance: 'EMAIL_CODE' });
    // ... which a service asking for AAL2 refuses
    await expect(stepUpCheck(jwks, email.json<{ token: string }>().token, [AAL2, PHR], 3600, clock.now())).rejects.toThrow(/not enough/);

    // an SMS code: GraphQL
    const sms = await execute(app, VerifyOtpDocument, { username, code: await generate(username, 'SMS') });
    const smsPayload = expectType(sms.verifyOtp, 'VerifyOtpPayload');
    expect(smsPayload).toMatchObject({ method: 'otp', assurance: 'AAL2_RESTRICTED', amr: ['otp', 'sms'] });
    const smsClaims = await stepUpCheck(jwks, smsPayload.token, [AAL2_RESTRICTED], 300, clock.now());
    expect(smsClaims.amr).toEqual(['otp', 'sms']);
    within(smsClaims);

    // an authenticator app: both surfaces
    clock.advance(15_000);
    const secret = await enrollAndConfirm(app, username, clock);
    clock.advance(30_000);
    const appRest = await postVerify(app, { username, otp_code: appCode(secret, clock.now()) });
    expect(appRest.statusCode, appRest.body).toBe(200);
    expect(await checked(appRest.json<{ token: string }>().token, [AAL2])).toMatchObject({ methods: ['otp', 'totp'], assurance: 'AAL2' });
    clock.advance(30_000);
    const appGraphql = expectType((await execute(app, VerifyOtpDocument, { username, code: appCode(secret, clock.now()) })).verifyOtp, 'VerifyOtpPayload');
    expect(appGraphql).toMatchObject({ method: 'totp', assurance: 'AAL2', amr: ['otp', 'totp'] });

    // a recovery code: both surfaces
    const { codes } = expectType((await execute(app, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
    const recoveryRest = await postVerify(app, { username, otp_code: codes[0] });
    expect(await checked(recoveryRest.json<{ token: string }>().token, [AAL2])).toMatchObject({ methods: ['recovery'], assurance: 'AAL2' });
    const recoveryGraphql = expectType((await execute(app, VerifyOtpDocument, { username, code: codes[1] ?? '' })).verifyOtp, 'VerifyOtpPayload');
    expect(recoveryGraphql).toMatchObject({ method: 'recovery', assurance: 'AAL2', amr: ['recovery'] });

    // a passkey that verified the user: phishing-resistant
    const authenticator = await enrolledAuthenticator(app, username);
    const { startPasskeyVerification } = await execute(app, StartPasskeyVerificationDocument, { username, minimumAssurance: 'PHISHING_RESISTANT' });
    const { options } = expectType(startPasskeyVerification, 'StartPasskeyVerificationPayload');
    expect(options).toMatchObject({ userVerification: 'required' });
    const passkey = expectType(
      (await execute(app, VerifyPasskeyDocument, { username, response: authenticator.assert(options), minimumAssurance: 'PHISHING_RESISTANT' })).verifyPasskey,
      'VerifyOtpPayload',
    );
    expect(passkey).toMatchObject({ method: 'passkey', assurance: 'PHISHING_RESISTANT', amr: ['pop', 'hwk', 'user'] });
    const passkeyClaims = await stepUpCheck(jwks, passkey.token, [PHR], 300, clock.now());
    expect(passkeyClaims).toMatchObject({ acr: PHR, amr: ['pop', 'hwk', 'user'] });
    expect(passkeyClaims).not.toHaveProperty('factor_presented');
  });

  it('refuses a minimum above the user’s factors before sending: nothing reaches the SMTP server, the factors that would do are named', async () => {
    const address = `${uniqueMobile('stepup')}@example.com`;
    const username = await createUser(app, { email: address });
    const toUser = () => smtp.messages.filter((message) => message.to.includes(address));

    const { generateOtp } = await execute(app, GenerateOtpDocument, { username, minimumAssurance: 'PHISHING_RESISTANT' });
    const refused = expectType(generateOtp, 'InsufficientAssuranceError');
    expect(refused).toMatchObject({ code: 'INSUFFICIENT_ASSURANCE', required: 'PHISHING_RESISTANT', sufficientFactors: [] });
    expect(refused.message).toBe('This needs a phishing-resistant proof; the user has no factor that gives one');

    const rest = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}&minimum_assurance=AAL2` });
    expect(rest.statusCode).toBe(400);
    expect(rest.json()).toEqual({
      detail: 'This needs a second factor acceptable at AAL2 (not email or SMS); the user has no factor that gives one',
      required: 'AAL2',
      sufficient_factors: [],
    });
    // A send delivers before it answers: had either refusal sent, its message would be here by now.
    expect(toUser()).toEqual([]);
    // The same minimum lets a channel that reaches it through, and no minimum changes nothing.
    const sent = expectType((await execute(app, GenerateOtpDocument, { username, minimumAssurance: 'EMAIL_CODE' })).generateOtp, 'GenerateOtpPayload');
    expect(toUser()).toHaveLength(1);
    expect(toUser()[0]?.text).toContain(sent.otpCode ?? 'no code');

    // a passkey and an app later, the refusal names them, strongest first
    await enrolledAuthenticator(app, username);
    clock.advance(15_000);
    await enrollAndConfirm(app, username, clock);
    const named = expectType((await execute(app, GenerateOtpDocument, { username, minimumAssurance: 'AAL2' })).generateOtp, 'InsufficientAssuranceError');
    expect(named.sufficientFactors).toEqual(['PASSKEY', 'AUTHENTICATOR_APP']);
    expect(named.message).toBe('This needs a second factor acceptable at AAL2 (not email or SMS); the user can give one with a passkey or an authenticator app');
    const { user } = await execute(app, UserFactorsDocument, { username });
    expect(user?.factors.map((factor) => [factor.kind, factor.assurance])).toEqual([
      ['EMAIL_CODE', 'EMAIL_CODE'],
      ['AUTHENTICATOR_APP', 'AAL2'],
      ['PASSKEY', 'PHISHING_RESISTANT'],
    ]);
  });

  it('refuses a verify whose methods are below the minimum before any guess, and judges only those that reach it', async () => {
    const username = await createUser(app, { email: `${uniqueMobile('v')}@example.com` });
    const emailed = await generate(username);
    // Only an emailed code is pending and the user has no app: nothing can reach AAL2.
    const rest = await postVerify(app, { username, otp_code: emailed, minimum_assurance: 'AAL2' });
    expect(rest.statusCode).toBe(400);
    expect(rest.json()).toMatchObject({ required: 'AAL2', sufficient_factors: [] });
    const graphql = expectType((await execute(app, VerifyOtpDocument, { username, code: emailed, minimumAssurance: 'AAL2_RESTRICTED' })).verifyOtp, 'InsufficientAssuranceError');
    expect(graphql.required).toBe('AAL2_RESTRICTED');
    // Nothing was judged: the emailed code still works for a caller that asks for no more.
    const accepted = await postVerify(app, { username, otp_code: emailed, minimum_assurance: 'EMAIL_CODE' });
    expect(accepted.statusCode, accepted.body).toBe(200);

    // With an app, an AAL2 minimum judges the answer as the app's: the emailed code is a wrong answer there.
    clock.advance(15_000);
    const secret = await enrollAndConfirm(app, username, clock);
    const another = await generate(username);
    const asApp = expectType((await execute(app, VerifyOtpDocument, { username, code: another, minimumAssurance: 'AAL2' })).verifyOtp, 'InvalidCodeError');
    expect(asApp.attemptsLeft).toBeGreaterThan(0);
    clock.advance(30_000);
    const right = expectType((await execute(app, VerifyOtpDocument, { username, code: appCode(secret, clock.now()), minimumAssurance: 'AAL2' })).verifyOtp, 'VerifyOtpPayload');
    expect(right.assurance).toBe('AAL2');
    // a recovery code never reaches PHISHING_RESISTANT
    const { codes } = expectType((await execute(app, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
    const recovery = expectType((await execute(app, VerifyOtpDocument, { username, code: codes[0] ?? '', minimumAssurance: 'PHISHING_RESISTANT' })).verifyOtp, 'InsufficientAssuranceError');
    expect(recovery.sufficientFactors).toEqual([]);
    expect(expectType((await execute(app, VerifyOtpDocument, { username, code: codes[0] ?? '' })).verifyOtp, 'VerifyOtpPayload').method).toBe('recovery');
  });

  it('refuses a passkey assertion without user verification where a phishing-resistant proof is asked, spending no guess', async () => {
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const { startPasskeyVerification } = await execute(app, StartPasskeyVerificationDocument, { username });
    const { options } = expectType(startPasskeyVerification, 'StartPasskeyVerificationPayload');
    const refused = expectType(
      (await execute(app, VerifyPasskeyDocument, { username, response: authenticator.assert(options, { userVerified: false }), minimumAssurance: 'PHISHING_RESISTANT' }))
        .verifyPasskey,
      'InsufficientAssuranceError',
    );
    expect(refused.sufficientFactors).toEqual(['PASSKEY']);
  });
});
