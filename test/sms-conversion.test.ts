// Attack: SMS pumping through ordinary-looking numbers. The attacker's numbers are valid mobiles
// of an allowed country, requested slowly enough for every budget and the country velocity rule,
// but nobody ever types their codes in: the carrier pays the attacker per SMS received. The
// conversion rule (src/delivery/prefix-blocks.ts) reads what the codes to each number range
// became: a range with SMS_PREFIX_BLOCK_MIN_SENDS sends in the window and a verified share under
// SMS_PREFIX_BLOCK_MIN_VERIFY_RATE is blocked for SMS_PREFIX_BLOCK_MINUTES, audited and announced
// (prefix.blocked); a blocked send is refused before it costs anything. Ranges whose users verify
// are left alone, the allow-list beats the rule, and the block lifts by expiry or by the CLI.
//
// In process, on either database; test/postgres/prefix-block-instances.test.ts has two processes.
// Each block runs in an hour of its own (isolatedSmsClock) with number ranges no other file uses.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import type { Database } from '../src/db/client.js';
import { createTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET, testEnv, type ManualClock, type TestApp } from './support/app.js';
import { insertUser, openTestDatabase } from './support/db.js';
import { createUser, postGenerate, requestCode, submitCode } from './support/flows.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import { isolatedSmsClock, startTwilioServer, twilioEnv, uniqueMobile, type TestTwilioServer } from './support/twilio.js';
import { startReceiver, until } from './support/webhooks.js';
import { GenerateOtpDocument } from './generated/graphql.js';
import { createAuditService } from '../src/audit/audit.service.js';
import { createAuditStore, type AuditStore } from '../src/audit/audit.store.js';
import { systemContext } from '../src/auth/caller.js';
import { parseConfig } from '../src/config/config.js';
import { createPrefixBlocks } from '../src/delivery/prefix-blocks.js';
import { createPrefixBlocksStore } from '../src/delivery/prefix-blocks.store.js';
import { PrefixBlockedError } from '../src/errors/errors.js';
import type { Logger } from '../src/logging/logger.js';
import { createCodesStore } from '../src/delivery/codes.store.js';

const MINUTE = 60_000;
const BLOCK_MINUTES = 90;

const INSIGHTS = `query {
  deliveryInsights {
    rows { country prefix channel lastHour { sent delivered verified verificationRate } lastDay { sent verified } blockedUntil }
    blockedPrefixes { prefix sends verified blockedAt expiresAt }
  }
}`;

interface InsightsAnswer {
  deliveryInsights: {
    rows: { country: string | null; prefix: string | null; channel: string; lastHour: { sent: number; verified: number; verificationRate: number | null }; blockedUntil: string | null }[];
    blockedPrefixes: { prefix: string; sends: number; verified: number; expiresAt: string }[];
  };
}

