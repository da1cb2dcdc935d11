// This service is a subgraph of the FountainAI supergraph: a real gateway (the Hive gateway
// runtime) composes it with another subgraph that extends `User`, and one query reads fields
// from both, over real HTTP to each. The gateway calls this service as production requires,
// with its own caller token, anonymous callers off.
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, uniqueName, type TestApp } from './support/app.js';
import { bearer, callerToken, executeAs } from './support/callers.js';
import { createUser, DEFAULT_EMAIL } from './support/flows.js';
import { execute, executeRaw, expectType } from './support/graphql.js';
import { startProfilesSubgraph, profilesTypeDefs, type ProfilesSubgraph } from './support/profiles-subgraph.js';
import { CreateUserDocument, UserDocument } from './generated/graphql.js';

interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function postGraphQL(url: string, headers: Record<string, string>, query: string): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as GraphQLResponse;
}

describe('User as a federation entity, on this service alone', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('answers _service { sdl } with both keys of User', async () => {
    const { body } = await executeRaw(app, '{ _service { sdl } }');
    const sdl = (body.data?._service as { sdl: string }).sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])');
    expect(sdl).toMatch(/type User implements Node\s+@key\(fields: "id"\)\s+@key\(fields: "username"\)/);
  });

  it('resolves _entities by id and by username, null for one that names no user', async () => {
    const username = await createUser(app);
    const { user } = await execute(app, UserDocument, { username });
    const { body } = await executeRaw(
      app,
      `query ($representations: [_Any!]!) {
        _entities(representations: $representations) { __typename ... on User { id username email } }
      }`,
      {
        representations: [
          { __typename: 'User', id: user?.id },
          { __typename: 'User', username },
          { __typename: 'User', username: `${username}-nobody` },
          { __typename: 'User', id: 'not-a-global-id' },
        ],
      },
    );
    expect(body.errors).toBeUndefined();
    const found = { __typename: 'User', id: user?.id, username, email: 'alice@example.com' };
    expect(body.data?._entities).toEqual([found, found, null, null]);
  });
});

describe('a supergraph of this service and a profiles subgraph, through the Hive gateway', () => {
  let app: TestApp | undefined;
  let profiles: ProfilesSubgraph | undefined;
  let gateway: GatewayRuntime | undefined;
  let twofaUrl: string;
  let supergraphSdl: string;
  const users: { id: string; username: string; displayName: string }[] = [];

  beforeAll(async () => {
    const twofa = await createTestApp({ ALLOW_ANONYMOUS_CALLERS: 'false' });
    app = twofa;
    twofaUrl = `${await twofa.listen({ port: 0, host: '127.0.0.1' })}/graphql`;
    // What the gateway reads here needs users:read, as any caller's reads of users do.
    const gatewayToken = bearer(await callerToken({ sub: 'gateway', scope: 'users:read' }));
    const admin = bearer(await callerToken());
    for (const displayName of ['Ada Lovelace', 'Grace Hopper']) {
      const { createUser: created } = await executeAs(twofa, admin, CreateUserDocument, {
        input: { username: uniqueName(), email: DEFAULT_EMAIL },
      });
      const { id, username } = expectType(created, 'User');
      users.push({ id, username, displayName });
    }
    profiles = await startProfilesSubgraph(new Map(users.map((user) => [user.id, user.displayName])));

    // Composed from what each subgraph says about itself over HTTP, as a schema registry would.
    const service = await postGraphQL(twofaUrl, gatewayToken, '{ _service { sdl } }');
    const composition = composeServices([
      { name: 'twofa', typeDefs: parse((service.data?._service as { sdl: string }).sdl), url: twofaUrl },
      { name: 'profiles', typeDefs: profilesTypeDefs, url: profiles.url },
    ]);
    expect(composition.errors ?? []).toEqual([]);
    if (!composition.supergraphSdl) throw new Error('no supergraph');
    supergraphSdl = composition.supergraphSdl;
    gateway = createGatewayRuntime({
      supergraph: supergraphSdl,
      logging: false,
      // The gateway's own token, on every request it sends this subgraph, whoever its client is.
      propagateHeaders: { fromClientToSubgraphs: ({ subgraphName }) => (subgraphName === 'twofa' ? gatewayToken : undefined) },
    });
  });

  afterAll(async () => {
    // The gateway keeps connections and timers until it is disposed: dispose it first.
    await gateway?.[Symbol.asyncDispose]();
    await profiles?.close();
    await app?.close();
  });

  /** Sends a query to the gateway in-process; the gateway reaches both subgraphs over HTTP. */
  async function throughGateway(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
    if (!gateway) throw new Error('the gateway did not start');
    const response = await gateway.fetch('http://gateway.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse;
  }

  it('composes User from both subgraphs, with this one resolvable by id and by username', () => {
    expect(supergraphSdl).toContain('@join__type(graph: TWOFA, key: "id")');
    expect(supergraphSdl).toContain('@join__type(graph: TWOFA, key: "username")');
    expect(supergraphSdl).toContain('@join__type(graph: PROFILES, key: "id")');
  });

  it('answers a query that starts here and ends in the profiles subgraph', async () => {
    const [ada] = users;
    const body = await throughGateway(
      'query ($username: String!) { user(username: $username) { id username email displayName } }',
      { username: ada?.username },
    );
    expect(body).toEqual({
      data: { user: { id: ada?.id, username: ada?.username, email: 'alice@example.com', displayName: 'Ada Lovelace' } },
    });
  });

  it('answers a query that starts in the profiles subgraph and fetches its users from here by id', async () => {
    const body = await throughGateway('{ featuredUsers { displayName username otpEnabled } }');
    expect(body).toEqual({
      data: { featuredUsers: users.map(({ displayName, username }) => ({ displayName, username, otpEnabled: true })) },
    });
  });
});
