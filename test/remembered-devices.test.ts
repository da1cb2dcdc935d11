// Attack: a remembered device outliving what it vouches for. "Remember this device" lets a
// frontend skip the second factor, so its token must be worth no more than the verification that
// remembered it (its acr and auth_time, and a token that says no factor was presented now), must
// never approve an action, must stop at REMEMBER_DEVICE_DAYS, on revocation, when a factor is
// removed, when two-factor is switched off or the user suspended, and must not be guessable
// (a wrong token spends a guess). The user is told, by a real SMTP server, of every new device,
// and the notice carries no token. (Concurrent wrong tokens over two instances:
// postgres/device-guess-burst-instances.test.ts.)
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyResultToken } from '../src/verification/result-token.js';
import {
  DisableTwoFactorDocument,
  RemovePasskeyDocument,
  RevokeAllDevicesDocument,
  RevokeDeviceDocument,
  UserDevicesDocument,
  UserFactorsDocument,
  VerifyDeviceDocument,
  VerifyOtpDocument,
  VerifyPasskeyDocument,
} from './generated/graphql.js';
import { createTestApp, ManualClock, type TestApp } from './support/app.js';
import { createUser, postVerify, requestCode } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { enrolledAuthenticator, passkeyEnv, verificationOptions } from './support/passkeys.js';
import { fetchJwks } from './support/result-tokens.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { midStep } from './support/totp.js';
import { until } from './support/webhooks.js';

const DAY = 86_400_000;

