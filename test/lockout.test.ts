// Attack: brute force spread over many codes. Five wrong guesses kill one delivered code, but
// an attacker who can have new codes sent would get five fresh guesses each time. The user-level
// lockout stops that: after LOCKOUT_THRESHOLD (10) consecutive failed verifications, across
// codes and methods, the user is locked for LOCKOUT_MINUTES (15), whatever number of codes was
// sent; a new code never resets the count, only a success does.
import { describe, expect, it } from 'vitest';
import { ManualClock, useTestApp, type TestApp } from './support/app.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';
import { openTestDatabase } from './support/db.js';
import { executeRaw } from './support/graphql.js';

const MINUTE = 60_000;

/** Sends a fresh code (past the resend interval) and spends `guesses` wrong guesses on it. */
async function burnGuesses(app: TestApp, clock: ManualClock, username: string, guesses: number) {
  clock.advance(MINUTE);
  const { code } = await requestCode(app, username);
  const answers = [];
  for (let i = 1; i <= guesses; i++) answers.push(await submitCode(app, username, wrongCode(code, i)));
  return { code, answers };
}

describe('lockout after consecutive failed verifications', () => {
  const clock = new ManualClock(new Date('2031-05-06T07:00:00Z'));
  // Enough sends per hour that only the lockout, not the send limit, is what stops the guessing.
  const app = useTestApp({ OTP_MAX_SENDS_PER_HOUR: '100' }, { clock });

  it('locks the user on the tenth failure across two codes, with 429 and Retry-After', async () => {
    const username = await createUser(app);
    await burnGuesses(app, clock, username, 5);
    const { answers } = await burnGuesses(app, clock, username, 5);
    const last = answers.at(-1);
    expect(answers.slice(0, 4).map((a) => a.statusCode)).toEqual([400, 400, 400, 400]);
    expect(last?.statusCode).toBe(429);
    expect(last?.headers['retry-after']).toBe(String(15 * 60));
    expect(last?.json<{ detail: string }>().detail).toMatch(/locked/i);
  });

  it("attemptsLeft is what runs out first: the code's allowance or the user's budget", async () => {
    const username = await createUser(app);
    await burnGuesses(app, clock, username, 5);
    await burnGuesses(app, clock, username, 1);
    const { code } = await burnGuesses(app, clock, username, 0);
    const wrong = await executeRaw(
      app,
      'mutation($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename ... on InvalidCodeError { attemptsLeft } } }',
      { u: username, c: wrongCode(code) },
    );
    // The new code tolerates 4 more, but the user has 10 - 7 = 3 guesses before the lock.
    expect(wrong.body.data).toEqual({ verifyOtp: { __typename: 'InvalidCodeError', attemptsLeft: 3 } });
  });

  it('refuses even the right code while locked, over REST and GraphQL, and lets it through after the lock', async () => {
    const username = await createUser(app);
    await burnGuesses(app, clock, username, 5);
    await burnGuesses(app, clock, username, 5);

    // A new code can still be sent (the lock is on verification), but it does not unlock.
    clock.advance(MINUTE);
    const { code } = await requestCode(app, username);
    const refused = await submitCode(app, username, code);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(14 * 60);

    const graphql = await executeRaw(
      app,
      'mutation($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename ... on UserLockedError { code retryAfter } } }',
      { u: username, c: code },
    );
    expect(graphql.body.data).toEqual({ verifyOtp: { __typename: 'UserLockedError', code: 'USER_LOCKED', retryAfter: 14 * 60 } });

    clock.advance(14 * MINUTE);
    const fresh = await requestCode(app, username);
    const accepted = await submitCode(app, username, fresh.code);
    expect(accepted.statusCode, accepted.body).toBe(200);
  });

  it('counts failures across codes: a new code never resets the count', async () => {
    const username = await createUser(app);
    for (let i = 0; i < 3; i++) await burnGuesses(app, clock, username, 3);
    const { answers } = await burnGuesses(app, clock, username, 1);
    expect(answers[0]?.statusCode).toBe(429);
  });

  it('resets the count on a success', async () => {
    const username = await createUser(app);
    await burnGuesses(app, clock, username, 5);
    const { code, answers } = await burnGuesses(app, clock, username, 4);
    expect(answers.every((a) => a.statusCode === 400)).toBe(true);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);
    // Nine failures before the success; after it, nine more still leave the user unlocked.
    await burnGuesses(app, clock, username, 5);
    const { answers: after } = await burnGuesses(app, clock, username, 4);
    expect(after.map((a) => a.statusCode)).toEqual([400, 400, 400, 400]);
  });

  it('records the lockout in the audit trail', async () => {
    const username = await createUser(app);
    await burnGuesses(app, clock, username, 5);
    await burnGuesses(app, clock, username, 5);
    const database = await openTestDatabase();
    const events = await database.db.auditEvent.findMany({
      where: { username },
      orderBy: { id: 'asc' },
      select: { event: true, outcome: true, reason: true },
    });
    await database.close();
    expect(events.filter((e) => e.event === 'LOCKOUT')).toEqual([{ event: 'LOCKOUT', outcome: 'SUCCESS', reason: 'USER_LOCKED' }]);
    expect(events.filter((e) => e.event === 'OTP_VERIFY' && e.reason === 'INVALID_CODE')).toHaveLength(8);
  });
});
