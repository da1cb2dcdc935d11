// Attack: a receiver that never answers, or answers with a body that never ends, to hold up
// every other endpoint's deliveries (and the retries of a failing one): a dispatcher that
// waited for a whole batch delivered a healthy endpoint's events 9 s late, and read 58 MB of a
// streamed answer. Each endpoint has its lane: the healthy one gets every event within 2 s, the
// failing one's retries keep their schedule, the hanging one holds at most two attempts at a
// time, across instances too, and a streamed answer is dropped after a few KB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_LIMIT_BYTES, postWebhook } from '../src/webhooks/post.js';
import { createTestApp, uniqueName, type TestApp } from './support/app.js';
import { systemClock } from '../src/clock/clock.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { sleep } from './support/net.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { enrollAndConfirm } from './support/totp.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { startHangingReceiver, startReceiver, startStreamingReceiver, until } from './support/webhooks.js';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename ... on WebhookEndpointWithSecret { secret endpoint { id } } }
}`;

/** Adds an endpoint for approvals; resolves to its secret. */
async function addEndpoint(app: TestApp, url: string): Promise<string> {
  const created = await executeRaw(app, CREATE, { input: { url, events: ['VERIFICATION_APPROVED'] } });
  const result = created.body.data?.createWebhookEndpoint as { secret?: string } | undefined;
  if (!result?.secret) throw new Error(JSON.stringify(created.body));
  return result.secret;
}

/** A verification approved: resolves to the username and when the event was emitted (at the latest). */
async function approve(app: TestApp): Promise<{ username: string; at: number }> {
  const username = await createUser(app);
  const { code } = await requestCode(app, username);
  const at = Date.now();
  expect((await submitCode(app, username, code)).statusCode).toBe(200);
  return { username, at };
}

describe('a hanging and a streaming receiver beside a healthy and a failing one', () => {
  let database: PrivateDatabase;
  let app: TestApp;
  let healthy: Awaited<ReturnType<typeof startReceiver>>;
  let failing: Awaited<ReturnType<typeof startReceiver>>;
  let hanging: Awaited<ReturnType<typeof startHangingReceiver>>;
  let streaming: Awaited<ReturnType<typeof startStreamingReceiver>>;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    database = await createPrivateDatabase('webhook-lanes');
    smtp = await startSmtpServer();
    [healthy, failing, hanging, streaming] = await Promise.all([
      startReceiver(),
      // fails twice, then accepts: a failing endpoint that is never disabled meanwhile
      startReceiver({ failFirst: 2 }),
      startHangingReceiver(),
      startStreamingReceiver(),
    ]);
    app = await createTestApp({
      DATABASE_URL: database.url,
      WEBHOOK_RETRY_SCHEDULE: '1s,2s',
      WEBHOOK_TIMEOUT_MS: '10000',
      OUTBOX_POLL_INTERVAL_MS: '50',
      SMTP_SERVER: '127.0.0.1',
      SMTP_PORT: String(smtp.port),
      SMTP_SECURITY: 'none',
    });
    healthy.setSecret(await addEndpoint(app, healthy.url));
    failing.setSecret(await addEndpoint(app, failing.url));
    await addEndpoint(app, hanging.url);
    await addEndpoint(app, streaming.url);
  });
  afterAll(async () => {
    await app.close();
    await Promise.all([healthy.close(), failing.close(), hanging.close(), streaming.close(), smtp.close()]);
    await database.drop();
  });

  it('delivers every event to the healthy endpoint within 2 s and keeps the failing one on its retry schedule', async () => {
    const rssBefore = process.memoryUsage().rss;
    const events: { username: string; at: number }[] = [];
    for (let i = 0; i < 10; i += 1) {
      events.push(await approve(app));
      await sleep(200);
    }
    const delays: number[] = [];
    for (const { username, at } of events) {
      const accepted = await until(() => healthy.about(username).find((r) => r.status === 200), 10_000);
      delays.push(accepted.at - at);
    }
    // every delay while the hanging receiver held its attempts (10 s each) and the stream ran
    expect(Math.max(...delays)).toBeLessThan(2_000);
    expect(hanging.stats().requests).toBeGreaterThan(0);
    expect(hanging.stats().mostOpen).toBeLessThanOrEqual(2);

    // the failing endpoint: three tries of each event, 1 s then 2 s apart, give or take one poll and a busy machine
    const drifts: number[] = [];
    for (const { username } of events) {
      const tries = await until(() => failing.about(username).length >= 3 && failing.about(username), 15_000);
      expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
      const [first, second, third] = tries.map((r) => r.at) as [number, number, number];
      drifts.push(second - first - 1_000, third - second - 2_000);
    }
    expect(Math.min(...drifts)).toBeGreaterThanOrEqual(-50);
    expect(Math.max(...drifts)).toBeLessThan(1_000);

    // the stream: each connection dropped after the first read past the limit, so what the
    // receiver got out is what the sockets' buffers took, not what 10 s of streaming would be
    const written = streaming.written();
    expect(written.length).toBeGreaterThan(0);
    expect(Math.max(...written)).toBeLessThan(16 * 1024 * 1024);
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(rssGrowth).toBeLessThan(128 * 1024 * 1024);
    console.info(
      `hanging + streaming + failing + healthy receivers: healthy got ${String(delays.length)}/10 events, slowest ${(Math.max(...delays) / 1000).toFixed(2)} s; ` +
        `retries at 1.0/2.0 s schedule held within ${(Math.max(...drifts.map(Math.abs)) / 1000).toFixed(2)} s; ` +
        `hanging endpoint held at most ${String(hanging.stats().mostOpen)} attempts at once; ` +
        `streaming receiver wrote at most ${(Math.max(...written) / 1024).toFixed(0)} KB per connection (socket buffers) over ${String(written.length)} connections; rss grew ${(rssGrowth / 1048576).toFixed(1)} MB`,
    );
  });

  it('sends the users\' security notices on their own lane while the hanging endpoint holds its attempts', async () => {
    expect(hanging.stats().open).toBeGreaterThan(0);
    const delays: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const email = `${uniqueName('lanes')}@example.com`;
      const username = await createUser(app, { email });
      const at = Date.now();
      await enrollAndConfirm(app, username, systemClock);
      await until(() => smtp.messages.find((m) => m.to.includes(email) && /Security alert/.test(m.subject)), 10_000);
      delays.push(Date.now() - at);
    }
    expect(Math.max(...delays)).toBeLessThan(2_000);
    console.info(`security notices while the hanging endpoint held ${String(hanging.stats().open)} attempts: 3/3 sent, slowest ${(Math.max(...delays) / 1000).toFixed(2)} s`);
  });

  it('reads a streamed answer to the limit and drops the connection; the status stands', async () => {
    const started = Date.now();
    const answer = await postWebhook(streaming.url, {}, '{}', { timeoutMs: 10_000, allowPrivateNetworks: true });
    expect(answer).toMatchObject({ status: 200, cut: true });
    // one read past the limit at most (a socket read is at most 64 KB)
    expect(answer.bodyBytes).toBeLessThanOrEqual(ANSWER_LIMIT_BYTES + 64 * 1024);
    expect(Date.now() - started).toBeLessThan(5_000);
    console.info(`stream read capped: ${String(answer.bodyBytes)} bytes read (limit ${String(ANSWER_LIMIT_BYTES)}), then the connection was dropped`);
  });

  it('gives up on an answer that does not come within the time cap', async () => {
    const started = Date.now();
    await expect(postWebhook(hanging.url, {}, '{}', { timeoutMs: 300, allowPrivateNetworks: true })).rejects.toThrow('no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('two instances on one database', () => {
  let database: PrivateDatabase;
  let apps: TestApp[];
  let healthy: Awaited<ReturnType<typeof startReceiver>>;
  let hanging: Awaited<ReturnType<typeof startHangingReceiver>>;
  beforeAll(async () => {
    database = await createPrivateDatabase('webhook-lanes-two');
    [healthy, hanging] = await Promise.all([startReceiver(), startHangingReceiver()]);
    const env = { DATABASE_URL: database.url, WEBHOOK_TIMEOUT_MS: '10000', OUTBOX_POLL_INTERVAL_MS: '50' };
    apps = [await createTestApp(env), await createTestApp(env)];
    const [first] = apps as [TestApp];
    healthy.setSecret(await addEndpoint(first, healthy.url));
    await addEndpoint(first, hanging.url);
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all([healthy.close(), hanging.close()]);
    await database.drop();
  });

  it('delivers each event to the healthy endpoint once, and holds at most two attempts to the hanging one between them', async () => {
    const events: { username: string; at: number }[] = [];
    for (let i = 0; i < 8; i += 1) events.push(await approve(apps[i % 2] as TestApp));
    const delays: number[] = [];
    for (const { username, at } of events) {
      const accepted = await until(() => healthy.about(username).find((r) => r.status === 200), 10_000);
      delays.push(accepted.at - at);
    }
    expect(Math.max(...delays)).toBeLessThan(2_000);
    // each claim is one instance's: no event reached the healthy receiver twice
    const ids = healthy.received.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(events.length);
    expect(hanging.stats().mostOpen).toBeLessThanOrEqual(2);
  });
});
