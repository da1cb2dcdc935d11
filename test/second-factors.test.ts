// The other factors through the surfaces callers use. Attacks stopped here: replaying an
// authenticator code (the same one, or an older step) through /auth/verify or verifyOtp,
// racing two requests with one app code, and reusing a recovery code.
import { describe, expect, it } from 'vitest';
import { ManualClock, useTestApp } from './support/app.js';
import { createUser, submitCode, verifiedAnswer } from './support/flows.js';
import { execute, expectType } from './support/graphql.js';
import { appCode, enrollAndConfirm, midStep } from './support/totp.js';
import { GenerateRecoveryCodesDocument, VerifyOtpDocument } from './generated/graphql.js';

describe('authenticator-app codes at /auth/verify and verifyOtp', () => {
  const clock = new ManualClock(midStep());
  const app = useTestApp({}, { clock });

  it('accepts the app code once, as method totp, and refuses its replay and an older step', async () => {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    clock.advance(30_000);
    const code = appCode(secret, clock.now());
    const accepted = await submitCode(app, username, code);
    expect(accepted.json()).toEqual(verifiedAnswer('totp'));

    const replay = await submitCode(app, username, code);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toEqual({ detail: 'This authenticator code was used already; wait for the next one' });

    const older = appCode(secret, new Date(clock.now().getTime() - 30_000));
    const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code: older });
    expect(verifyOtp.__typename).toBe('CodeReplayedError');

    clock.advance(30_000);
    const next = await execute(app, VerifyOtpDocument, { username, code: appCode(secret, clock.now()) });
    expect(expectType(next.verifyOtp, 'VerifyOtpPayload').method).toBe('totp');
  });

  it('lets exactly one of two concurrent requests with one app code through', async () => {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    clock.advance(30_000);
    const code = appCode(secret, clock.now());
    const answers = await Promise.all([submitCode(app, username, code), submitCode(app, username, code)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 400]);
  });

  it('counts wrong app codes towards the lockout, saying how many guesses are left', async () => {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    const wrong = String((Number(appCode(secret, clock.now())) + 500_000) % 1_000_000).padStart(6, '0');
    const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code: wrong });
    expect(expectType(verifyOtp, 'InvalidCodeError').attemptsLeft).toBe(9);
  });
});

describe('recovery codes at /auth/verify', () => {
  const app = useTestApp();

  it('accepts each recovery code once, as method recovery, in any case and without the dash', async () => {
    const username = await createUser(app);
    const { generateRecoveryCodes } = await execute(app, GenerateRecoveryCodesDocument, { username });
    const { codes } = expectType(generateRecoveryCodes, 'RecoveryCodes');
    expect(codes).toHaveLength(10);
    const [first = '', second = ''] = codes;

    expect((await submitCode(app, username, first)).json()).toEqual(verifiedAnswer('recovery'));
    // Sending it again is a retry of an accepted code: refused, but not a guess.
    const reuse = await submitCode(app, username, first);
    expect(reuse.statusCode).toBe(400);
    expect(reuse.json()).toEqual({ detail: 'The code has already been used; request a new one' });

    expect((await submitCode(app, username, second.replace('-', '').toUpperCase())).json()).toEqual(verifiedAnswer('recovery'));
  });

  it('stops the old set working when a new one is made', async () => {
    const username = await createUser(app);
    const old = expectType((await execute(app, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
    expectType((await execute(app, GenerateRecoveryCodesDocument, { username })).generateRecoveryCodes, 'RecoveryCodes');
    expect((await submitCode(app, username, old.codes[0] ?? '')).statusCode).toBe(400);
  });
});
