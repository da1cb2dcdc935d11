// Attack: SSRF through a webhook URL. A caller allowed to add an endpoint points it inside the
// service's own network: an IPv4 address wrapped in IPv6 (`[::127.0.0.1]` was accepted and
// dialled; mapped, NAT64, 6to4 and Teredo forms carry one too), `localhost.` with its trailing
// dot, a name whose DNS answers an inside address, or one that answers a public address when
// the endpoint is added and an inside one when the event is sent (DNS rebinding). Each is
// refused, at creation where that can be known and always at send time, on the addresses the
// connection is then made to; and the refusal never names the inside address.
import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPublicAddress, type Resolver } from '../src/webhooks/address-guard.js';
import { postWebhook } from '../src/webhooks/post.js';
import { createTestApp, type TestApp } from './support/app.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { executeRaw } from './support/graphql.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { sleep } from './support/net.js';
import { startReceiver } from './support/webhooks.js';

const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointWithSecret { secret endpoint { id } }
    ... on WebhookUrlRefusedError { reason }
  }
}`;
const ENDPOINTS = `{ webhookEndpoints { id url } }`;
const DELIVERIES = `query ($id: ID) { webhookDeliveries(endpointId: $id) { __typename ... on QueryWebhookDeliveriesConnection {
  edges { node { status attempts lastError history { error } } } } } }`;

/** A DNS server the test plays: names answer what `answers` says now; any other name does not exist. */
function playedDns() {
  const answers = new Map<string, string[]>();
  const asked: string[] = [];
  const resolver: Resolver = async (hostname) => {
    asked.push(hostname);
    const addresses = answers.get(hostname);
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { answers, asked, resolver };
}

describe('which addresses are public', () => {
  it.each([
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'the same, as the URL parser writes it'],
    ['::a00:1', 'IPv4-compatible private'],
    ['::8.8.8.8', 'IPv4-compatible at all (deprecated)'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'mapped loopback'],
    ['::ffff:7f00:1', 'mapped loopback, in hex'],
    ['::ffff:a9fe:a9fe', 'mapped cloud metadata'],
    ['::ffff:0:a00:1', 'IPv4-translated'],
    ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of cloud metadata'],
    ['64:ff9b:1::808:808', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 of loopback'],
    ['2002:c0a8:101::', '6to4 of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo with client 127.0.0.1'],
    ['2001:0:a00:1::1', 'Teredo with server 10.0.0.1'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['100::1', 'discard'],
    ['169.254.169.254', 'cloud metadata'],
    ['192.88.99.1', '6to4 relay anycast'],
  ])('refuses %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['2606:4700:4700::1111', 'public IPv6'],
    ['::ffff:8.8.8.8', 'mapped public'],
    ['64:ff9b::808:808', 'NAT64 of a public address'],
    ['2002:808:808::1', '6to4 of a public address'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo with public server and client'],
  ])('accepts %s (%s)', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('an endpoint pointed inside the network, private networks not allowed', () => {
  let database: PrivateDatabase;
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const dns = playedDns();
  beforeAll(async () => {
    database = await createPrivateDatabase('webhook-address-guard');
    receiver = await startReceiver();
    app = await createTestApp(
      { DATABASE_URL: database.url, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false', WEBHOOK_RETRY_SCHEDULE: '1h', OUTBOX_POLL_INTERVAL_MS: '25' },
      { resolver: dns.resolver },
    );
    dns.answers.set('inside.example.test', ['10.1.2.3']);
    dns.answers.set('mixed.example.test', ['93.184.216.34', '127.0.0.1']);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
    await database.drop();
  });

  async function endpointUrls(): Promise<string[]> {
    const listed = await executeRaw(app, ENDPOINTS, {});
    return (listed.body.data?.webhookEndpoints as { url: string }[]).map((endpoint) => endpoint.url);
  }

  it.each([
    ['http://[::127.0.0.1]:8080/hook', 'must not be a private, loopback or link-local address'],
    ['http://[::ffff:127.0.0.1]/hook', 'must not be a private, loopback or link-local address'],
    ['http://[64:ff9b::a9fe:a9fe]/latest/meta-data', 'must not be a private, loopback or link-local address'],
    ['http://[2002:7f00:1::1]/hook', 'must not be a private, loopback or link-local address'],
    ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook', 'must not be a private, loopback or link-local address'],
    ['http://localhost./hook', 'must not be a private, loopback or link-local address'],
    ['http://LOCALHOST/hook', 'must not be a private, loopback or link-local address'],
    ['http://inside.example.test/hook', 'must not resolve to a private, loopback or link-local address'],
    ['http://mixed.example.test/hook', 'must not resolve to a private, loopback or link-local address'],
  ])('refuses %s when it is added, and adds nothing', async (url, reason) => {
    const answer = await executeRaw(app, CREATE, { input: { url, events: ['VERIFICATION_APPROVED'] } });
    expect(answer.body.data?.createWebhookEndpoint).toEqual({ __typename: 'WebhookUrlRefusedError', reason });
    expect(await endpointUrls()).not.toContain(new URL(url).toString());
  });

  it('accepts a name that does not resolve yet: it is judged when sent to', async () => {
    const answer = await executeRaw(app, CREATE, { input: { url: 'http://later.example.test/hook', events: ['FACTOR_ADDED'] } });
    expect(answer.body.data?.createWebhookEndpoint).toMatchObject({ __typename: 'WebhookEndpointWithSecret' });
  });

  it('refuses at send time a name that now answers an inside address (DNS rebinding), without naming that address', async () => {
    const port = new URL(receiver.url).port;
    dns.answers.set('rebind.example.test', ['93.184.216.34']);
    const created = await executeRaw(app, CREATE, { input: { url: `http://rebind.example.test:${port}/hook`, events: ['VERIFICATION_APPROVED'] } });
    const endpointId = (created.body.data?.createWebhookEndpoint as { endpoint: { id: string } }).endpoint.id;
    dns.answers.set('rebind.example.test', ['127.0.0.1']);

    const username = await createUser(app);
    const { code } = await requestCode(app, username);
    expect((await submitCode(app, username, code)).statusCode).toBe(200);

    type Delivery = { attempts: number; lastError: string | null; history: { error: string | null }[] };
    let delivery: Delivery | undefined;
    for (const deadline = Date.now() + 15_000; !delivery && Date.now() < deadline; await sleep(50)) {
      const listed = await executeRaw(app, DELIVERIES, { id: endpointId });
      delivery = (listed.body.data?.webhookDeliveries as { edges: { node: Delivery }[] }).edges.map((edge) => edge.node).find((row) => row.attempts > 0);
    }
    if (!delivery) throw new Error('no attempt was recorded');
    expect(delivery.lastError).toMatch(/the address of rebind\.example\.test is refused: it is private, loopback or link-local/);
    expect(JSON.stringify(delivery)).not.toContain('127.0.0.1');
    expect(receiver.received).toHaveLength(0);
  });
});