describe('the conversion rule: a number range that takes codes and verifies none is blocked', () => {
  let twilio: TestTwilioServer;
  let app: TestApp;
  let clock: ManualClock;
  let database: Database;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    twilio = await startTwilioServer();
    receiver = await startReceiver();
    clock = isolatedSmsClock();
    app = await createTestApp(
      {
        ...twilioEnv(twilio, { TWILIO_PHONE_NUMBER: '+15005550006' }),
        // the country velocity rule would stop 50 sends to one country first: only the conversion rule is under test
        SMS_PREFIX_MAX_SHARE: '1',
        SMS_PREFIX_BLOCK_MIN_SENDS: '50',
        SMS_PREFIX_BLOCK_MIN_VERIFY_RATE: '0.2',
        SMS_PREFIX_BLOCK_MINUTES: String(BLOCK_MINUTES),
        SMS_PREFIX_ALLOWLIST: '+49178',
        OUTBOX_POLL_INTERVAL_MS: '25',
      },
      { clock },
    );
    database = await openTestDatabase();
    const created = await executeRaw(app, `mutation ($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { ... on WebhookEndpointWithSecret { secret } }
    }`, { input: { url: receiver.url, events: ['PREFIX_BLOCKED'], description: 'prefix blocks' } });
    receiver.setSecret((created.body.data?.createWebhookEndpoint as { secret: string }).secret);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await twilio.close();
    await database.close();
  });

  /** One SMS user of the range, fresh. */
  async function smsUser(prefix: string): Promise<{ username: string; phoneNumber: string }> {
    const phoneNumber = uniqueMobile(prefix, 7);
    return { username: await createUser(app, { email: null, phoneNumber, deliveryMethod: 'SMS' }), phoneNumber };
  }

  /** `count` users of the range get a code each; those `verifies` picks type it in. */
  async function sendMany(prefix: string, count: number, verifies: (i: number) => boolean = () => false): Promise<void> {
    for (let i = 0; i < count; i += 1) {
      const { username } = await smsUser(prefix);
      const { code } = await requestCode(app, username);
      if (verifies(i)) expect((await submitCode(app, username, code)).statusCode).toBe(200);
    }
  }

  async function audited(event: string, reason: string) {
    return database.db.auditEvent.findMany({ where: { event, reason }, select: { outcome: true, caller: true } });
  }

  it('50 sends to +49176 and no verification: the next send is refused (PREFIX_BLOCKED, nothing sent, no slot taken), audited once', async () => {
    await sendMany('+49176', 50);
    const { username, phoneNumber } = await smsUser('+49176');

    const refused = await postGenerate(app, username);
    expect(refused.statusCode, refused.body).toBe(403);
    expect(refused.json()).toEqual({ detail: 'Codes are not sent to numbers in this range for now' });
    expect(twilio.requests.filter((sms) => sms.to === phoneNumber)).toEqual([]);
    const { generateOtp } = await execute(app, GenerateOtpDocument, { username });
    expect(expectType(generateOtp, 'PrefixBlockedError').retryAfter).toBe(BLOCK_MINUTES * 60);

    expect(await audited('PREFIX_BLOCK', '+49176')).toEqual([{ outcome: 'SUCCESS', caller: 'sms-guard' }]);
    expect(await database.db.auditEvent.count({ where: { username, event: 'OTP_GENERATE', outcome: 'REFUSED', reason: 'PREFIX_BLOCKED' } })).toBe(2);
    const [block] = await database.db.prefixBlock.findMany({ where: { prefix: '+49176' } });
    expect(block).toMatchObject({ sends: 50, verified: 0 });
    // announced once (one webhook-id), through the outbox; its signature's timestamp is this
    // hour's, far from the receiver's real clock, so the signature itself is webhooks.test.ts's to check
    const event = await until(() => receiver.received.find((r) => r.body.includes('"prefix":"+49176"')));
    expect(JSON.parse(event.body)).toMatchObject({
      type: 'prefix.blocked',
      data: { username: null, prefix: '+49176', sends: 50, verified: 0, blockedUntil: block?.expiresAt.toISOString() },
    });
    expect(new Set(receiver.received.filter((r) => r.body.includes('"prefix":"+49176"')).map((r) => r.headers['webhook-id'])).size).toBe(1);
    // the refusals took no SMS budget: the budget's counter holds exactly the 50 sends
    const budget = await database.db.sendCounter.findMany({ where: { name: 'sms' } });
    expect(budget.filter((row) => row.windowStart.getTime() <= clock.now().getTime() && row.windowStart.getTime() > clock.now().getTime() - 3_600_000)
      .reduce((sum, row) => sum + row.count, 0)).toBe(50);

    // the block expires by itself, and the sends it judged do not block the range again
    clock.advance(BLOCK_MINUTES * MINUTE);
    await requestCode(app, username);
    expect(twilio.requests.filter((sms) => sms.to === phoneNumber)).toHaveLength(1);
  });

  it('50 sends to +49177 of which half are verified: the range converts and is not blocked', async () => {
    await sendMany('+49177', 50, (i) => i % 2 === 0);
    const { username } = await smsUser('+49177');
    await requestCode(app, username);
    expect(await database.db.prefixBlock.count({ where: { prefix: '+49177' } })).toBe(0);
  });

  it('a range on SMS_PREFIX_ALLOWLIST (+49178) is never blocked, however few verify', async () => {
    await sendMany('+49178', 51);
    expect(await database.db.prefixBlock.count({ where: { prefix: '+49178' } })).toBe(0);
  });

  it('deliveryInsights answers sends, verifications and blocks per range and channel; /metrics per country and channel', async () => {
    await sendMany('+49179', 50);
    const { username } = await smsUser('+49179');
    expect((await postGenerate(app, username)).statusCode).toBe(403);

    const answer = await executeRaw(app, INSIGHTS);
    expect(answer.body.errors).toBeUndefined();
    const insights = (answer.body.data as unknown as InsightsAnswer).deliveryInsights;
    process.stdout.write(`deliveryInsights after the pumping test:\n${JSON.stringify(insights, null, 2)}\n`);
    const row = (prefix: string) => insights.rows.find((r) => r.prefix === prefix && r.channel === 'SMS');
    expect(row('+49179')).toMatchObject({ country: 'DE', lastHour: { sent: 50, verified: 0, verificationRate: 0 } });
    expect(row('+49179')?.blockedUntil).not.toBeNull();
    expect(row('+49177')).toMatchObject({ lastHour: { sent: 51, verified: 25 }, blockedUntil: null });
    expect(insights.blockedPrefixes).toContainEqual(expect.objectContaining({ prefix: '+49179', sends: 50, verified: 0 }));
    expect(insights.blockedPrefixes.map((block) => block.prefix)).not.toContain('+49177');

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/twofa_delivery_codes\{country="DE",channel="SMS",window="1h",stage="sent"\} (\d+)/);
    const sent = Number(/twofa_delivery_codes\{country="DE",channel="SMS",window="1h",stage="sent"\} (\d+)/.exec(metrics)?.[1]);
    expect(sent).toBeGreaterThanOrEqual(50 + 51);
    expect(metrics).toContain(`twofa_sms_prefixes_blocked ${String(insights.blockedPrefixes.length)}`);
  });

  describe('npm run cli -- prefixes:unblock', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      Object.assign(process.env, { DATABASE_URL: inject('databaseUrl'), SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test' });
    });
    afterEach(() => {
      process.env = { ...saved };
    });

    it('lifts the block of +49179 at once (audited); the range gets a fresh window', async () => {
      const lines: string[] = [];
      expect(await runCli(['prefixes:unblock', '+49179'], (line) => lines.push(line))).toBe(0);
      expect(lines).toEqual(['sends to +49179 are no longer blocked']);
      expect(await audited('PREFIX_UNBLOCK', '+49179')).toEqual([{ outcome: 'SUCCESS', caller: 'cli' }]);

      const { username, phoneNumber } = await smsUser('+49179');
      await requestCode(app, username);
      expect(twilio.requests.filter((sms) => sms.to === phoneNumber)).toHaveLength(1);

      const again: string[] = [];
      expect(await runCli(['prefixes:unblock', '+49179'], (line) => again.push(line))).toBe(0);
      expect(again).toEqual(['+49179 was not blocked']);
      expect(await runCli(['prefixes:unblock', 'nonsense'], () => undefined, () => undefined)).toBe(2);
    });
  });
});

