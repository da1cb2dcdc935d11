// Attack, by accident: a client that retries. A service that timed out waiting for our answer
// sends the same verification again, sometimes many times; the code was already accepted, so
// each retry is refused. Were those refusals counted as guesses, a retrying client would lock
// its own user out. A retry of an accepted code (a delivered code, an app code's step, a
// recovery code) is refused without spending a guess; any other wrong code still counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { ManualClock, useTestApp } from './support/app.js';
import { openTestDatabase } from './support/db.js';
import { createUser, requestCode, submitCode, verifiedAnswer, wrongCode } from './support/flows.js';
import { GenerateRecoveryCodesDocument } from './generated/graphql.js';
import { execute, expectType } from './support/graphql.js';
import { budgetOf } from './support/guess-burst.js';
import { appCode, enrollAndConfirm, midStep } from './support/totp.js';

const RETRIES = 30;
const ALREADY_USED = { detail: 'The code has already been used; request a new one' };
const REPLAYED = { detail: 'This authenticator code was used already; wait for the next one' };

describe('retries of an accepted code', () => {
  const clock = new ManualClock(midStep());
  const app = useTestApp({ IP_RATE_LIMIT: '1000000' }, { clock });
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  /** Sends `code` RETRIES times, half of them at once, and returns the distinct answers. */
  async function retry(username: string, code: string) {
    const answers = [];
    for (let i = 0; i < RETRIES / 2; i++) answers.push(await submitCode(app, username, code));
    answers.push(...(await Promise.all(Array.from({ length: RETRIES / 2 }, () => submitCode(app, username, code)))));
    return [...new Set(answers.map((answer) => `${answer.statusCode} ${answer.body}`))];
  }

  it(`a delivered code: ${RETRIES} retries are refused and spend nothing; a wrong code still counts`, async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).json()).toEqual(verifiedAnswer('otp'));

    expect(await retry(username, code)).toEqual([`400 ${JSON.stringify(ALREADY_USED)}`]);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 0, consecutiveFailures: 0, lockedUntil: null });

    const wrong = await submitCode(app, username, wrongCode(code));
    expect(wrong.json()).toEqual({ detail: 'Invalid code' });
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 1, consecutiveFailures: 1 });
  });

  it(`an app code: ${RETRIES} replays of the accepted step are refused and spend nothing`, async () => {
    const username = await createUser(app);
    const secret = await enrollAndConfirm(app, username, clock);
    clock.advance(30_000);
    const code = appCode(secret, clock.now());
    expect((await submitCode(app, username, code)).json()).toEqual(verifiedAnswer('totp'));

    expect(await retry(username, code)).toEqual([`400 ${JSON.stringify(REPLAYED)}`]);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 0, consecutiveFailures: 0 });
  });

  it(`a recovery code: ${RETRIES} reuses are refused and spend nothing; another user's code still counts`, async () => {
    const username = await createUser(app);
    const other = await createUser(app);
    const codes = async (name: string) =>
      expectType((await execute(app, GenerateRecoveryCodesDocument, { username: name })).generateRecoveryCodes, 'RecoveryCodes').codes;
    const [code = ''] = await codes(username);
    const [foreign = ''] = await codes(other);
    expect((await submitCode(app, username, code)).json()).toEqual(verifiedAnswer('recovery'));

    expect(await retry(username, code)).toEqual([`400 ${JSON.stringify(ALREADY_USED)}`]);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 0, consecutiveFailures: 0 });

    expect((await submitCode(app, username, foreign)).json()).toEqual({ detail: 'Invalid code' });
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 1 });
  });

  it('a wrong code sent after the right one was used is a guess, not a retry', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    await submitCode(app, username, code);
    for (let i = 1; i <= 3; i++) expect((await submitCode(app, username, wrongCode(code, i))).statusCode).toBe(400);
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: 3, consecutiveFailures: 3 });
  });
});
