// Attack: spreading over instances. Behind a load balancer an attacker's requests land on
// several instances; any rule whose state lived in one process's memory (a consumed code, a
// send throttle, a failure count) would be multiplied by the number of instances. Two real
// service processes on one PostgreSQL database, driven over real HTTP, must answer as one:
// one success for one code, one send per interval, one lockout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { openTestDatabase, storedOtpLogs } from '../support/db.js';
import { wrongCode } from '../support/flows.js';
import { remoteCreateUser, remoteGenerate, remoteRequestCode, remoteVerify, type RemoteAnswer } from '../support/remote.js';
import { burstEnv, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

const RACERS = 50;
const LOCKOUT_THRESHOLD = 10;

describe('two service processes on one PostgreSQL database', () => {
  const processes: ServiceProcess[] = [];
  let a: ServiceProcess;
  let b: ServiceProcess;
  let database: Database;
  /** A and B in turn, as a round-robin load balancer hands requests out. */
  const instance = (i: number) => (i % 2 === 0 ? a : b);

  beforeAll(async () => {
    // A code survives 20 wrong guesses here (5 by default), so that the lockout, not the
    // death of the code, is what refuses the right code after ten failures.
    const env = burstEnv({ attempts: 20, threshold: LOCKOUT_THRESHOLD });
    await startServiceProcesses({ env }, processes);
    const [first, second] = processes;
    if (!first || !second) throw new Error('expected two service processes');
    [a, b] = [first, second];
    database = await openTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.close();
  });

  const expectRefusal = (answer: RemoteAnswer, statuses: number[]) => {
    expect(statuses, answer.text).toContain(answer.status);
    expect(answer.body).toEqual({ detail: expect.any(String) as unknown });
  };

  it(`lets exactly one of ${RACERS} concurrent verifications of one code succeed, spread over both`, async () => {
    const username = await remoteCreateUser(a.url);
    const code = await remoteRequestCode(a.url, username);

    const answers = await Promise.all(Array.from({ length: RACERS }, (_, i) => remoteVerify(instance(i).url, username, code)));

    const successes = answers.filter((answer) => answer.status === 200);
    expect(successes.map((s) => s.body), answers.map((s) => `${s.status} ${s.text}`).join('\n')).toEqual([
      expect.objectContaining({ success: true }),
    ]);
    // The losers are refused (400), or, once their failures reach the threshold, locked (429).
    for (const answer of answers.filter((x) => x.status !== 200)) expectRefusal(answer, [400, 429]);
    const rows = await storedOtpLogs(database, username);
    expect(rows.map((row) => [row.status, row.verified])).toEqual([['USED', true]]);
  });

  it('holds the resend interval across both: a send on A, then an immediate send on B is a 429', async () => {
    const username = await remoteCreateUser(a.url);
    await remoteRequestCode(a.url, username);
    const refused = await remoteGenerate(b.url, username);
    expectRefusal(refused, [429]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await storedOtpLogs(database, username)).map((row) => row.status)).toEqual(['ACTIVE']);
  });

  it('lets one of many concurrent sends through, spread over both', async () => {
    const username = await remoteCreateUser(a.url);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => remoteGenerate(instance(i).url, username)));
    expect(answers.filter((answer) => answer.status === 200), answers.map((s) => `${s.status} ${s.text}`).join('\n')).toHaveLength(1);
    for (const answer of answers.filter((x) => x.status !== 200)) expectRefusal(answer, [429]);
    expect(await storedOtpLogs(database, username)).toHaveLength(1);
  });

  it('holds the lockout across both: failures alternate, the tenth locks, the right code is refused on both', async () => {
    const username = await remoteCreateUser(a.url);
    const code = await remoteRequestCode(a.url, username);

    const statuses: number[] = [];
    for (let i = 1; i <= LOCKOUT_THRESHOLD; i++) {
      const answer = await remoteVerify(instance(i).url, username, wrongCode(code, i));
      expectRefusal(answer, i < LOCKOUT_THRESHOLD ? [400] : [429]);
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([...Array<number>(LOCKOUT_THRESHOLD - 1).fill(400), 429]);

    for (const locked of [a, b]) {
      const answer = await remoteVerify(locked.url, username, code);
      expectRefusal(answer, [429]);
      expect(answer.text).toMatch(/locked/i);
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // The code itself is still good (ACTIVE, attempts left): only the lock refused it.
    const [row] = await storedOtpLogs(database, username);
    expect(row?.status).toBe('ACTIVE');
    expect(Number(row?.attempts)).toBe(LOCKOUT_THRESHOLD);
  });
});
