/**
 * The life of a result-token signing key. The attack a careless rotation opens: either tokens
 * issued just before it stop verifying (users bounced at the worst moment), or a retired key
 * stays trusted for ever. Here: the first instances to start, even together, create exactly one
 * key; `keys:rotate-signing` makes a new one active (every instance signs with it within
 * KEY_REFRESH_SECONDS); tokens of the old key keep verifying against the JWKS until they
 * expire, and the old key leaves the JWKS once no token it signed can be valid.
 */
import { decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyResultToken } from '../src/verification/result-token.js';
import { runCli } from '../src/cli/cli.js';
import { KEY_REFRESH_SECONDS } from '../src/tokens/signing-keys.js';
import { createTestApp, ManualClock, TEST_ENCRYPTION_KEY, TEST_SECRET, type TestApp } from './support/app.js';
import { createUser, requestCode, submitCode } from './support/flows.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { fetchJwks } from './support/result-tokens.js';

const TTL_SECONDS = 300;

async function verifiedToken(app: TestApp): Promise<string> {
  const username = await createUser(app);
  const { code } = await requestCode(app, username);
  const response = await submitCode(app, username, code);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ token: string }>().token;
}

const kidsOf = (jwks: JSONWebKeySet) => jwks.keys.map((key) => key.kid);

async function cli(databaseUrl: string, ...args: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, { DATABASE_URL: databaseUrl, SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, NODE_ENV: 'test' });
  const lines: string[] = [];
  try {
    const code = await runCli(args, (line) => lines.push(line), (line) => lines.push(line));
    return { code, output: lines.join('\n') };
  } finally {
    process.env = saved;
  }
}

describe('signing keys on a database of their own', () => {
  let database: PrivateDatabase;
  const apps: TestApp[] = [];
  const clock = new ManualClock();
  beforeAll(async () => {
    database = await createPrivateDatabase('signing-keys');
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await database.drop();
  });

  it('two instances starting at once end with one active key, and sign with it', async () => {
    apps.push(...(await Promise.all([1, 2].map(() => createTestApp({ DATABASE_URL: database.url }, { clock })))));
    const [a, b] = apps;
    if (!a || !b) throw new Error('two apps expected');
    const jwks = await fetchJwks(a);
    expect(jwks.keys).toHaveLength(1);
    expect(await fetchJwks(b)).toEqual(jwks);
    for (const app of [a, b]) expect(decodeProtectedHeader(await verifiedToken(app)).kid).toBe(jwks.keys[0]?.kid);
  });

  it('keys:rotate-signing: earlier tokens verify until they expire; the old key leaves the JWKS after that', async () => {
    const [app] = apps;
    if (!app) throw new Error('the app of the first test is needed');
    const before = await verifiedToken(app);
    const oldKid = decodeProtectedHeader(before).kid;

    const rotated = await cli(database.url, 'keys:rotate-signing');
    expect(rotated, rotated.output).toMatchObject({ code: 0, output: expect.stringContaining(`Retired: ${String(oldKid)}`) as unknown });
    const both = await fetchJwks(app);
    expect(kidsOf(both)).toHaveLength(2);
    expect(kidsOf(both)).toContain(oldKid);
    const newKid = kidsOf(both).find((kid) => kid !== oldKid);

    // Until the instance reads the active key again, it may still sign with the old one: published, so valid.
    clock.advance((KEY_REFRESH_SECONDS + 1) * 1000);
    const after = await verifiedToken(app);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const jwks = await fetchJwks(app);
    await expect(verifyResultToken(before, { jwks }, { currentDate: clock.now() })).resolves.toMatchObject({ methods: ['otp', 'email'] });
    await expect(verifyResultToken(after, { jwks }, { currentDate: clock.now() })).resolves.toMatchObject({ methods: ['otp', 'email'] });

    // Once every token the old key can have signed has expired (rotation + refresh + TTL + 30 s
    // of skew; this clock started a few seconds before the rotation), it is published no more.
    clock.advance((TTL_SECONDS + 30 + 60) * 1000);
    expect(kidsOf(await fetchJwks(app))).toEqual([newKid]);
    await expect(verifyResultToken(before, { jwks: await fetchJwks(app) }, { currentDate: clock.now() })).rejects.toThrow();
  });
});
