// Two instances on one PostgreSQL database share the outbox: each pending delivery is claimed
// by one of them at a time (FOR UPDATE SKIP LOCKED, with a lease), so a burst of events
// reaches a receiver that always accepts exactly once each.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { securityEvent } from '../../src/events/events.js';
import { createOutboxStore } from '../../src/events/outbox.store.js';
import { openTestDatabase } from '../support/db.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { startReceiver, until } from '../support/webhooks.js';
import { uniqueName } from '../support/app.js';

describe('two instances, one outbox', () => {
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    for (const service of started) if (!service.exited) await service.stop();
  });

  it('deliver each event of a burst once', async () => {
    const receiver = await startReceiver();
    const env = { DATABASE_URL: inject('databaseUrl'), OUTBOX_POLL_INTERVAL_MS: '20' };
    const [a, b] = await Promise.all([startServiceProcess({ env }), startServiceProcess({ env })]);
    started.push(a, b);
    const response = await fetch(`${a.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ... on WebhookEndpointWithSecret { secret endpoint { id } } } }`,
        variables: { input: { url: receiver.url, events: ['DELIVERY_FAILED'] } },
      }),
    });
    const { data } = (await response.json()) as { data: { createWebhookEndpoint: { secret: string; endpoint: { id: string } } } };
    receiver.setSecret(data.createWebhookEndpoint.secret);

    const database = await openTestDatabase();
    const outbox = createOutboxStore(database);
    const prefix = uniqueName('burst');
    const count = 200;
    await Promise.all(
      Array.from({ length: count }, (_, i) => outbox.record([securityEvent('delivery.failed', null, { username: `${prefix}-${String(i)}`, channel: 'SMS', reason: 'DELIVERY_FAILED' }, new Date())])),
    );
    const ours = () => receiver.received.filter((r) => r.body.includes(prefix));
    await until(() => new Set(ours().map((r) => r.headers['webhook-id'])).size === count, 60_000);
    // A second copy, if a claim let one through, is sent before its instance stops: once both
    // have exited, everything either would send has arrived.
    await Promise.all([a.stop(), b.stop()]);
    const received = ours();
    expect(received.every((r) => r.verified && r.status === 200)).toBe(true);
    expect(received).toHaveLength(count);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(count);
    await database.db.webhookEndpoint.delete({ where: { id: Number(decodeGlobalID(data.createWebhookEndpoint.endpoint.id).id) } });
    await database.close();
    await receiver.close();
    // Two processes to start and stop and a burst of 200 to deliver: a loaded machine takes long.
  }, 120_000);
});
