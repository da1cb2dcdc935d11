// Attack: SMS pumping spread over instances. A pumped number range takes codes through every
// instance behind the load balancer; a rule that counted per process, or kept its blocks in
// memory, would let each instance send its own share. The conversion rule counts otp_logs and
// keeps its blocks in prefix_blocks, so two service processes on one PostgreSQL database block
// the range together after 50 unverified sends, refuse it on both, and audit the block once;
// a range whose users verify is left alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import type { Database } from '../../src/db/client.js';
import { CreateUserDocument } from '../generated/graphql.js';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase } from '../../src/db/client.js';
import { createPrivateDatabase, type PrivateDatabase } from '../support/private-database.js';
import { uniqueName } from '../support/app.js';
import { remoteGenerate, remoteGraphql, remoteRequestCode, remoteVerify } from '../support/remote.js';
import { startServiceProcesses, type ServiceProcess } from '../support/service-process.js';
import { startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from '../support/twilio.js';

const SENDS = 50;

const INSIGHTS = `query {
  deliveryInsights {
    rows { country prefix channel lastHour { sent delivered verified verificationRate } lastDay { sent delivered verified verificationRate } blockedUntil }
    blockedPrefixes { prefix sends verified blockedAt expiresAt }
  }
}`;

describe('two service processes on one PostgreSQL database: the conversion rule', () => {
  const processes: ServiceProcess[] = [];
  let twilio: TestTwilioServer;
  let database: Database;
  let privateDatabase: PrivateDatabase;
  const instance = (i: number) => {
    const chosen = processes[i % processes.length];
    if (!chosen) throw new Error('no service process');
    return chosen.url;
  };

  beforeAll(async () => {
    twilio = await startTwilioServer();
    // the rule counts every code of a range in the database: other files' codes must not share it
    privateDatabase = await createPrivateDatabase('prefix-block');
    const env = {
      DATABASE_URL: privateDatabase.url,
      ALLOW_ANONYMOUS_CALLERS: 'true',
      IP_RATE_LIMIT: '1000000',
      // only the conversion rule holds sends back: no country velocity rule
      SMS_PREFIX_MAX_SHARE: '1',
      SMS_PREFIX_BLOCK_MIN_SENDS: String(SENDS),
      SMS_PREFIX_BLOCK_MIN_VERIFY_RATE: '0.2',
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

  async function smsUser(i: number, prefix: string): Promise<{ username: string; phoneNumber: string }> {
    const username = uniqueName('pump');
    const phoneNumber = uniqueMobile(prefix, 7);
    const created = await remoteGraphql(instance(i), print(CreateUserDocument), { input: { username, phoneNumber, deliveryMethod: 'SMS' } });
    expect(created.body.data?.createUser?.__typename, created.text).toBe('User');
    return { username, phoneNumber };
  }

  /** Codes to `count` users of the range, alternating instances; those `verifies` picks are typed in on the other one. */
  async function sendMany(prefix: string, count: number, verifies: (i: number) => boolean) {
    for (let i = 0; i < count; i += 1) {
      const { username } = await smsUser(i, prefix);
      const code = await remoteRequestCode(instance(i), username);
      if (verifies(i)) expect((await remoteVerify(instance(i + 1), username, code)).status).toBe(200);
    }
  }

  it(`${SENDS} sends to +49172 over both and none verified: both refuse the next sends, one block, audited once`, async () => {
    await sendMany('+49172', SENDS, () => false);
    const users = await Promise.all([smsUser(0, '+49172'), smsUser(1, '+49172'), smsUser(0, '+49172'), smsUser(1, '+49172')]);
    const before = twilio.requests.length;

    // all at once over both instances: each may find the range unblocked and make the block
    const answers = await Promise.all(users.map(({ username }, i) => remoteGenerate(instance(i), username)));
    expect(answers.map((answer) => answer.status), answers.map((a) => a.text).join('\n')).toEqual([403, 403, 403, 403]);
    expect(twilio.requests.length).toBe(before);
    const audits = await database.db.auditEvent.findMany({ where: { event: 'PREFIX_BLOCK' }, select: { reason: true } });
    expect(audits).toEqual([{ reason: '+49172' }]);
    expect(await database.db.prefixBlock.findMany({ select: { prefix: true, sends: true, verified: true } })).toEqual([
      { prefix: '+49172', sends: SENDS, verified: 0 },
    ]);
  });

  it(`${SENDS} sends to +49173 over both, every other one verified: the range is not blocked`, async () => {
    await sendMany('+49173', SENDS, (i) => i % 2 === 0);
    const users = await Promise.all([smsUser(0, '+49173'), smsUser(1, '+49173')]);
    for (const [i, { username }] of users.entries()) await remoteRequestCode(instance(i), username);
    expect(await database.db.prefixBlock.count({ where: { prefix: '+49173' } })).toBe(0);
  });

  it('deliveryInsights, from either instance, shows both ranges and the block', async () => {
    const [first, second] = await Promise.all([remoteGraphql(instance(0), INSIGHTS), remoteGraphql(instance(1), INSIGHTS)]);
    expect(first.body.errors, first.text).toBeUndefined();
    process.stdout.write(`deliveryInsights after the pumping test (two instances, PostgreSQL):\n${JSON.stringify(first.body.data, null, 2)}\n`);
    const insights = first.body.data?.deliveryInsights as unknown as {
      rows: { prefix: string | null; channel: string; lastHour: { sent: number; verified: number }; blockedUntil: string | null }[];
      blockedPrefixes: { prefix: string }[];
    };
    const row = (prefix: string) => insights.rows.find((r) => r.prefix === prefix && r.channel === 'SMS');
    expect(row('+49172')).toMatchObject({ lastHour: { sent: SENDS, verified: 0 } });
    expect(row('+49172')?.blockedUntil).not.toBeNull();
    expect(row('+49173')).toMatchObject({ lastHour: { sent: SENDS + 2, verified: SENDS / 2 }, blockedUntil: null });
    expect(insights.blockedPrefixes.map((block) => block.prefix)).toEqual(['+49172']);
    // the other instance reads the same database: the same ranges and counts
    expect((second.body.data?.deliveryInsights as unknown as typeof insights).rows.map((r) => [r.prefix, r.lastHour.sent])).toEqual(
      insights.rows.map((r) => [r.prefix, r.lastHour.sent]),
    );
  });
});
