// Attack: patient guessing across lock windows. A lock of 15 minutes after 10 failures still
// lets an attacker try 960 codes a day, forever. NIST SP 800-63B rev 4 §3.2.2 caps consecutive
// failures at 100: the count runs across lock windows (a lock ending does not reset it, nor
// does a new code; a success does), and at MAX_CONSECUTIVE_FAILURES the user's second factors
// are suspended until an operator reinstates them (reinstateTwoFactor, users:reinstate).
import { afterEach, beforeAll, afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import type { Database } from '../src/db/client.js';
import { ManualClock, TEST_ENCRYPTION_KEY, TEST_SECRET, useTestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { openTestDatabase } from './support/db.js';
import { createUser, postGenerate, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { budgetOf, wrongGuesses } from './support/guess-burst.js';
import { appCode, enrollAndConfirm, midStep } from './support/totp.js';

const MINUTE = 60_000;
const SUSPENDED = {
  detail: 'Two-factor authentication is suspended for this user after too many failed verifications; an operator must reinstate it',
};
const REINSTATE = /* GraphQL */ `
  mutation Reinstate($username: String!) {
    reinstateTwoFactor(username: $username) {
      __typename
      ... on User { suspendedAt consecutiveFailures lockedUntil }
      ... on Error { code }
    }
  }`;

describe('the cap on consecutive failures (NIST SP 800-63B rev 4 §3.2.2)', () => {
  const clock = new ManualClock(midStep());
  const app = useTestApp({ IP_RATE_LIMIT: '1000000' }, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  /** A user with an authenticator app; wrong app codes need no sends, so only the budget limits them. */
  async function appUser() {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    return { username, secret };
  }

  /** One lock window's worth of wrong app codes (10), then past the lock (16 min). */
  async function spendWindow(username: string, secret: string) {
    const answers = [];
    for (const code of wrongGuesses('totp', 10, appCode(secret, clock.now()), secret, clock.now())) {
      answers.push(await submitCode(app, username, code));
    }
    clock.advance(16 * MINUTE);
    return answers;
  }

  it('counts failures across lock windows and new codes, and suspends at the 100th', async () => {
    const { username, secret } = await appUser();
    for (let window = 1; window <= 9; window++) {
      const answers = await spendWindow(username, secret);
      expect(answers.at(-1)?.statusCode).toBe(429);
      // A new code sent in between resets nothing.
      expect((await postGenerate(app, username)).statusCode).toBe(200);
    }
    expect(await budgetOf(database, username)).toMatchObject({ consecutiveFailures: 90, suspendedAt: null });

    const last = await spendWindow(username, secret);
    expect(last.slice(0, 9).map((answer) => answer.statusCode)).toEqual(Array<number>(9).fill(400));
    expect(last[9]?.statusCode).toBe(400);
    expect(last[9]?.json()).toEqual(SUSPENDED);

    // Suspended: the right code, on both surfaces, long after any lock, and generate, are refused.
    clock.advance(60 * MINUTE);
    const right = await submitCode(app, username, appCode(secret, clock.now()));
    expect(right.statusCode).toBe(400);
    expect(right.json()).toEqual(SUSPENDED);
    const overGraphql = await executeRaw(app, `mutation V($u: String!, $c: String!) { verifyOtp(username: $u, code: $c) { __typename ... on Error { code } } }`, {
      u: username,
      c: appCode(secret, clock.now()),
    });
    expect(overGraphql.body.data?.verifyOtp).toEqual({ __typename: 'TwoFactorSuspendedError', code: 'TWO_FACTOR_SUSPENDED' });
    expect((await postGenerate(app, username)).json()).toEqual(SUSPENDED);

    // The user's status shows it, and the audit trail has one SUSPENSION.
    const status = await executeRaw(app, `query U($u: String!) { user(username: $u) { suspendedAt consecutiveFailures } }`, { u: username });
    expect(status.body.data?.user).toEqual({ suspendedAt: expect.any(String) as unknown, consecutiveFailures: 100 });
    expect(await database.db.auditEvent.count({ where: { username, event: 'SUSPENSION' } })).toBe(1);
    const judged = await database.db.auditEvent.count({ where: { username, event: 'OTP_VERIFY', outcome: 'FAILURE' } });
    expect(judged).toBe(100);
  });

  it('a success resets the run: 95 failures, a right code, then 99 more do not suspend', async () => {
    const { username, secret } = await appUser();
    for (let window = 1; window <= 9; window++) await spendWindow(username, secret);
    for (const code of wrongGuesses('totp', 5, appCode(secret, clock.now()), secret, clock.now())) await submitCode(app, username, code);
    expect((await budgetOf(database, username)).consecutiveFailures).toBe(95);
    expect((await submitCode(app, username, appCode(secret, clock.now()))).statusCode).toBe(200);
    expect(await budgetOf(database, username)).toMatchObject({ consecutiveFailures: 0, failedVerifications: 0, lockedUntil: null });
    for (let window = 1; window <= 9; window++) await spendWindow(username, secret);
    expect(await budgetOf(database, username)).toMatchObject({ consecutiveFailures: 90, suspendedAt: null });
  });

  it('reinstateTwoFactor needs users:write, lifts the suspension, and is audited', async () => {
    const { username, secret } = await appUser();
    await database.db.user.update({ where: { username }, data: { consecutiveFailures: 100, suspendedAt: clock.now() } });

    // Tokens issued at the test clock's time, which earlier tests moved hours ahead.
    const ahead = Math.round((clock.now().getTime() - Date.now()) / 1000);
    const token = (scope: string) => callerToken({ scope, issuedIn: ahead, expiresIn: ahead + 600 });
    const refused = await graphqlAs(app, bearer(await token('users:read otp:verify')), REINSTATE, { username });
    expect(refused.body.data?.reinstateTwoFactor).toMatchObject({ __typename: 'ForbiddenError' });
    expect((await budgetOf(database, username)).suspendedAt).not.toBeNull();

    const lifted = await graphqlAs(app, bearer(await token('users:write users:read')), REINSTATE, { username });
    expect(lifted.body.data?.reinstateTwoFactor).toEqual({ __typename: 'User', suspendedAt: null, consecutiveFailures: 0, lockedUntil: null });
    expect(await database.db.auditEvent.count({ where: { username, event: 'TWO_FACTOR_REINSTATE', outcome: 'SUCCESS' } })).toBe(1);
    clock.advance(MINUTE);
    expect((await submitCode(app, username, appCode(secret, clock.now()))).statusCode).toBe(200);
  });

  describe('the CLI', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      Object.assign(process.env, { DATABASE_URL: inject('databaseUrl'), SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test' });
    });
    afterEach(() => {
      process.env = { ...saved };
    });

    it('users:reinstate lifts the suspension, audited as the cli', async () => {
      const { username } = await appUser();
      await database.db.user.update({ where: { username }, data: { consecutiveFailures: 100, suspendedAt: clock.now() } });
      const lines: string[] = [];
      expect(await runCli(['users:reinstate', username], (line) => lines.push(line))).toBe(0);
      expect(lines.join('\n')).toContain(`second factors reinstated for ${username}`);
      expect(await budgetOf(database, username)).toMatchObject({ consecutiveFailures: 0, suspendedAt: null });
      const audit = await database.db.auditEvent.findFirst({ where: { username, event: 'TWO_FACTOR_REINSTATE' } });
      expect(audit?.caller).toBe('cli');
      expect(await runCli(['users:reinstate', `${username}-nobody`], () => undefined)).toBe(1);
    });
  });
});
