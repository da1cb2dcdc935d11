// Attack: taking over or breaking a user's second factor through enrolment. An app must be
// proven (a first valid code) before it counts, a wrong code must not activate anything, a
// re-enrolment must not switch off the app that works until the new one is proven, and
// only callers allowed `users:write` may enrol. Enrolment is GraphQL's: enrollTotp gives
// the secret, its otpauth:// URI and a QR code once; confirmTotp activates it.
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { systemContext } from '../src/auth/caller.js';
import { UserNotFoundError } from '../src/errors/errors.js';
import { stepAt } from '../src/totp/totp.js';
import { ManualClock, uniqueName, useTestApp } from './support/app.js';
import { bearer, callerToken, executeAs } from './support/callers.js';
import { createUser } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { appCode, useSecurityServices, enrollAndConfirm, midStep, testEncryptionKey, totpUser } from './support/totp.js';
import { ConfirmTotpDocument, EnrollTotpDocument, GenerateRecoveryCodesDocument } from './generated/graphql.js';

const STEP_MS = 30_000;

describe('authenticator-app enrolment', () => {
  const clock = new ManualClock(midStep());
  const encryption = testEncryptionKey();
  const app = useTestApp({ ENCRYPTION_KEY: encryption.env }, { clock });
  const security = useSecurityServices(clock, [encryption.key]);

  const enroll = async (username: string) => (await execute(app, EnrollTotpDocument, { username })).enrollTotp;
  const confirm = async (username: string, code: string) => (await execute(app, ConfirmTotpDocument, { username, code })).confirmTotp;
  /** What verify would answer for `code` now (the orchestrator's call), without using it up for the test. */
  const check = async (username: string, code: string) => security.services.totp.verifyCode(await totpUser(security.database, username), code, clock.now());

  it('returns a 160-bit base32 secret, its otpauth URI and a QR code of that URI', async () => {
    const username = await createUser(app);
    const enrollment = expectType(await enroll(username), 'TotpEnrollment');
    expect(enrollment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrollment.uri).toBe(
      `otpauth://totp/FountainAI:${username}?secret=${enrollment.secret}&issuer=FountainAI&algorithm=SHA1&digits=6&period=30`,
    );
    expect(enrollment.qrCode).toMatch(/^data:image\/png;base64,/);
    const png = Buffer.from(enrollment.qrCode.slice('data:image/png;base64,'.length), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(enrollment.qrCode).toBe(await QRCode.toDataURL(enrollment.uri, { errorCorrectionLevel: 'M' }));

    const pending = await totpUser(security.database, username);
    expect(pending.totpPendingSecret).not.toBeNull();
    expect(pending.totpSecret).toBeNull();
    expect(pending.totpEnabledAt).toBeNull();
  });

  it('percent-encodes the account so spaces and colons cannot bend the label', async () => {
    const username = await createUser(app, { username: `ada lovelace:${uniqueName()}` });
    const { uri } = expectType(await enroll(username), 'TotpEnrollment');
    const label = uri.slice('otpauth://totp/'.length, uri.indexOf('?'));
    expect(label).toBe(`FountainAI:${encodeURIComponent(username)}`);
    expect(label.split(':')).toHaveLength(2);
    expect(decodeURIComponent(label)).toBe(`FountainAI:${username}`);
  });

  it('activates only with a valid code: a wrong one is refused and the enrolment stays pending', async () => {
    const username = await createUser(app);
    const { secret } = expectType(await enroll(username), 'TotpEnrollment');
    const sealed = (await totpUser(security.database, username)).totpPendingSecret;

    const right = appCode(secret, clock.now());
    for (const wrong of ['000000', '999999', '12345', 'abcdef'].filter((code) => code !== right)) {
      expect(expectType(await confirm(username, wrong), 'InvalidCodeError').code).toBe('INVALID_CODE');
    }
    // A code two steps old is outside the ±1 window.
    const stale = appCode(secret, new Date(clock.now().getTime() - 2 * STEP_MS));
    if (stale !== right) expectType(await confirm(username, stale), 'InvalidCodeError');
    const still = await totpUser(security.database, username);
    expect(still).toMatchObject({ totpPendingSecret: sealed, totpSecret: null, totpEnabledAt: null, totpLastStep: null });

    const confirmed = expectType(await confirm(username, right), 'TotpConfirmation');
    expect(confirmed).toMatchObject({ username, enabledAt: clock.now().toISOString() });
    const active = await totpUser(security.database, username);
    expect(active).toMatchObject({ totpSecret: sealed, totpPendingSecret: null, totpLastStep: stepAt(clock.now().getTime() / 1000) });
    expect(active.totpEnabledAt?.toISOString()).toBe(clock.now().toISOString());
  });

  it('accepts a first code from a phone one step behind, typed as the app shows it ("123 456")', async () => {
    const username = await createUser(app);
    const { secret } = expectType(await enroll(username), 'TotpEnrollment');
    const code = appCode(secret, new Date(clock.now().getTime() - STEP_MS));
    expectType(await confirm(username, `${code.slice(0, 3)} ${code.slice(3)}`), 'TotpConfirmation');
  });

  it('refuses to confirm without a pending enrolment, and a second time', async () => {
    const username = await createUser(app);
    expectType(await confirm(username, '123456'), 'TotpNotEnrolledError');
    const secret = await enrollAndConfirm(app, username, clock);
    expect(expectType(await confirm(username, appCode(secret, clock.now())), 'TotpNotEnrolledError').code).toBe('TOTP_NOT_ENROLLED');
  });

  it('keeps the active app working through a re-enrolment until the new one is confirmed', async () => {
    const username = await createUser(app);
    const first = await enrollAndConfirm(app, username, clock);
    const { secret: second } = expectType(await enroll(username), 'TotpEnrollment');
    expect(second).not.toBe(first);

    clock.advance(STEP_MS);
    // The old app still logs in; the new one does not yet.
    expect(await check(username, appCode(second, clock.now()))).toBe('INVALID');
    expect(await check(username, appCode(first, clock.now()))).toBe('OK');
    // The old app's code does not confirm the new enrolment.
    clock.advance(STEP_MS);
    expectType(await confirm(username, appCode(first, clock.now())), 'InvalidCodeError');
    expectType(await confirm(username, appCode(second, clock.now())), 'TotpConfirmation');

    clock.advance(STEP_MS);
    expect(await check(username, appCode(first, clock.now()))).toBe('INVALID');
    expect(await check(username, appCode(second, clock.now()))).toBe('OK');
  });

  it('answers UserNotFoundError for an unknown user', async () => {
    const nobody = uniqueName('nobody');
    expectType(await enroll(nobody), 'UserNotFoundError');
    expectType(await confirm(nobody, '123456'), 'UserNotFoundError');
    const { generateRecoveryCodes } = await execute(app, GenerateRecoveryCodesDocument, { username: nobody });
    expectType(generateRecoveryCodes, 'UserNotFoundError');
  });

  it('answers UserNotFoundError, not a database error, for names no database can hold', async () => {
    // The GraphQL edge refuses these already; the services do not rely on it (other callers:
    // REST, the CLI). A lone surrogate cannot be sent by Prisma; PostgreSQL text refuses NUL.
    const context = systemContext('test');
    for (const nobody of [`${uniqueName()}\udfff`, `${uniqueName()}\u0000`]) {
      await expect(security.services.totp.enroll(nobody, context)).rejects.toBeInstanceOf(UserNotFoundError);
      await expect(security.services.totp.confirm(nobody, '123456', context)).rejects.toBeInstanceOf(UserNotFoundError);
      await expect(security.services.recovery.generate(nobody, context)).rejects.toBeInstanceOf(UserNotFoundError);
    }
  });

  it('audits enrolment and confirmation, with outcome and reason, never the secret or a code', async () => {
    const username = await createUser(app);
    const { secret } = expectType(await enroll(username), 'TotpEnrollment');
    const right = appCode(secret, clock.now());
    const wrong = right === '000000' ? '111111' : '000000';
    expectType(await confirm(username, wrong), 'InvalidCodeError');
    expectType(await confirm(username, right), 'TotpConfirmation');
    const events = await security.database.db.auditEvent.findMany({
      where: { username, event: { in: ['TOTP_ENROLL', 'TOTP_CONFIRM'] } },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => [e.event, e.outcome, e.reason])).toEqual([
      ['TOTP_ENROLL', 'SUCCESS', null],
      ['TOTP_CONFIRM', 'FAILURE', 'INVALID_CODE'],
      ['TOTP_CONFIRM', 'SUCCESS', null],
    ]);
    const text = JSON.stringify(events);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(right);
  });

  describe('without anonymous callers', () => {
    const closed = useTestApp({ ENCRYPTION_KEY: encryption.env, ALLOW_ANONYMOUS_CALLERS: 'false' }, { clock });

    it('refuses a caller without a token with UnauthenticatedError, changing nothing', async () => {
      const username = await createUser(app);
      const before = await totpUser(security.database, username);
      const enrolled = (await execute(closed, EnrollTotpDocument, { username })).enrollTotp;
      expect(expectType(enrolled, 'UnauthenticatedError').code).toBe('UNAUTHENTICATED');
      const confirmed = (await execute(closed, ConfirmTotpDocument, { username, code: '123456' })).confirmTotp;
      expectType(confirmed, 'UnauthenticatedError');
      const generated = (await execute(closed, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes;
      expectType(generated, 'UnauthenticatedError');
      expect(await totpUser(security.database, username)).toEqual(before);
      expect(await security.database.db.recoveryCode.count({ where: { user: { username } } })).toBe(0);
    });

    it('refuses a token without users:write with ForbiddenError naming the scope, and accepts one with it', async () => {
      const username = await createUser(app);
      const reader = bearer(await callerToken({ scope: 'users:read otp:verify' }));
      const enrolled = (await executeAs(closed, reader, EnrollTotpDocument, { username })).enrollTotp;
      expect(expectType(enrolled, 'ForbiddenError')).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'users:write' });
      expectType((await executeAs(closed, reader, ConfirmTotpDocument, { username, code: '123456' })).confirmTotp, 'ForbiddenError');
      expectType((await executeAs(closed, reader, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'ForbiddenError');
      expect((await totpUser(security.database, username)).totpPendingSecret).toBeNull();

      const writer = bearer(await callerToken({ sub: 'accounts-service', scope: 'users:write' }));
      expectType((await executeAs(closed, writer, EnrollTotpDocument, { username })).enrollTotp, 'TotpEnrollment');
      expectType((await executeAs(closed, writer, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
      const audited = await security.database.db.auditEvent.findMany({
        where: { username, event: { in: ['TOTP_ENROLL', 'RECOVERY_CODES_GENERATE'] } },
        orderBy: { id: 'asc' },
      });
      expect(audited.map((event) => [event.event, event.caller])).toEqual([
        ['TOTP_ENROLL', 'accounts-service'],
        ['RECOVERY_CODES_GENERATE', 'accounts-service'],
      ]);
    });
  });
});