describe('the connection goes to the address that was checked', () => {
  it('dials what the one lookup answered, for a name no other resolver knows; refuses it when it is inside and the guard is on', async () => {
    const receiver = await startReceiver();
    const dns = playedDns();
    try {
      dns.answers.set('hooks.example.test', ['127.0.0.1']);
      const url = receiver.url.replace('127.0.0.1', 'hooks.example.test');
      // the test setting that lets the tests' own receivers on loopback be reached
      const answer = await postWebhook(url, {}, '{}', { timeoutMs: 5_000, allowPrivateNetworks: true, resolver: dns.resolver });
      expect(answer.status).toBe(500);
      expect(receiver.received).toHaveLength(1);
      expect(dns.asked).toEqual(['hooks.example.test']);

      // one public and one inside answer: refused, whichever the connection would have taken
      dns.answers.set('other.example.test', ['8.8.8.8', '::ffff:7f00:1']);
      const refused = postWebhook(url.replace('hooks.', 'other.'), {}, '{}', { timeoutMs: 5_000, allowPrivateNetworks: false, resolver: dns.resolver });
      await expect(refused).rejects.toThrow('the address of other.example.test is refused');
      await expect(refused).rejects.not.toThrow(/7f00|127\.0\.0\.1/);
      expect(receiver.received).toHaveLength(1);

      // an address literal is dialled without a lookup: judged before the request all the same
      for (const literal of ['[::ffff:127.0.0.1]', '[::127.0.0.1]', '127.0.0.1']) {
        await expect(
          postWebhook(receiver.url.replace('127.0.0.1', literal), {}, '{}', { timeoutMs: 5_000, allowPrivateNetworks: false, resolver: dns.resolver }),
        ).rejects.toThrow('is refused: it is private, loopback or link-local');
      }
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
