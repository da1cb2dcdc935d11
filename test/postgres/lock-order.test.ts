// A verify on PostgreSQL is two statements that each touch the user's row and a code's
// (verification.store.ts): the guess with the code's attempt, then the settlement. Taken in
// opposite orders they deadlock: a success using its code up waits for the user's row that a
// concurrent guess holds while it waits for the code. PostgreSQL then aborts one, and the
// caller got a 500. Both take the user's row first; this burst, right and wrong answers for
// one user at once over two processes, with sends for the same user among them, found the
// other order within a few rounds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrongCode } from '../support/flows.js';
import { remoteCreateUser, remoteGenerate, remoteRequestCode, remoteVerify } from '../support/remote.js';
import { burstEnv, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

const ROUNDS = 12;
const RIGHT = 12;
const WRONG = 7;

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
          const reply = await remoteVerify(instance(i), username, answer);
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
        ...Array.from({ length: RIGHT }, (_, i) => remoteVerify(instance(i), username, code)),
        ...Array.from({ length: WRONG }, (_, i) => remoteVerify(instance(i + 1), username, wrongCode(code, i + 1))),
      ];
      // (sends at once for one user: the instances' clocks may put one a millisecond before the
      // other's, which then answers 429 even with an interval of 0)
      const sends = Array.from({ length: 3 }, (_, i) => remoteGenerate(instance(i), username));
      const [verified, sent] = await Promise.all([Promise.all(verifies), Promise.all(sends)]);
      for (const reply of verified) if (![200, 400].includes(reply.status)) unexpected.push(`verify: ${reply.status} ${reply.text}`);
      for (const reply of sent) if (![200, 429].includes(reply.status)) unexpected.push(`generate: ${reply.status} ${reply.text}`);
      const successes = verified.filter((reply) => reply.status === 200);
      expect(successes.length, `round ${round}`).toBeLessThanOrEqual(1);
    }
    expect(unexpected).toEqual([]);
  }, 120_000);
});
