// Events other services act on, and the user's security notices: every delivery is signed
// (Standard Webhooks) and verified here with the `standardwebhooks` package by a real HTTP
// server; a receiver that fails gets the same event again, under the same webhook-id and a
// fresh signature, until it accepts it once; an endpoint inside the network is refused in
// production; and neither a payload nor a notice ever carries a code or a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWebhook } from '../src/webhooks/post.js';
import { createTestApp, ManualClock, uniqueName, type TestApp } from './support/app.js';
import { bearer, callerToken, graphqlAs } from './support/callers.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { enrollAndConfirm, midStep } from './support/totp.js';
import { startReceiver, until } from './support/webhooks.js';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointWithSecret { secret endpoint { id url events enabled } }
    ... on WebhookUrlRefusedError { reason }
  }
}`;
const DELETE = `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`;

describe('signed webhooks', () => {
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let endpointId = '';
  beforeAll(async () => {
    receiver = await startReceiver({ failFirst: 2 });
    app = await createTestApp({ WEBHOOK_RETRY_SCHEDULE: '1100ms,1100ms,1100ms', OUTBOX_POLL_INTERVAL_MS: '25' });
    const created = await executeRaw(app, CREATE, {
      input: { url: receiver.url, events: ['VERIFICATION_APPROVED', 'VERIFICATION_FAILED'], description: 'test receiver' },
    });
    const result = created.body.data?.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
    expect(result.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.setSecret(result.secret);
    endpointId = result.endpoint.id;
  });
  afterAll(async () => {
    await executeRaw(app, DELETE, { id: endpointId });
    await app.close();
    await receiver.close();
  });

  it('delivers an approval, signed, as a CloudEvent, once accepted: two 500s, then 200, under one webhook-id with a fresh timestamp each try', async () => {
    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);

    const tries = await until(() => {
      const about = receiver.about(username);
      return about.some((r) => r.status === 200) && about;
    });
    expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(tries.every((r) => r.verified)).toBe(true);
    expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
    // a timestamp has whole seconds: the retries, 1.1 s apart, each carry their own, and so their own signature
    expect(new Set(tries.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
    expect(new Set(tries.map((r) => r.headers['webhook-signature'])).size).toBe(3);
    console.info(`--- delivered request ---\nPOST /hook\n${Object.entries(tries[2]?.headers ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n\n${tries[2]?.body ?? ''}`);
    expect(tries.map((r) => r.headers['webhook-timestamp']).every((t) => Math.abs(Number(t) - Date.now() / 1000) < 30)).toBe(true);

    const event = JSON.parse(tries[2]?.body ?? '') as Record<string, unknown>;
    expect(event).toMatchObject({
      specversion: '1.0',
      id: tries[0]?.headers['webhook-id'],
      source: '/fountainai/2fa',
      type: 'verification.approved',
      data: { username, method: 'otp' },
    });
    expect(new Date(String(event.time)).getTime()).toBeGreaterThan(0);
    for (const r of tries) expect(r.body).not.toContain(code);

    // its delivery says it is done (DELIVERED is final: the dispatcher never picks it up again),
    // and nothing more came for it
    type Attempt = { attemptedAt: string; outcome: string; responseCode: number | null; error: string | null; nextAttemptAt: string | null };
    type Delivery = { eventId: string; status: string; attempts: number; responseCode: number; history: Attempt[] };
    const deliveryOfEvent = async () => {
      const deliveries = await executeRaw(
        app,
        `query ($id: ID) { webhookDeliveries(endpointId: $id) { __typename ... on QueryWebhookDeliveriesConnection {
          edges { node { eventId status attempts responseCode nextAttemptAt history { attemptedAt outcome responseCode error nextAttemptAt } } } } } }`,
        { id: endpointId },
      );
      return (deliveries.body.data?.webhookDeliveries as { edges: { node: Delivery }[] }).edges.map((edge) => edge.node).find((row) => row.eventId === event.id);
    };
    let delivery = await deliveryOfEvent();
    for (const deadline = Date.now() + 15_000; delivery?.status !== 'DELIVERED' && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      delivery = await deliveryOfEvent();
    }
    expect(receiver.about(username)).toHaveLength(3);
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 3, responseCode: 200 });
    // each attempt, oldest first: two 500s, each with the time of the next try, then the 200
    const history = delivery?.history ?? [];
    expect(history.map((attempt) => [attempt.outcome, attempt.responseCode, attempt.nextAttemptAt !== null])).toEqual([
      ['FAILED', 500, true],
      ['FAILED', 500, true],
      ['DELIVERED', 200, false],
    ]);
    expect(history[0]?.error).toMatch(/500/);
    const [first = NaN, second = NaN] = history.map((attempt) => Date.parse(attempt.attemptedAt));
    expect(second - first).toBeGreaterThanOrEqual(1_000);
    expect(Date.parse(history[0]?.nextAttemptAt ?? '')).toBeLessThanOrEqual(second);
  });

  it('tells of a wrong guess without the guess', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    expect((await submitCode(app, username, '000000')).statusCode).toBe(400);
    const accepted = await until(() => receiver.about(username).find((r) => r.status === 200), 20_000);
    expect(JSON.parse(accepted.body)).toMatchObject({ type: 'verification.failed', data: { username, reason: 'INVALID_CODE' } });
    expect(accepted.body).not.toContain('000000');
  });

  it('names an endpoint by its global id, as every object: node(id:) finds it, the mutations take it, a raw number names none', async () => {
    expect(Buffer.from(endpointId, 'base64').toString()).toMatch(/^WebhookEndpoint:\d+$/);
    const node = `query ($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } } }`;
    expect((await executeRaw(app, node, { id: endpointId })).body).toEqual({ data: { node: { id: endpointId, url: receiver.url } } });
    const usersOnly = await graphqlAs(app, bearer(await callerToken({ scope: 'users:read' })), node, { id: endpointId });
    expect(usersOnly.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(usersOnly.body)).not.toContain(receiver.url);

    const listed = await executeRaw(app, `{ webhookEndpoints { id } }`);
    expect(listed.body.data?.webhookEndpoints).toContainEqual({ id: endpointId });
    const rawId = Buffer.from(endpointId, 'base64').toString().split(':')[1];
    const rotate = `mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id) { __typename } }`;
    for (const id of [rawId, Buffer.from(`User:${String(rawId)}`).toString('base64'), 'not-an-id']) {
      expect((await executeRaw(app, rotate, { id })).body.data, id).toEqual({ rotateWebhookEndpointSecret: { __typename: 'WebhookEndpointNotFoundError' } });
    }
    // A caller that may write but not read still sees the endpoint it wrote.
    const writer = bearer(await callerToken({ scope: 'webhooks:write' }));
    const disabled = await graphqlAs(app, writer, `mutation ($id: ID!) { updateWebhookEndpoint(input: { id: $id, enabled: true }) { ... on WebhookEndpoint { id enabled } } }`, { id: endpointId });
    expect(disabled.body).toEqual({ data: { updateWebhookEndpoint: { id: endpointId, enabled: true } } });
  });

  it('lists deliveries as a connection of Nodes: pages follow cursors either way, node(id:) finds a delivery by its global id, an unknown endpoint is a typed error', async () => {
    const username = await createUser(app);
    await requestCode(app, username);
    expect((await submitCode(app, username, '000000')).statusCode).toBe(400);
    expect((await submitCode(app, username, '000001')).statusCode).toBe(400);

    type Page = { edges: { cursor: string; node: { id: string; eventType: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string } };
    const page = async (args: Record<string, unknown>) => {
      const answer = await executeRaw(
        app,
        `query ($id: ID, $first: Int, $last: Int, $after: String, $before: String) {
          webhookDeliveries(endpointId: $id, first: $first, last: $last, after: $after, before: $before) {
            __typename ... on QueryWebhookDeliveriesConnection { edges { cursor node { id eventType } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`,
        { id: endpointId, ...args },
      );
      return answer.body.data?.webhookDeliveries as Page;
    };
    const three = await page({ first: 3 });
    expect(three.edges.slice(0, 2).map((edge) => edge.node.eventType)).toEqual(['verification.failed', 'verification.failed']);
    const ids = three.edges.map((edge) => edge.node.id);
    for (const id of ids) expect(Buffer.from(id, 'base64').toString()).toMatch(/^WebhookDelivery:\d+$/);

    const first = await page({ first: 2 });
    expect(first.edges.map((edge) => edge.node.id)).toEqual(ids.slice(0, 2));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await page({ first: 1, after: first.pageInfo.endCursor });
    expect(next.edges.map((edge) => edge.node.id)).toEqual(ids.slice(2, 3));
    const back = await page({ last: 2, before: next.edges[0]?.cursor });
    expect(back.edges.map((edge) => edge.node.id)).toEqual(ids.slice(0, 2));

    const node = `query ($id: ID!) { node(id: $id) { id ... on WebhookDelivery { eventType endpointId } } }`;
    expect((await executeRaw(app, node, { id: ids[0] })).body).toEqual({ data: { node: { id: ids[0], eventType: 'verification.failed', endpointId } } });
    const usersOnly = await graphqlAs(app, bearer(await callerToken({ scope: 'users:read' })), node, { id: ids[0] });
    expect(usersOnly.body.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);

    const gone = Buffer.from('WebhookEndpoint:999999999').toString('base64');
    const unknown = await executeRaw(app, `query ($id: ID) { webhookDeliveries(endpointId: $id) { __typename } }`, { id: gone });
    expect(unknown.body.data).toEqual({ webhookDeliveries: { __typename: 'WebhookEndpointNotFoundError' } });
  });

  it('needs webhooks:write to add an endpoint and webhooks:read to list them', async () => {
    const token = await callerToken({ scope: 'users:read' });
    const refused = await graphqlAs(app, bearer(token), CREATE, { input: { url: receiver.url, events: ['USER_LOCKED'] } });
    expect(JSON.stringify(refused.body)).toContain('ForbiddenError');
    const list = await graphqlAs(app, bearer(token), `{ webhookEndpoints { id } }`);
    expect(list.body.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['webhookEndpoints'], 'FORBIDDEN']]);
  });
});

describe('an endpoint inside the network, in production', () => {
  let app: TestApp;
  let headers: Record<string, string>;
  beforeAll(async () => {
    app = await createTestApp({ NODE_ENV: 'production', ALLOW_ANONYMOUS_CALLERS: 'false' });
    headers = bearer(await callerToken());
  });
  afterAll(() => app.close());

  it.each([
    ['https://127.0.0.1/hook', 'must not be a private, loopback or link-local address'],
    ['https://10.1.2.3/hook', 'must not be a private, loopback or link-local address'],
    ['https://169.254.169.254/latest/meta-data', 'must not be a private, loopback or link-local address'],
    ['https://[::1]/hook', 'must not be a private, loopback or link-local address'],
    ['https://localhost/hook', 'must not be a private, loopback or link-local address'],
    ['http://hooks.example.com/hook', 'must use https in production'],
  ])('refuses %s', async (url, reason) => {
    const answer = await graphqlAs(app, headers, CREATE, { input: { url, events: ['USER_LOCKED'] } });
    expect(answer.body.errors, JSON.stringify(answer.body)).toBeUndefined();
    expect(answer.body.data?.createWebhookEndpoint).toEqual({ __typename: 'WebhookUrlRefusedError', reason });
  });

  it('refuses, at send time, a name that resolves to a loopback address', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      await expect(postWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: false })).rejects.toThrow(/private, loopback or link-local/);
      expect(receiver.received).toHaveLength(0);
      expect((await postWebhook(url, {}, '{}', { timeoutMs: 2000, allowPrivateNetworks: true })).status).toBe(500);
    } finally {
      await receiver.close();
    }
  });
});

describe('security notices', () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  const clock = new ManualClock(midStep());
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await createTestApp({ SMTP_SERVER: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_SECURITY: 'none', OUTBOX_POLL_INTERVAL_MS: '25' }, { clock });
  });
  afterAll(async () => {
    await app.close();
    await smtp.close();
  });

  it('tells the user, by email, that an authenticator app was added: what, when, what to do; never the secret or a code', async () => {
    const email = `${uniqueName('notice')}@example.com`;
    const username = await createUser(app, { email });
    const secret = await enrollAndConfirm(app, username, clock);
    const notice = await until(() => smtp.messages.find((m) => m.to.includes(email) && /Security alert/.test(m.subject)));
    expect(notice.subject).toBe('Security alert: a sign-in method was added to your FountainAI account');
    expect(notice.text).toContain('An authenticator app was added to your FountainAI account.');
    expect(notice.text).toContain(`When: ${clock.now().toISOString().replace('T', ' ').slice(0, 16)} (UTC).`);
    expect(notice.text).toContain('If this was not you');
    expect(notice.raw).not.toContain(secret);
    expect(notice.raw).not.toMatch(/\b\d{6}\b/);
    console.info(`--- notice as received ---\n${notice.raw}`);
  });
});
