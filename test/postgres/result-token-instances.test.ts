// Attack: a load balancer between the user and the checker. Instances of the service share one
// PostgreSQL database; if each made a signing key of its own, a checker that fetched the JWKS
// from one instance would refuse every token another signed. Two real service processes,
// started at once on an empty database (so both try to create the first key), must end with
// one active key: each signs with a key the other's JWKS lists, and each token checks against
// either JWKS with jose alone, over real HTTP.
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateDatabase, type PrivateDatabase } from '../support/private-database.js';
import { call, remoteCreateUser, remoteRequestCode, remoteVerify } from '../support/remote.js';
import { startServiceProcesses, type ServiceProcess } from '../support/service-process.js';

describe('two service processes on one PostgreSQL database', () => {
  const processes: ServiceProcess[] = [];
  let database: PrivateDatabase;

  beforeAll(async () => {
    database = await createPrivateDatabase('jwks_instances');
    const env = { DATABASE_URL: database.url, ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '1000000' };
    await startServiceProcesses({ env }, processes);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await database.drop();
  });

  async function tokenFrom(service: ServiceProcess): Promise<string> {
    const username = await remoteCreateUser(service.url);
    const code = await remoteRequestCode(service.url, username);
    const verified = await remoteVerify(service.url, username, code);
    expect(verified.status, verified.text).toBe(200);
    return (verified.body as { token: string }).token;
  }

  it('sign with one key that both JWKS list, and each token checks against the other instance’s JWKS', async () => {
    const [a, b] = processes;
    if (!a || !b) throw new Error('two service processes expected');
    const [jwksA, jwksB] = await Promise.all([a, b].map((service) => call<{ keys: { kid: string }[] }>(service.url, '/.well-known/jwks.json')));
    expect(jwksA?.body.keys).toHaveLength(1);
    expect(jwksB?.body).toEqual(jwksA?.body);

    const [fromA, fromB] = await Promise.all([tokenFrom(a), tokenFrom(b)]);
    for (const [token, other] of [[fromA, b], [fromB, a]] as const) {
      expect(jwksA?.body.keys.map((key) => key.kid)).toContain(decodeProtectedHeader(token).kid);
      const jwks = createRemoteJWKSet(new URL(`${other.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(token, jwks, { algorithms: ['ES256'], issuer: 'fountainai-2fa' });
      expect(payload.amr).toEqual(['otp', 'email']);
    }
  });
});
