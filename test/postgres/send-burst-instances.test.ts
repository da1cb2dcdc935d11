// Attack: a burst of sends spread over instances. The hourly caps (a user's sends, the
// service's SMS budget) were counts read from the code log, so a burst of requests, all
// reading before any send was recorded, could pass them many times over: SMS pumping paid
// by the request. Each cap is now a slot taken by one conditional write before the send and
// given back if the send fails, so two service processes on one PostgreSQL database let
// exactly the cap through, however the burst is spread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import type { Database } from '../../src/db/client.js';
import { CreateUserDocument } from '../generated/graphql.js';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/client.js';
import { storedOtpLogs } from '../support/db.js';
import { createPrivateDatabase, type PrivateDatabase } from '../support/private-database.js';
import { uniqueName } from '../support/app.js';
import { remoteCreateUser, remoteGenerate, remoteGraphql } from '../support/remote.js';
import { sleep, startServiceProcesses, type ServiceProcess } from '../support/service-process.js';
import { startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from '../support/twilio.js';

const BURST = 40;
const CAP = 5;
const HOUR_MS = 3_600_000;

/** The caps count per clock hour: a burst must not straddle one, so wait out its last seconds. */
async function awayFromHourEnd() {
  const left = HOUR_MS - (Date.now() % HOUR_MS);
  if (left < 15_000) await sleep(left + 100);
}

describe('two service processes on one PostgreSQL database, under a burst of sends', () => {
  const processes: ServiceProcess[] = [];
  let twilio: TestTwilioServer;
  let database: Database;
  const instance = (i: number) => {
    const chosen = processes[i % processes.length];
    if (!chosen) throw new Error('no service process');
    return chosen.url;
  };

  let privateDatabase: PrivateDatabase;

  beforeAll(async () => {
    twilio = await startTwilioServer();
    // The service's SMS budget counts every SMS in the database: other files' tests must not share it.
    privateDatabase = await createPrivateDatabase('send-burst');
    const env = {
      DATABASE_URL: privateDatabase.url,
      ALLOW_ANONYMOUS_CALLERS: 'true',
      IP_RATE_LIMIT: '1000000',
      // Only the caps under test hold the burst back: no resend interval, no prefix velocity.
      OTP_RESEND_INTERVAL_SECONDS: '0',
      OTP_MAX_SENDS_PER_HOUR: String(CAP),
      SMS_MAX_PER_HOUR: String(CAP),
      SMS_PREFIX_MIN_SENDS: '1000000',
      ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: '+15005550006' }),
    };
    await startServiceProcesses({ env }, processes);
    database = createDatabase(parseConfig({ DATABASE_URL: privateDatabase.url }).database);
    await database.init();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await Promise.all([database.close(), twilio.close()]);
    await privateDatabase.drop();
  });

  it(`one user, ${BURST} concurrent generates over both, at most ${CAP} an hour: exactly ${CAP} sent`, async () => {
    await awayFromHourEnd();
    const username = await remoteCreateUser(instance(0));
    const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => remoteGenerate(instance(i), username)));

    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 200), answers.map((a) => `${a.status} ${a.text}`).join('\n')).toHaveLength(CAP);
    expect(statuses.filter((status) => status === 429)).toHaveLength(BURST - CAP);
    expect((await storedOtpLogs(database, username)).length).toBe(CAP);
  });

  it(`${BURST} users, one SMS each at once over both, an SMS budget of ${CAP} an hour: exactly ${CAP} SMS sent`, async () => {
    await awayFromHourEnd();
    const users = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const username = uniqueName('sms');
        const phoneNumber = uniqueMobile();
        const created = await remoteGraphql(instance(i), print(CreateUserDocument), {
          input: { username, phoneNumber, deliveryMethod: 'SMS' },
        });
        expect(created.body.data?.createUser?.__typename, created.text).toBe('User');
        return { username, phoneNumber };
      }),
    );
    const before = twilio.requests.length;

    const answers = await Promise.all(users.map(({ username }, i) => remoteGenerate(instance(i), username)));

    expect(answers.filter((answer) => answer.status === 200), answers.map((a) => `${a.status} ${a.text}`).join('\n')).toHaveLength(CAP);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(BURST - CAP);
    expect(twilio.requests.length - before).toBe(CAP);
  });
});
