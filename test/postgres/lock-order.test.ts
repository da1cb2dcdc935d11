// A verify on PostgreSQL is two statements that each touch the user's row and a code's
// (verification.store.ts): the guess with the code's attempt, then the settlement. Taken in
// opposite orders they deadlock: a success using its code up waits for the user's row that a
// concurrent guess holds while it waits for the code. PostgreSQL then aborts one, and the
// caller got a 500. Both take the user's row first; this burst, right and wrong answers for
// one user at once over two processes, with sends for the same user among them, found the
// other order within a few rounds.
// Many users' verifies in one write group (postgres-batch.ts) are one transaction, so two groups
// in flight can deadlock over two users as well; a group sends its users' writes in one order.
// A deadlock's victim is now sent again once (postgres-sql.ts), which would hide a wrong order
// from the answers: the services' logs must not say that any statement was sent again. On a
// loaded machine a request may get the contract's 503 with Retry-After (the pool's wait ran
// out); the callers here honour it, as clients do, and a 500 still fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrongCode } from '../support/flows.js';
import { remoteCreateUser, remoteGenerate, remoteRequestCode, remoteVerify, type RemoteAnswer } from '../support/remote.js';
import { burstEnv, sleep, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

const ROUNDS = 12;
const RIGHT = 12;
const WRONG = 7;
const USERS = 120;

/** Sends again after a 503's Retry-After, a few times; any other answer is returned as it is. */
async function patiently(send: () => Promise<RemoteAnswer>): Promise<RemoteAnswer> {
  for (let tries = 1; ; tries++) {
    const reply = await send();
    const wait = Number(reply.headers.get('retry-after'));
    if (reply.status !== 503 || !(wait > 0) || tries === 5) return reply;
    await sleep(wait * 1000);
  }
}
const verify = (url: string, username: string, code: string) => patiently(() => remoteVerify(url, username, code));
const generate = (url: string, username: string) => patiently(() => remoteGenerate(url, username));

describe('two service processes, right and wrong answers for one user at once', () => {
  const processes: ServiceProcess[] = [];
  const instance = (i: number) => processes[i % processes.length]?.url ?? '';

  beforeAll(async () => {
    // every answer of a round is judged: room for all of them on the code and in the budget
    const env = burstEnv({ attempts: 20, threshold: 1000 }, { OTP_RESEND_INTERVAL_SECONDS: '0', OTP_MAX_SENDS_PER_HOUR: '1000' });
    await startServiceProcesses({ env }, processes);
  }, 60_000);

  afterAll(() => Promise.all(processes.map((service) => service.stop())));

  it(`${ROUNDS} rounds of ${RIGHT} right and ${WRONG} wrong answers: exactly one success a round, never a server error`, async () => {
    const unexpected: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const username = await remoteCreateUser(instance(0));
      const code = await remoteRequestCode(instance(round), username);
      const answers = [...Array.from({ length: RIGHT }, () => code), ...Array.from({ length: WRONG }, (_, i) => wrongCode(code, i + 1))];
      const statuses = await Promise.all(
        answers.map(async (answer, i) => {
          const reply = await verify(instance(i), username, answer);
          if (![200, 400].includes(reply.status)) unexpected.push(`${reply.status} ${reply.text}`);
          return reply.status;
        }),
      );
      expect(statuses.filter((status) => status === 200), `round ${round}`).toHaveLength(1);
    }
    expect(unexpected).toEqual([]);
  }, 120_000);

  it('with sends for the same user among them: at most one success a round, never a server error', async () => {
    const unexpected: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const username = await remoteCreateUser(instance(0));
      const code = await remoteRequestCode(instance(round), username);
      const verifies = [
        ...Array.from({ length: RIGHT }, (_, i) => verify(instance(i), username, code)),
        ...Array.from({ length: WRONG }, (_, i) => verify(instance(i + 1), username, wrongCode(code, i + 1))),
      ];
      // (sends at once for one user: the instances' clocks may put one a millisecond before the
      // other's, which then answers 429 even with an interval of 0)
      const sends = Array.from({ length: 3 }, (_, i) => generate(instance(i), username));
      const [verified, sent] = await Promise.all([Promise.all(verifies), Promise.all(sends)]);
      for (const reply of verified) if (![200, 400].includes(reply.status)) unexpected.push(`verify: ${reply.status} ${reply.text}`);
      for (const reply of sent) if (![200, 429].includes(reply.status)) unexpected.push(`generate: ${reply.status} ${reply.text}`);
      const successes = verified.filter((reply) => reply.status === 200);
      expect(successes.length, `round ${round}`).toBeLessThanOrEqual(1);
    }
    expect(unexpected).toEqual([]);
  }, 120_000);

  it('many users at once, each code sent twice over the two processes: each accepted once, never a server error', async () => {
    // A user's verify and its replay in two write groups, other users' writes between them: the
    // groups took the users they shared in opposite orders and deadlocked (up to 12 times in 240
    // verifies), until a group sent its users' writes in the order of their keys (Sql.forUser).
    const users = await Promise.all(Array.from({ length: USERS }, () => remoteCreateUser(instance(0))));
    const codes = await Promise.all(users.map(async (username, i) => ({ username, code: await remoteRequestCode(instance(i), username) })));
    const unexpected: string[] = [];
    const accepted = await Promise.all(
      codes.map(async ({ username, code }, i) => {
        const first = verify(instance(i), username, code);
        await sleep(i % 7);
        const replies = await Promise.all([first, verify(instance(i + 1), username, code)]);
        for (const reply of replies) if (![200, 400].includes(reply.status)) unexpected.push(`${reply.status} ${reply.text}`);
        return replies.filter((reply) => reply.status === 200).length;
      }),
    );
    expect(accepted.filter((n) => n !== 1)).toEqual([]);
    expect(unexpected).toEqual([]);
  }, 120_000);

  it('no statement was a deadlock victim: none was sent again', async () => {
    // stopped first, so everything the processes logged has been read
    await Promise.all(processes.map((service) => service.stop()));
    for (const service of processes) expect(service.output()).not.toContain('was sent again');
  });
});