describe('a block, or its lifting, and what records it are one unit', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  it('a fault writing the audit row or prefix.blocked leaves no block (nor a lifted one); the next check blocks and records it whole', async () => {
    const { sql } = database;
    const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const clock = { now: () => new Date() };
    const prefix = `+99${String(process.pid % 1000)}${String(Date.now() % 100_000)}`;
    const user = await insertUser(database);
    const codes = createCodesStore({ sql });
    for (let i = 0; i < 2; i++) {
      const at = new Date(Date.now() - 60_000);
      await codes.insertSending({ userId: user.id, codeHash: `unused-${String(i)}`, channel: 'SMS', destination: `${prefix}****`, country: null, dialPrefix: prefix, contextHash: null, expiresAt: new Date(at.getTime() + 300_000), createdAt: at });
    }
    const auditStore = createAuditStore({ sql });
    // The last statement of what records the change fails, after the row and the audit row were written.
    const failing = sql.statement`INSERT INTO no_such_table (id) VALUES (1)`;
    const faulty: Pick<AuditStore, 'insert' | 'statements'> = {
      insert: () => Promise.reject(new Error('audit_events unavailable')),
      statements: (row, events) => [...auditStore.statements(row, events), failing],
    };
    const config = parseConfig(testEnv({ SMS_PREFIX_BLOCK_MIN_SENDS: '2', SMS_PREFIX_BLOCK_MIN_VERIFY_RATE: '0.5' }));
    const blocksWith = (store: Pick<AuditStore, 'insert' | 'statements'>) =>
      createPrefixBlocks({
        store: createPrefixBlocksStore({ sql }),
        codes,
        audit: createAuditService({ store, clock, logger: quiet }),
        clock,
        config,
        logger: quiet,
      });
    const written = async () => ({
      holds: (await database.db.$queryRaw<{ n: number | bigint }[]>`SELECT COUNT(*) AS n FROM prefix_blocks WHERE prefix = ${prefix} AND expires_at > ${new Date()}`).map((row) => Number(row.n))[0],
      audit: (await database.db.$queryRaw<{ event: string }[]>`SELECT event FROM audit_events WHERE reason = ${prefix} ORDER BY id`).map((row) => row.event),
      events: (await database.db.$queryRaw<{ n: number | bigint }[]>`SELECT COUNT(*) AS n FROM outbox_events WHERE type = 'prefix.blocked'`).map((row) => Number(row.n))[0] ?? 0,
    });
    const before = await written();

    const refused = blocksWith(faulty).check(prefix, new Date());
    await expect(refused).rejects.toThrow();
    await expect(refused).rejects.not.toBeInstanceOf(PrefixBlockedError);
    expect(await written()).toEqual({ holds: 0, audit: [], events: before.events });

    await expect(blocksWith(auditStore).check(prefix, new Date())).rejects.toBeInstanceOf(PrefixBlockedError);
    expect(await written()).toEqual({ holds: 1, audit: ['PREFIX_BLOCK'], events: before.events + 1 });

    await expect(blocksWith(faulty).unblock(prefix, systemContext('test'))).rejects.toThrow();
    expect((await written()).holds).toBe(1);
    expect(await blocksWith(auditStore).unblock(prefix, systemContext('test'))).toBe(true);
    expect(await written()).toMatchObject({ holds: 0, audit: ['PREFIX_BLOCK', 'PREFIX_UNBLOCK'] });
  });
});
