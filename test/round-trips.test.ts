import { afterAll, describe, expect, it } from 'vitest';
import { useTestApp } from './support/app.js';
import { countingDatabase } from './support/db.js';
import { createUser, requestCode, submitCode, wrongCode } from './support/flows.js';

/**
 * The apps here run without the outbox's dispatcher: it polls on a timer of its own (two claims
 * and, every few seconds, the backlog's count), and since `start()` starts it once the app is
 * ready, its first poll lands in the first test's request. Those statements are no request's,
 * yet the counter saw them (a generate counted 7 on SQLite, 5 on PostgreSQL). These tests
 * measure what a request costs; webhooks.test.ts and webhook-lanes.test.ts cover the dispatcher.
 */
const NO_DISPATCHER = { OUTBOX_DISPATCHER: 'false' };

/** The round trips `work` made, and the statements they were (the assertion's message when a count is off). */
async function roundTripsOf(database: ReturnType<typeof countingDatabase>, work: () => Promise<unknown>) {
  const before = database.roundTrips.count;
  const from = database.roundTrips.statements.length;
  await work();
  return { count: database.roundTrips.count - before, statements: database.roundTrips.statements.slice(from).join('\n') };
}

/**
 * What a verify costs the database, in round trips of the hot path's statements. On
 * PostgreSQL a verification is two statements, each one transaction: the guess taken with
 * the code's attempt reserved, and, once the hash was compared in the process, everything
 * the judgment writes (the code used up, the budget cleared, the audit row, the outbox event
 * and its fan-out). It took nine round trips and five commits as separate statements.
 */
describe('round trips of a verify', () => {
  const database = countingDatabase();
  afterAll(() => database.close());
  const app = useTestApp(NO_DISPATCHER, { database });
  const postgres = database.provider === 'postgres';

  it('a right code: two statements on PostgreSQL, and every row it writes is there', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    let answer: Awaited<ReturnType<typeof submitCode>> | undefined;
    const trips = await roundTripsOf(database, async () => (answer = await submitCode(app, username, code)));
    expect(answer?.statusCode).toBe(200);
    // stored only if an endpoint subscribes to it (it is no notice): other files of the run share
    // this database and may have left one (webhooks.test.ts has them delivered)
    const subscribed = await database.db.webhookEndpoint.count({ where: { disabledAt: null, events: { contains: ',verification.approved,' } } });
    // SQLite: two units, each one entry of a group commit: guess and attempt; then the code used
    // up, the budget, the audit row, the event (written if anyone is to be sent it), and its
    // fan-out only when it was
    expect(trips.count, trips.statements).toBe(postgres ? 2 : subscribed > 0 ? 7 : 6);
    const user = await database.db.user.findUniqueOrThrow({ where: { username } });
    expect(user.failedVerifications).toBe(0);
    expect(await database.db.otpLog.findMany({ where: { userId: user.id }, select: { status: true, attempts: true } })).toEqual([
      { status: 'USED', attempts: 1 },
    ]);
    expect(await database.db.auditEvent.count({ where: { userId: user.id, event: 'OTP_VERIFY', outcome: 'SUCCESS' } })).toBe(1);
    expect(await database.db.outboxEvent.count({ where: { userId: user.id } })).toBe(subscribed > 0 ? 1 : 0);
  });

  it('a wrong code: two statements on PostgreSQL; the guess and the attempt counted, the failure audited', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    let answer: Awaited<ReturnType<typeof submitCode>> | undefined;
    const trips = await roundTripsOf(database, async () => (answer = await submitCode(app, username, wrongCode(code))));
    expect(answer?.statusCode).toBe(400);
    const subscribed = await database.db.webhookEndpoint.count({ where: { disabledAt: null, events: { contains: ',verification.failed,' } } });
    // SQLite: two units: guess and attempt; then the audit row, the event (if anyone is to be
    // sent it) and its fan-out only when it was written
    expect(trips.count, trips.statements).toBe(postgres ? 2 : subscribed > 0 ? 5 : 4);
    const user = await database.db.user.findUniqueOrThrow({ where: { username } });
    expect(user.failedVerifications).toBe(1);
    expect(await database.db.otpLog.findMany({ where: { userId: user.id }, select: { status: true, attempts: true } })).toEqual([
      { status: 'ACTIVE', attempts: 1 },
    ]);
    expect(await database.db.auditEvent.count({ where: { userId: user.id, event: 'OTP_VERIFY', outcome: 'FAILURE' } })).toBe(1);
    expect(await database.db.outboxEvent.count({ where: { userId: user.id } })).toBe(0);
  });
});