describe('remembered devices', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  const clock = new ManualClock(midStep());

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await createTestApp(
      {
        ...passkeyEnv,
        SMTP_SERVER: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_SECURITY: 'none',
        OUTBOX_POLL_INTERVAL_MS: '25',
        OTP_RESEND_INTERVAL_SECONDS: '0',
        MAX_CONSECUTIVE_FAILURES: '5',
        LOCKOUT_THRESHOLD: '3',
        REMEMBER_DEVICE_DAYS: '30',
      },
      { clock },
    );
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  /** A user who verified an emailed code over REST asking to remember the device: the token and the answer. */
  async function remembered(email = `${crypto.randomUUID().slice(0, 8)}@example.com`) {
    const username = await createUser(app, { email });
    const { code } = await requestCode(app, username);
    const answer = await postVerify(app, { username, otp_code: code, remember_device: true, device_name: 'Firefox on a laptop' });
    expect(answer.statusCode, answer.body).toBe(200);
    const body = answer.json<{ token: string; device_token: string; device: { id: string; name: string; expires_at: string } }>();
    return { username, email, body, deviceToken: body.device_token };
  }

  const checkDevice = (username: string, deviceToken: string, extra: { maxAgeSeconds?: number; minimumAssurance?: 'AAL2' } = {}) =>
    execute(app, VerifyDeviceDocument, { username, deviceToken, ...extra }).then((result) => result.verifyDevice);

  it('remembers over REST, checks over both surfaces: the remembering proof’s acr and auth_time, factor_presented false, no ctx', async () => {
    const { username, body, deviceToken } = await remembered();
    expect(deviceToken).toMatch(/^fdt_[A-Za-z0-9_-]{43}$/);
    expect(body.device).toMatchObject({ name: 'Firefox on a laptop', assurance: 'EMAIL_CODE', expires_at: new Date(clock.now().getTime() + 30 * DAY).toISOString() });
    const rememberedAt = Math.floor(clock.now().getTime() / 1000);

    clock.advance(3_600_000);
    const rest = await app.inject({ method: 'POST', url: '/auth/verify-device', payload: { username, device_token: deviceToken } });
    expect(rest.statusCode, rest.body).toBe(200);
    const restBody = rest.json<{ method: string; token: string; device: { id: string } }>();
    expect(restBody).toMatchObject({ method: 'device', device: { id: body.device.id } });
    const jwks = await fetchJwks(app);
    const claims = decodeJwt(restBody.token);
    expect(claims).toMatchObject({ sub: username, acr: 'urn:fountainai:2fa:acr:email', amr: ['otp', 'email'], auth_time: rememberedAt, factor_presented: false, device: body.device.id });
    expect(claims.iat).toBe(rememberedAt + 3600);
    expect(claims).not.toHaveProperty('ctx');
    // A checker refuses it unless it accepts remembered devices, and then only within its maximum age.
    await expect(verifyResultToken(restBody.token, { jwks }, { currentDate: clock.now() })).rejects.toThrow(/no factor was presented now/);
    await expect(verifyResultToken(restBody.token, { jwks }, { currentDate: clock.now(), allowRememberedDevice: true, maxAgeSeconds: 1800 })).rejects.toThrow(/too long ago/);
    expect(await verifyResultToken(restBody.token, { jwks }, { currentDate: clock.now(), allowRememberedDevice: true, maxAgeSeconds: 7200 })).toMatchObject({
      rememberedDevice: body.device.id,
      assurance: 'EMAIL_CODE',
    });
    // ... and for an action, never.
    await expect(verifyResultToken(restBody.token, { jwks }, { currentDate: clock.now(), allowRememberedDevice: true, context: 'Pay 1 EUR' })).rejects.toThrow(/ctx/);

    // GraphQL, with and without a maximum age, and with a minimum the device does not reach.
    expect(expectType(await checkDevice(username, deviceToken, { maxAgeSeconds: 7200 }), 'VerifyOtpPayload')).toMatchObject({ method: 'device', assurance: 'EMAIL_CODE' });
    expect(expectType(await checkDevice(username, deviceToken, { maxAgeSeconds: 1800 }), 'DeviceProofTooOldError').code).toBe('DEVICE_PROOF_TOO_OLD');
    expect(expectType(await checkDevice(username, deviceToken, { minimumAssurance: 'AAL2' }), 'InsufficientAssuranceError').required).toBe('AAL2');

    const { user } = await execute(app, UserDevicesDocument, { username });
    expect(user?.devices).toEqual([
      expect.objectContaining({ id: body.device.id, name: 'Firefox on a laptop', method: 'otp', assurance: 'EMAIL_CODE', amr: ['otp', 'email'], revokedAt: null }),
    ]);
    expect(user?.devices[0]?.lastUsedAt).toBe(clock.now().toISOString());
  });

  it('tells the user of the new device at a real SMTP server, with no token or code in it', async () => {
    const { email, deviceToken, body } = await remembered();
    const notice = await until(() => smtp.messages.find((m) => m.to.includes(email) && /new device/.test(m.subject)));
    expect(notice.subject).toBe('Security alert: a new device was remembered for your FountainAI account');
    expect(notice.text).toContain('A new device was remembered for your FountainAI account after a sign-in with a one-time code');
    for (const secret of [deviceToken, deviceToken.slice(4), body.token]) expect(`${notice.subject}\n${notice.text}\n${notice.html}`).not.toContain(secret);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
  });

  it('refuses a device token after expiry, after revocation, and another user’s', async () => {
    const { username, deviceToken, body } = await remembered();
    const other = await remembered();
    // Another user's token is a wrong answer for this user: a guess, and the same answer as an unknown token.
    expect(expectType(await checkDevice(username, other.deviceToken), 'DeviceTokenInvalidError').code).toBe('DEVICE_TOKEN_INVALID');

    clock.advance(30 * DAY + 1000);
    expect(expectType(await checkDevice(username, deviceToken), 'DeviceExpiredError').code).toBe('DEVICE_EXPIRED');

    const fresh = await remembered();
    const revoked = expectType((await execute(app, RevokeDeviceDocument, { username: fresh.username, id: fresh.body.device.id })).revokeDevice, 'RememberedDevice');
    expect(revoked.revokedAt).toBe(clock.now().toISOString());
    expect(expectType(await checkDevice(fresh.username, fresh.deviceToken), 'DeviceRevokedError').code).toBe('DEVICE_REVOKED');
    const rest = await app.inject({ method: 'POST', url: '/auth/verify-device', payload: { username: fresh.username, device_token: fresh.deviceToken } });
    expect(rest.statusCode).toBe(400);
    expect(rest.json()).toEqual({ detail: 'This device was revoked; verify with a second factor' });
    expect(expectType((await execute(app, RevokeDeviceDocument, { username, id: fresh.body.device.id })).revokeDevice, 'DeviceNotFoundError').code).toBe('DEVICE_NOT_FOUND');
    expect(body.device.id).not.toBe(fresh.body.device.id);

    const all = await remembered();
    expect(expectType((await execute(app, RevokeAllDevicesDocument, { username: all.username })).revokeAllDevices, 'RevokeAllDevicesPayload').revoked).toBe(1);
    expect(expectType(await checkDevice(all.username, all.deviceToken), 'DeviceRevokedError').code).toBe('DEVICE_REVOKED');
  });

  it('revokes every device when a factor is removed, two-factor is switched off, or the user is suspended', async () => {
    // a passkey remembers (GraphQL), then is removed
    const username = await createUser(app);
    const authenticator = await enrolledAuthenticator(app, username);
    const viaPasskey = expectType(
      (await execute(app, VerifyPasskeyDocument, { username, response: authenticator.assert(await verificationOptions(app, username)), rememberDevice: true, deviceName: 'Phone' }))
        .verifyPasskey,
      'VerifyOtpPayload',
    );
    expect(viaPasskey.device).toMatchObject({ name: 'Phone', assurance: 'PHISHING_RESISTANT' });
    const passkeyDevice = viaPasskey.deviceToken ?? '';
    expect(expectType(await checkDevice(username, passkeyDevice, { minimumAssurance: 'AAL2' }), 'VerifyOtpPayload').assurance).toBe('PHISHING_RESISTANT');
    const { user } = await execute(app, UserFactorsDocument, { username });
    const passkeyId = user?.passkeys[0]?.id ?? '';
    expectType((await execute(app, RemovePasskeyDocument, { username, id: passkeyId })).removePasskey, 'User');
    expect(expectType(await checkDevice(username, passkeyDevice), 'DeviceRevokedError').code).toBe('DEVICE_REVOKED');

    // two-factor switched off
    const off = await remembered();
    expectType((await execute(app, DisableTwoFactorDocument, { username: off.username })).disableTwoFactor, 'User');
    const { user: offUser } = await execute(app, UserDevicesDocument, { username: off.username });
    expect(offUser?.devices[0]?.revokedAt).toBe(clock.now().toISOString());

    // suspended after MAX_CONSECUTIVE_FAILURES (5) wrong guesses
    const suspended = await remembered();
    for (let i = 0; i < 5; i++) {
      clock.advance(16 * 60_000); // past each lock, so every guess is judged
      await execute(app, VerifyOtpDocument, { username: suspended.username, code: '000000' });
    }
    const { user: suspendedUser } = await execute(app, UserDevicesDocument, { username: suspended.username });
    expect(suspendedUser?.devices[0]?.revokedAt).toBe(clock.now().toISOString());
    expect(expectType(await checkDevice(suspended.username, suspended.deviceToken), 'TwoFactorSuspendedError').code).toBe('TWO_FACTOR_SUSPENDED');
  });

  it('counts a wrong device token as a guess, and refuses the right one while the user is locked', async () => {
    const { username, deviceToken } = await remembered();
    const wrong = `fdt_${'A'.repeat(43)}`;
    for (let i = 0; i < 2; i++) expect(expectType(await checkDevice(username, wrong), 'DeviceTokenInvalidError').code).toBe('DEVICE_TOKEN_INVALID');
    expect(expectType(await checkDevice(username, wrong), 'UserLockedError').retryAfter).toBeGreaterThan(0);
    expect(expectType(await checkDevice(username, deviceToken), 'UserLockedError').code).toBe('USER_LOCKED');
    clock.advance(16 * 60_000);
    expect(expectType(await checkDevice(username, deviceToken), 'VerifyOtpPayload').method).toBe('device');
  });

  it('never remembers from a device check, and refuses a bad device name before any guess', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const bad = await postVerify(app, { username, otp_code: code, remember_device: true, device_name: 'x'.repeat(65) });
    expect(bad.statusCode).toBe(422);
    const graphql = await execute(app, VerifyOtpDocument, { username, code, rememberDevice: true, deviceName: 'y'.repeat(65) });
    expect(expectType(graphql.verifyOtp, 'ValidationFailedError').message).toBe('deviceName: must be at most 64 characters of text');
    // the code was not judged: it still works
    expect(expectType((await execute(app, VerifyOtpDocument, { username, code })).verifyOtp, 'VerifyOtpPayload').deviceToken).toBeNull();
  });
});
