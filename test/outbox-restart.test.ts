// At-least-once: an event committed with its change is delivered even when the process that
// committed it is killed before sending it. The first process runs without a dispatcher
// (OUTBOX_DISPATCHER=false), so the commit is certain and the send certainly never happened;
// it is then killed (SIGKILL), and a new process delivers on start.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startServiceProcess, type ServiceProcess } from './support/service-process.js';
import { startReceiver, until } from './support/webhooks.js';
import { uniqueName } from './support/app.js';

async function graphql(service: ServiceProcess, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return (await response.json()) as { data: Record<string, Record<string, unknown>> };
}

describe('a process killed between the commit and the send', () => {
  const started: ServiceProcess[] = [];
  afterAll(async () => {
    for (const service of started) if (!service.exited) await service.kill();
  });

  it('delivers the event once a process runs again', async () => {
    const receiver = await startReceiver();
    const env = { DATABASE_URL: inject('databaseUrl'), OUTBOX_POLL_INTERVAL_MS: '50' };
    const first = await startServiceProcess({ env: { ...env, OUTBOX_DISPATCHER: 'false' } });
    started.push(first);
    const created = await graphql(first, `mutation ($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { ... on WebhookEndpointWithSecret { secret endpoint { id } } } }`, {
      input: { url: receiver.url, events: ['FACTOR_ADDED'] },
    });
    const { secret, endpoint } = created.data.createWebhookEndpoint as { secret: string; endpoint: { id: string } };
    receiver.setSecret(secret);
    const username = uniqueName('killed');
    await graphql(first, `mutation ($input: CreateUserInput!) { createUser(input: $input) { __typename } }`, { input: { username, email: `${username}@example.com` } });
    const generated = await graphql(first, `mutation ($username: String!) { generateRecoveryCodes(username: $username) { __typename } }`, { username });
    expect(generated.data.generateRecoveryCodes).toMatchObject({ __typename: expect.stringMatching(/RecoveryCodes|Success/) as unknown });

    await first.kill();
    expect(receiver.about(username)).toHaveLength(0);

    const second = await startServiceProcess({ env });
    started.push(second);
    const delivered = await until(() => receiver.about(username).find((r) => r.status === 200), 20_000);
    expect(delivered.verified).toBe(true);
    expect(JSON.parse(delivered.body)).toMatchObject({ type: 'factor.added', data: { username, method: 'recovery_codes' } });
    await graphql(second, `mutation ($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename } }`, { id: endpoint.id });
    await second.stop();
    await receiver.close();
  });
});
