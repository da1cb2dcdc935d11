// Attack: two look-alike accounts made at once. Refusing `alice` because `Alice` exists is
// useless if the check reads before either row is written: two instances, each asked at the
// same moment for one spelling, would both find nothing and both create. The unique index on
// the folded key decides instead: of `Name` and `name` sent at once to two real service
// processes on one PostgreSQL database, exactly one is created and the other is refused with
// USERNAME_CONFUSABLE, round after round.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { print } from 'graphql';
import type { Database } from '../../src/db/client.js';
import { usernameKey } from '../../src/vocabulary/username.js';
import { CreateUserDocument } from '../generated/graphql.js';
import { uniqueName } from '../support/app.js';
import { openTestDatabase } from '../support/db.js';
import { remoteGraphql } from '../support/remote.js';
import { startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

describe('two service processes creating look-alike names at once', () => {
  const processes: ServiceProcess[] = [];
  let database: Database;

  beforeAll(async () => {
    const env = { DATABASE_URL: inject('databaseUrl'), ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '1000000' };
    await startServiceProcesses({ env }, processes);
    database = await openTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.close();
  });

  it('create exactly one of `Name` and `name`; the other is USERNAME_CONFUSABLE', async () => {
    const [a, b] = processes;
    if (!a || !b) throw new Error('two service processes expected');
    const create = (url: string, username: string) => remoteGraphql(url, print(CreateUserDocument), { input: { username, email: 'race@example.com' } });

    for (let round = 0; round < 10; round++) {
      const lower = uniqueName('race');
      const upper = lower.toUpperCase();
      const answers = await Promise.all([create(a.url, upper), create(b.url, lower)]);
      const kinds = answers.map((answer) => {
        expect(answer.status, answer.text).toBe(200);
        return answer.body.data?.createUser?.__typename;
      });
      expect(kinds.sort(), JSON.stringify(answers.map((answer) => answer.body))).toEqual(['User', 'UsernameConfusableError']);
      const stored = await database.db.user.findMany({ where: { username: { in: [upper, lower] } }, select: { usernameKey: true } });
      expect(stored).toEqual([{ usernameKey: usernameKey(lower) }]);
    }
  });
});
