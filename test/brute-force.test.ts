// Attack: guessing a six-digit code. The old service allowed unlimited tries (defect 6), so a
// million guesses always won. Each code now tolerates at most OTP_MAX_ATTEMPTS (5) wrong
// guesses; after that even the right code is refused and only a new code helps.
import { describe, expect, it } from 'vitest';
import { ManualClock, useTestApp, type TestApp } from './support/app.js';
import { VerifyOtpDocument } from './generated/graphql.js';
import { createUser, requestCode, submitCode, wrongCode, verifiedAnswer } from './support/flows.js';
import { execute } from './support/graphql.js';

const TOO_MANY = 'Too many wrong attempts for this code; request a new one';

async function verifyOverGraphql(app: TestApp, username: string, code: string) {
  return (await execute(app, VerifyOtpDocument, { username, code })).verifyOtp;
}

describe('guessing a code', () => {
  const clock = new ManualClock();
  const app = useTestApp({}, { clock });

  it('4 wrong guesses leave the code usable: the right one still succeeds', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    for (let i = 1; i <= 4; i++) {
      const response = await submitCode(app, username, wrongCode(code, i));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Invalid code' });
    }
    const right = await submitCode(app, username, code);
    expect(right.statusCode, right.body).toBe(200);
    expect(right.json()).toEqual(verifiedAnswer());
  });

  it('5 wrong guesses kill the code: the right one is then refused with TOO_MANY_ATTEMPTS', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const answers = [];
    for (let i = 1; i <= 5; i++) answers.push((await submitCode(app, username, wrongCode(code, i))).json<unknown>());
    expect(answers).toEqual([...Array<unknown>(4).fill({ detail: 'Invalid code' }), { detail: TOO_MANY }]);

    const right = await submitCode(app, username, code);
    expect(right.statusCode).toBe(400);
    expect(right.json()).toEqual({ detail: TOO_MANY });
  });

  it('GraphQL counts attemptsLeft down 4, 3, 2, 1, then answers TooManyAttemptsError', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const results = [];
    for (let i = 1; i <= 5; i++) results.push(await verifyOverGraphql(app, username, wrongCode(code, i)));
    expect(results).toMatchObject([
      { __typename: 'InvalidCodeError', attemptsLeft: 4, code: 'INVALID_CODE' },
      { __typename: 'InvalidCodeError', attemptsLeft: 3, code: 'INVALID_CODE' },
      { __typename: 'InvalidCodeError', attemptsLeft: 2, code: 'INVALID_CODE' },
      { __typename: 'InvalidCodeError', attemptsLeft: 1, code: 'INVALID_CODE' },
      { __typename: 'TooManyAttemptsError', code: 'TOO_MANY_ATTEMPTS' },
    ]);
    expect(await verifyOverGraphql(app, username, code)).toMatchObject({
      __typename: 'TooManyAttemptsError',
      code: 'TOO_MANY_ATTEMPTS',
    });
  });

  it('a new code starts with a fresh allowance', async () => {
    const username = await createUser(app);
    const { code: burnt } = await requestCode(app, username);
    for (let i = 1; i <= 5; i++) await submitCode(app, username, wrongCode(burnt, i));
    expect((await submitCode(app, username, burnt)).json()).toEqual({ detail: TOO_MANY });

    clock.advance(2 * 60_000);
    const { code: fresh } = await requestCode(app, username);
    const right = await submitCode(app, username, fresh);
    expect(right.statusCode, right.body).toBe(200);
  });
});

describe('OTP_MAX_ATTEMPTS', () => {
  const app = useTestApp({ OTP_MAX_ATTEMPTS: '2' });

  it('sets the allowance: with 2, the second wrong guess kills the code', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect(await verifyOverGraphql(app, username, wrongCode(code))).toMatchObject({
      __typename: 'InvalidCodeError',
      attemptsLeft: 1,
      code: 'INVALID_CODE',
    });
    expect(await verifyOverGraphql(app, username, wrongCode(code, 2))).toMatchObject({
      __typename: 'TooManyAttemptsError',
      code: 'TOO_MANY_ATTEMPTS',
    });
    expect((await submitCode(app, username, code)).json()).toEqual({ detail: TOO_MANY });
  });
});
