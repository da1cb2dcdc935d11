// Attack: a burst of concurrent guesses. The lockout used to be checked by reading
// `locked_until` and counted only after each guess was judged, so hundreds of guesses sent at
// once were all judged before the first count landed (589 of ~590 wrong app codes on
// PostgreSQL, 263 of 300 on SQLite), and a right code inside the burst got through. Every
// verification now takes a slot from the user's guess budget with one conditional write
// before anything is judged: of N concurrent wrong guesses, by any method, exactly
// LOCKOUT_THRESHOLD are judged, the rest are refused as locked, and a right answer sent after
// them is refused while the lock holds. (Two instances on PostgreSQL: postgres/guess-burst-instances.test.ts.)
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { ManualClock, useTestApp, type TestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { GenerateRecoveryCodesDocument, VerifyOtpDocument } from './generated/graphql.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import { budgetOf, burst, guessMethods, wrongGuesses, type GuessMethod } from './support/guess-burst.js';
import { appCode, enrollAndConfirm, midStep } from './support/totp.js';

const THRESHOLD = 10;
const BURST = 300;
const verifyOtp = print(VerifyOtpDocument);

describe('a burst of concurrent guesses against one user', () => {
  const clock = new ManualClock(midStep());
  // Codes survive any number of wrong guesses here, so that only the user's budget stops them.
  const app = useTestApp({ OTP_MAX_ATTEMPTS: '20', IP_RATE_LIMIT: '1000000', LOCKOUT_THRESHOLD: String(THRESHOLD) }, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  /** A user with a right answer ready for `method`. */
  async function prepared(method: GuessMethod): Promise<{ username: string; right: string; secret?: string }> {
    const username = await createUser(app);
    if (method === 'otp') return { username, right: (await requestCode(app, username)).code };
    if (method === 'totp') {
      const secret = await enrollAndConfirm(app, username, clock);
      // The confirming code used this step up; the next one is inside the ±1 window.
      return { username, secret, right: appCode(secret, new Date(clock.now().getTime() + 30_000)) };
    }
    const { generateRecoveryCodes } = await execute(app, GenerateRecoveryCodesDocument, { username });
    return { username, right: expectType(generateRecoveryCodes, 'RecoveryCodes').codes[0] ?? '' };
  }

  /** Half over REST, half over GraphQL: both surfaces share the one budget. */
  const verifyAlternating = (target: TestApp, username: string) => async (code: string, i: number) => {
    if (i % 2 === 0) return (await submitCode(target, username, code)).statusCode;
    const answer = await executeRaw(target, verifyOtp, { username, code });
    const typename = (answer.body.data?.verifyOtp as { __typename?: string } | undefined)?.__typename ?? '';
    return typename === 'VerifyOtpPayload' ? 200 : typename === 'UserLockedError' ? 429 : 400;
  };

  it.each(guessMethods)(`judges exactly ${THRESHOLD} of ${BURST} concurrent wrong %s guesses, then refuses the right one`, async (method) => {
    const { username, right, secret } = await prepared(method);
    const guesses = wrongGuesses(method, BURST, right, secret, clock.now());

    const outcome = await burst(database, username, guesses, verifyAlternating(app, username));

    expect(outcome.judgedFailures).toBe(THRESHOLD);
    expect(outcome.refusedLocked).toBe(BURST - THRESHOLD);
    expect(outcome.successes).toBe(0);
    // The guess that reached the threshold answers "locked" too: 9 say wrong, 291 say locked.
    expect(outcome.statuses.filter((status) => status === 400)).toHaveLength(THRESHOLD - 1);
    expect(outcome.statuses.filter((status) => status === 429)).toHaveLength(BURST - THRESHOLD + 1);

    const after = await submitCode(app, username, right);
    expect(after.statusCode, after.body).toBe(429);
    expect(after.json<{ detail: string }>().detail).toMatch(/locked/);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: THRESHOLD, consecutiveFailures: THRESHOLD });
  });

  it.each(guessMethods)('with the right %s answer inside the burst, judges no more than the budget allows', async (method) => {
    const { username, right, secret } = await prepared(method);
    const guesses = wrongGuesses(method, BURST - 1, right, secret, clock.now());
    guesses.splice(BURST / 2, 0, right);

    const outcome = await burst(database, username, guesses, verifyAlternating(app, username));

    // Without the right answer judged, only the threshold; with it, it took one of the first
    // window's slots and its success reset the count, so at most one window more was judged.
    expect(outcome.successes).toBeLessThanOrEqual(1);
    expect(outcome.judgedFailures).toBeLessThanOrEqual(outcome.successes ? 2 * THRESHOLD - 1 : THRESHOLD);
    expect(outcome.judgedFailures + outcome.successes + outcome.refusedLocked).toBe(BURST);
    // Either way the burst ends with the user locked.
    const budget = await budgetOf(database, username);
    expect(budget.failedVerifications).toBe(THRESHOLD);
    expect(budget.lockedUntil?.getTime()).toBeGreaterThan(clock.now().getTime());
  });
});