/**
 * A request that cannot succeed and judges no wrong code (the accepted code sent again, as a
 * retrying client or a replay flood sends it) takes no guess: once this instance saw the user
 * left with nothing live, it is answered from one read and written only to the audit trail.
 * A wrong code while a code is live still takes its guess.
 */
describe('round trips of a replay', () => {
  const database = countingDatabase();
  afterAll(() => database.close());
  const app = useTestApp({ ...NO_DISPATCHER, OTP_RESEND_INTERVAL_SECONDS: '0' }, { database });
  const budget = (username: string) =>
    database.db.user.findUniqueOrThrow({ where: { username }, select: { failedVerifications: true, consecutiveFailures: true, lockedUntil: true } });

  it('the accepted code sent again: the same answer from a read and the audit row, the budget untouched', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);
    for (let replay = 0; replay < 3; replay++) {
      let answer: Awaited<ReturnType<typeof submitCode>> | undefined;
      const trips = await roundTripsOf(database, async () => (answer = await submitCode(app, username, code)));
      expect(answer?.statusCode).toBe(400);
      expect(answer?.json()).toEqual({ detail: 'The code has already been used; request a new one' });
      // the read, then the audit row (SQLite: in an atomic set of its own); the guess taken,
      // the code diagnosed and the guess given back made it four
      expect(trips.count, trips.statements).toBe(2);
      expect(trips.statements).toMatch(/^SELECT u\.id, u\.otp_enabled/);
    }
    expect(await budget(username)).toEqual({ failedVerifications: 0, consecutiveFailures: 0, lockedUntil: null });
    const user = await database.db.user.findUniqueOrThrow({ where: { username } });
    expect(await database.db.auditEvent.count({ where: { userId: user.id, event: 'OTP_VERIFY', outcome: 'REFUSED', reason: 'CODE_ALREADY_USED' } })).toBe(3);
  });

  it('a new code: a wrong guess against it takes its guess again, and the right one succeeds', async () => {
    const username = await createUser(app);
    const first = await requestCode(app, username);
    expect((await submitCode(app, username, first.code)).statusCode).toBe(200);
    const { code } = await requestCode(app, username);
    const wrong = await submitCode(app, username, wrongCode(code));
    expect(wrong.json()).toEqual({ detail: 'Invalid code' });
    expect(await budget(username)).toMatchObject({ failedVerifications: 1, consecutiveFailures: 1 });
    expect((await submitCode(app, username, code)).statusCode).toBe(200);
    expect(await budget(username)).toMatchObject({ failedVerifications: 0, consecutiveFailures: 0 });
  });

  it('no code pending: refused without a guess, from the second try on', async () => {
    const username = await createUser(app);
    expect((await submitCode(app, username, '123456')).statusCode).toBe(400);
    const before = (await submitCode(app, username, '123456')).body;
    const trips = await roundTripsOf(database, async () => expect((await submitCode(app, username, '123456')).body).toBe(before));
    expect(trips.count, trips.statements).toBe(2);
    expect(await budget(username)).toEqual({ failedVerifications: 0, consecutiveFailures: 0, lockedUntil: null });
  });
});

/**
 * A generate by email on PostgreSQL: the user read, then one statement taking the send's slot
 * (interval, sliding hour, the hour's counter) with the code recorded as SENDING, and after the
 * delivery one making it ACTIVE with the audit row. The delivery holds no transaction open.
 */
describe('round trips of a generate', () => {
  const database = countingDatabase();
  afterAll(() => database.close());
  const app = useTestApp(NO_DISPATCHER, { database });
  const postgres = database.provider === 'postgres';

  it('three statements on PostgreSQL; the code is recorded, counted, activated and audited', async () => {
    const username = await createUser(app);
    let code = '';
    const trips = await roundTripsOf(database, async () => ({ code } = await requestCode(app, username)));
    // SQLite: user, interval, counter, record, then one atomic set (activation, audit row)
    expect(trips.count, trips.statements).toBe(postgres ? 3 : 6);
    const user = await database.db.user.findUniqueOrThrow({ where: { username } });
    expect(user.lastSendAt).not.toBeNull();
    expect(await database.db.otpLog.findMany({ where: { userId: user.id }, select: { status: true, channel: true } })).toEqual([
      { status: 'ACTIVE', channel: 'EMAIL' },
    ]);
    expect(await database.db.sendCounter.findMany({ where: { name: `user:${user.id}` }, select: { count: true } })).toEqual([{ count: 1 }]);
    expect(await database.db.auditEvent.count({ where: { userId: user.id, event: 'OTP_GENERATE', outcome: 'SUCCESS' } })).toBe(1);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);
  });
});
