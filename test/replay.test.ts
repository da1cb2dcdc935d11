// Attack: replaying an authenticator code. A code an app shows stays valid for its whole
// 30 s step (and ±1 step of drift), so whoever sees it (over a shoulder, in a phishing
// proxy, from a log) could use it again, or race the user with it. A step is accepted
// once per user: a second use of the same code, or of an older step, is refused, and of
// concurrent requests with one code exactly one succeeds, on both databases and across
// connections. (Service level: the orchestrator calls `totp.verifyCode`.)
import { describe, expect, it } from 'vitest';
import { ManualClock, useTestApp } from './support/app.js';
import { createUser } from './support/flows.js';
import { appCode, enrollAndConfirm, midStep, racingLinks, testEncryptionKey, totpUser, useRacingSecurityServices, useSecurityServices } from './support/totp.js';

const STEP_MS = 30_000;
const RACERS = 20;

describe('replay of a TOTP step', () => {
  const clock = new ManualClock(midStep());
  const encryption = testEncryptionKey();
  const app = useTestApp({ ENCRYPTION_KEY: encryption.env }, { clock });
  const security = useSecurityServices(clock, [encryption.key]);

  /** A user with a confirmed app, the clock moved on one step past the confirming code. */
  async function enrolledUser() {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    clock.advance(STEP_MS);
    return { username, secret };
  }

  it('accepts a code once: the same code again is REPLAYED, whether or not the caller saw the first use', async () => {
    const { username, secret } = await enrolledUser();
    const code = appCode(secret, clock.now());
    const before = await totpUser(security.database, username);

    expect(await security.services.totp.verifyCode(before, code, clock.now())).toBe('OK');
    // A fresh read sees the step used up and refuses without writing.
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), code, clock.now())).toBe('REPLAYED');
    // A stale read (a request that read the user before the first one wrote) is refused by
    // the conditional update itself.
    expect(await security.services.totp.verifyCode(before, code, clock.now())).toBe('REPLAYED');
    // Still refused later in the step, and while the step is inside the drift window.
    clock.advance(STEP_MS);
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), code, clock.now())).toBe('REPLAYED');
  });

  it('refuses an older step after a newer one, even one never used', async () => {
    const { username, secret } = await enrolledUser();
    const older = appCode(secret, clock.now());
    clock.advance(STEP_MS);
    const newer = appCode(secret, clock.now());

    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), newer, clock.now())).toBe('OK');
    // `older` is inside the ±1 window, right, and unused, but behind the accepted step.
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), older, clock.now())).toBe('REPLAYED');
    const user = await totpUser(security.database, username);
    expect(user.totpLastStep).toBe(Math.floor(clock.now().getTime() / STEP_MS));
  });

  it('refuses the code that confirmed the enrolment', async () => {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    const confirming = appCode(secret, clock.now());
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), confirming, clock.now())).toBe('REPLAYED');
  });

  it('accepts the next step, and ±1 step of drift, but not two steps or a wrong code', async () => {
    const { username, secret } = await enrolledUser();
    const at = (offsetSteps: number) => appCode(secret, new Date(clock.now().getTime() + offsetSteps * STEP_MS));
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), at(2), clock.now())).toBe('INVALID');
    const inWindow = [at(-1), at(0), at(1)];
    const wrong = ['000000', '111111', '222222', '333333'].find((code) => !inWindow.includes(code)) ?? '';
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), wrong, clock.now())).toBe('INVALID');
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), 'abcdef', clock.now())).toBe('INVALID');
    // A phone one step ahead: accepted, and then the current step is behind it.
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), at(1), clock.now())).toBe('OK');
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), at(0), clock.now())).toBe('REPLAYED');
    clock.advance(2 * STEP_MS);
    expect(await security.services.totp.verifyCode(await totpUser(security.database, username), at(0), clock.now())).toBe('OK');
  });

  it('answers INVALID for a user without an active app', async () => {
    const username = await createUser(app);
    const user = await totpUser(security.database, username);
    expect(user.totpSecret).toBeNull();
    expect(await security.services.totp.verifyCode(user, '123456', clock.now())).toBe('INVALID');
  });

  describe.each(racingLinks)('racing one code on $link, over two connections', ({ delayMs }) => {
    const racer = useRacingSecurityServices(delayMs, clock, [encryption.key], () => security.services);

    it(`${RACERS} concurrent checks of one code: exactly one OK, the rest REPLAYED`, async () => {
      for (let round = 0; round < 3; round++) {
        const { username, secret } = await enrolledUser();
        const code = appCode(secret, clock.now());
        // Every request read the user before any of them wrote, as concurrent requests do.
        const user = await totpUser(security.database, username);
        const results = await Promise.all(
          Array.from({ length: RACERS }, (_, i) => racer(i).totp.verifyCode(user, code, clock.now())),
        );
        expect(results.filter((result) => result === 'OK')).toHaveLength(1);
        expect(results.filter((result) => result === 'REPLAYED')).toHaveLength(RACERS - 1);
      }
    });

    it('two different right codes racing (current step and the next): the later step wins exactly once', async () => {
      const { username, secret } = await enrolledUser();
      const now = appCode(secret, clock.now());
      const ahead = appCode(secret, new Date(clock.now().getTime() + STEP_MS));
      const user = await totpUser(security.database, username);
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => racer(i).totp.verifyCode(user, i % 2 ? ahead : now, clock.now())),
      );
      const okAhead = results.filter((result, i) => result === 'OK' && i % 2 === 1).length;
      expect(okAhead).toBe(1);
      expect(results.filter((result) => result === 'OK').length).toBeLessThanOrEqual(2);
      expect((await totpUser(security.database, username)).totpLastStep).toBe(Math.floor(clock.now().getTime() / STEP_MS) + 1);
    });
  });
});
