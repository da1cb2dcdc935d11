// Attack: a burst of concurrent guesses spread over instances. Tried from outside against two
// instances, ~590 concurrent wrong authenticator-app codes were all judged in under a second and
// a right code inside the burst was accepted: the lockout was a read of `locked_until` and a
// count after the fact. The guess budget is one conditional write on the user's row, taken
// before judging, so two service processes on one PostgreSQL database judge exactly
// LOCKOUT_THRESHOLD guesses of a burst between them, by every method, and then refuse the
// right answer. (One instance, both databases: guess-burst.test.ts.)
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { ConfirmTotpDocument, EnrollTotpDocument, GenerateRecoveryCodesDocument, VerifyOtpDocument } from '../generated/graphql.js';
import { openTestDatabase, storedOtpLogs } from '../support/db.js';
import { budgetOf, burst, guessMethods, wrongGuesses, type GuessMethod } from '../support/guess-burst.js';
import { remoteCreateUser, remoteGraphql, remoteRequestCode, remoteVerify } from '../support/remote.js';
import { burstEnv, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';
import { appCode } from '../support/totp.js';

const THRESHOLD = 10;
const BURST = 300;

/**
 * The verify audit rows of a user, and the transactions that wrote them (a row's xmin): fewer
 * transactions than rows when writes of several requests were committed together.
 */
async function auditTransactions(database: Database, username: string): Promise<{ rows: number; transactions: number }> {
  const [row] = await database.db.$queryRaw<{ rows: number; transactions: number }[]>`
    SELECT count(*)::int AS rows, count(DISTINCT xmin::text)::int AS transactions
      FROM audit_events WHERE username = ${username} AND event = 'OTP_VERIFY'`;
  return row ?? { rows: 0, transactions: 0 };
}

describe('two service processes on one PostgreSQL database, under a burst of guesses', () => {
  const processes: ServiceProcess[] = [];
  let database: Database;
  const instance = (i: number) => {
    const chosen = processes[i % processes.length];
    if (!chosen) throw new Error('no service process');
    return chosen.url;
  };

  beforeAll(async () => {
    const env = burstEnv({ attempts: 20, threshold: THRESHOLD });
    await startServiceProcesses({ env }, processes);
    database = await openTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.close();
  });

  async function graphqlField<T>(url: string, document: Parameters<typeof print>[0], variables: Record<string, unknown>, field: string): Promise<T> {
    const answer = await remoteGraphql(url, print(document), variables);
    const value = answer.body.data?.[field];
    if (!value) throw new Error(`${field} failed: ${answer.text}`);
    return value as T;
  }

  async function prepared(method: GuessMethod): Promise<{ username: string; right: string; secret?: string }> {
    const url = instance(0);
    const username = await remoteCreateUser(url);
    if (method === 'otp') return { username, right: await remoteRequestCode(url, username) };
    if (method === 'totp') {
      const { secret } = await graphqlField<{ secret: string }>(url, EnrollTotpDocument, { username }, 'enrollTotp');
      await graphqlField(url, ConfirmTotpDocument, { username, code: appCode(secret, new Date()) }, 'confirmTotp');
      return { username, secret, right: appCode(secret, new Date(Date.now() + 30_000)) };
    }
    const { codes } = await graphqlField<{ codes: string[] }>(url, GenerateRecoveryCodesDocument, { username }, 'generateRecoveryCodes');
    return { username, right: codes[0] ?? '' };
  }

  /** Round-robin over the two processes, alternating REST and GraphQL. */
  const verifySpread = (username: string) => async (code: string, i: number) => {
    if (i % 4 < 2) return (await remoteVerify(instance(i), username, code)).status;
    const answer = await remoteGraphql(instance(i), print(VerifyOtpDocument), { username, code });
    const typename = answer.body.data?.verifyOtp?.__typename;
    return typename === 'VerifyOtpPayload' ? 200 : typename === 'UserLockedError' ? 429 : 400;
  };

  it.each(guessMethods)(`${BURST} concurrent wrong %s guesses over both: exactly ${THRESHOLD} judged, the right answer refused after`, async (method) => {
    const { username, right, secret } = await prepared(method);
    const guesses = wrongGuesses(method, BURST, right, secret, new Date());

    const outcome = await burst(database, username, guesses, verifySpread(username));

    expect(outcome.judgedFailures).toBe(THRESHOLD);
    expect(outcome.refusedLocked).toBe(BURST - THRESHOLD);
    expect(outcome.successes).toBe(0);
    expect(outcome.statuses.filter((status) => status === 429)).toHaveLength(BURST - THRESHOLD + 1);
    for (const url of [instance(0), instance(1)]) {
      const after = await remoteVerify(url, username, right);
      expect(after.status, after.text).toBe(429);
    }
    expect(await budgetOf(database, username)).toMatchObject({ failedVerifications: THRESHOLD, consecutiveFailures: THRESHOLD });
    // the burst went through grouped commits (src/db/postgres-batch.ts): audit rows share transactions
    const { rows, transactions } = await auditTransactions(database, username);
    expect(rows).toBe(BURST + 2);
    expect(transactions).toBeLessThan(rows);
  });

  it.each(guessMethods)('the right %s answer inside a burst over both: no more judged than the budget allows', async (method) => {
    const { username, right, secret } = await prepared(method);
    const guesses = wrongGuesses(method, BURST - 1, right, secret, new Date());
    guesses.splice(BURST / 2, 0, right);

    const outcome = await burst(database, username, guesses, verifySpread(username));

    expect(outcome.successes).toBeLessThanOrEqual(1);
    expect(outcome.judgedFailures).toBeLessThanOrEqual(outcome.successes ? 2 * THRESHOLD - 1 : THRESHOLD);
    expect(outcome.judgedFailures + outcome.successes + outcome.refusedLocked).toBe(BURST);
    expect((await budgetOf(database, username)).failedVerifications).toBe(THRESHOLD);
  });
});

describe('two service processes on one PostgreSQL database, under a burst against one delivered code', () => {
  const processes: ServiceProcess[] = [];
  let database: Database;
  const ATTEMPTS = 5;

  beforeAll(async () => {
    // The user's budget is out of the way here: only the code's own allowance holds the burst.
    const env = burstEnv({ attempts: ATTEMPTS, threshold: 1000 }, { MAX_CONSECUTIVE_FAILURES: '100000' });
    await startServiceProcesses({ env }, processes);
    database = await openTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.close();
  });

  it(`${BURST} concurrent wrong guesses at one code over both: exactly ${ATTEMPTS} compared, then even the right code is refused`, async () => {
    const [a, b] = processes;
    if (!a || !b) throw new Error('expected two service processes');
    const username = await remoteCreateUser(a.url);
    const right = await remoteRequestCode(a.url, username);
    const guesses = wrongGuesses('otp', BURST, right);

    const outcome = await burst(database, username, guesses, async (code, i) => (await remoteVerify((i % 2 ? b : a).url, username, code)).status);

    expect(outcome.judgedFailures).toBe(BURST);
    const [code] = await storedOtpLogs(database, username);
    expect(Number(code?.attempts)).toBe(ATTEMPTS);
    const wrongAnswers = await database.db.auditEvent.groupBy({ by: ['reason'], where: { username, event: 'OTP_VERIFY' }, _count: true });
    expect(Object.fromEntries(wrongAnswers.map((row) => [row.reason, row._count]))).toEqual({
      INVALID_CODE: ATTEMPTS - 1,
      TOO_MANY_ATTEMPTS: BURST - ATTEMPTS + 1,
    });
    const after = await remoteVerify(a.url, username, right);
    expect(after.status).toBe(400);
    expect(after.body).toEqual({ detail: 'Too many wrong attempts for this code; request a new one' });
  });
});
