// Attack: racing one code. The old service checked and consumed a code in separate steps, so
// concurrent verifies of one code could all succeed (defect 9), and parallel guesses could
// slip past any attempt counter. A code is consumed by one conditional update: of N
// concurrent verifies exactly one succeeds, on either surface and across instances, and
// parallel guesses never buy more than OTP_MAX_ATTEMPTS (5) tries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createTestApp, type TestApp } from './support/app.js';
import { openTestDatabase, slowDatabase, storedOtpLogs } from './support/db.js';
import { VerifyOtpDocument } from './generated/graphql.js';
import { createUser, requestCode, submitCode, wrongCode, verifiedAnswer } from './support/flows.js';
import { execute } from './support/graphql.js';

const RACERS = 20;
const MAX_ATTEMPTS = 5;
const REFUSED = [400, 429];

/**
 * One REST verify, reduced to whether it succeeded. A refusal must carry a `detail`: a 400,
 * or a 429 should the user be locked out by the many failures of the race.
 */
async function restVerify(app: TestApp, username: string, code: string): Promise<boolean> {
  const response = await submitCode(app, username, code);
  if (response.statusCode === 200) {
    expect(response.json()).toEqual(verifiedAnswer());
    return true;
  }
  expect(REFUSED, response.body).toContain(response.statusCode);
  expect(response.json()).toEqual({ detail: expect.any(String) as unknown });
  return false;
}

/** One GraphQL verify, reduced the same way; a refusal must be a typed error. */
async function graphqlVerify(app: TestApp, username: string, code: string): Promise<boolean> {
  const { verifyOtp } = await execute(app, VerifyOtpDocument, { username, code });
  if (verifyOtp.__typename === 'VerifyOtpPayload') return true;
  expect(verifyOtp.code, JSON.stringify(verifyOtp)).toMatch(/^[A-Z_]+$/);
  return false;
}

const count = (results: boolean[]) => results.filter(Boolean).length;

// On a fast database one request may finish before the next one starts; a slow one makes
// the requests meet in the database, where a race would show.
describe.each([
  { link: 'a fast database', delayMs: 0 },
  { link: 'a slow database', delayMs: 5 },
])('racing one code on $link', ({ delayMs }) => {
  let app: TestApp;
  let other: TestApp;
  let database: Database;
  const connections: Database[] = [];
  /** An instance of the app with its own connection; two of them stand behind a load balancer. */
  const instance = () => {
    if (!delayMs) return createTestApp();
    const connection = slowDatabase(delayMs);
    connections.push(connection);
    return createTestApp({}, { database: connection });
  };
  beforeAll(async () => {
    app = await instance();
    other = await instance();
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await app.close();
    await other.close();
    await Promise.all([database, ...connections].map((connection) => connection.close()));
  });

  it(`${RACERS} concurrent verifies of the right code: exactly one succeeds, the rest are refused`, async () => {
    for (let round = 0; round < 3; round++) {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const results = await Promise.all(Array.from({ length: RACERS }, () => restVerify(app, username, code)));
      expect(count(results)).toBe(1);

      const [row] = await storedOtpLogs(database, username);
      expect(row?.status).toBe('USED');
      expect(Number(row?.attempts)).toBeLessThanOrEqual(MAX_ATTEMPTS);
    }
  });

  it('across REST, GraphQL and two instances: still exactly one success', async () => {
    for (let round = 0; round < 3; round++) {
      const username = await createUser(app);
      const { code } = await requestCode(app, username);
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => {
          const instance = i % 2 === 0 ? app : other;
          return i % 4 < 2 ? restVerify(instance, username, code) : graphqlVerify(instance, username, code);
        }),
      );
      expect(count(results)).toBe(1);
    }
  });

  it(`${RACERS} concurrent wrong guesses buy at most ${MAX_ATTEMPTS} tries: the right code is refused after`, async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const guesses = Array.from({ length: RACERS }, (_, i) => wrongCode(code, i + 1));
    const responses = await Promise.all(guesses.map((guess, i) => submitCode(i % 2 === 0 ? app : other, username, guess)));
    for (const response of responses) expect(REFUSED).toContain(response.statusCode);
    // Only guesses that were really checked are answered "Invalid code"; the last allowed
    // one is answered "too many", so at most MAX_ATTEMPTS - 1 of them.
    const checked = responses.filter((response) => response.json<{ detail: string }>().detail === 'Invalid code');
    expect(checked.length).toBeLessThanOrEqual(MAX_ATTEMPTS - 1);

    const [row] = await storedOtpLogs(database, username);
    expect(Number(row?.attempts)).toBeLessThanOrEqual(MAX_ATTEMPTS);

    const right = await submitCode(app, username, code);
    expect(REFUSED).toContain(right.statusCode);
    const [after] = await storedOtpLogs(database, username);
    expect(after?.status).not.toBe('USED');
  });

  it('the right code hidden among concurrent wrong guesses: at most one success, never more than 5 tries', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    const guesses = Array.from({ length: RACERS }, (_, i) => (i === RACERS / 2 ? code : wrongCode(code, i + 1)));
    const results = await Promise.all(guesses.map((guess) => restVerify(app, username, guess)));
    expect(count(results)).toBeLessThanOrEqual(1);

    const [row] = await storedOtpLogs(database, username);
    expect(Number(row?.attempts)).toBeLessThanOrEqual(MAX_ATTEMPTS);
    expect(row?.status).toBe(count(results) === 1 ? 'USED' : 'ACTIVE');
  });
});

// A replay flood among fresh codes (the bench's replay phase): many users' verifies in flight at
// once, so that on PostgreSQL their statements share write groups and on SQLite group commits,
// each code sent twice, the second up to a few milliseconds later. Each is accepted once.
describe('fresh codes and their replays, many users at once', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({ OTP_RESEND_INTERVAL_SECONDS: '0' });
  });
  afterAll(() => app.close());

  it('accepts every code exactly once', async () => {
    const users = await Promise.all(Array.from({ length: 120 }, () => createUser(app)));
    const codes = await Promise.all(users.map(async (username) => ({ username, code: (await requestCode(app, username)).code })));
    const accepted = await Promise.all(
      codes.map(async ({ username, code }, i) => {
        const first = restVerify(app, username, code);
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        return count(await Promise.all([first, restVerify(app, username, code)]));
      }),
    );
    expect(accepted.filter((n) => n !== 1)).toEqual([]);
  });
});
