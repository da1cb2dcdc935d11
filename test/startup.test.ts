// From trying the service to running it: a database first served by `npm start` (no
// ENCRYPTION_KEY, so its result-token signing key is sealed under the process's development key)
// must start once keys are set, in production too; a key sealed under another configured key
// must stop production with the way out in the message; and a start that fails (port in use)
// must leave the database exactly as it found it.
import { createServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/cli.js';
import { parseConfig } from '../src/config/config.js';
import { createDatabase, type Database } from '../src/db/client.js';
import { SigningKeyUnreadableError } from '../src/tokens/signing-keys.js';
import { createTestApp, TEST_ENCRYPTION_KEY, TEST_SECRET } from './support/app.js';
import { createPrivateDatabase, type PrivateDatabase } from './support/private-database.js';
import { freePort, startServiceProcess, type ServiceProcess } from './support/service-process.js';

/** Every signing-key row, as stored. */
function signingKeys(database: Database) {
  return database.db.signingKey.findMany({ orderBy: { kid: 'asc' } });
}

/** Serves the database once the way `npm start` does without ENCRYPTION_KEY (or with `encryptionKey`), leaving its signing key behind. */
async function serveOnce(url: string, encryptionKey = '') {
  const app = await createTestApp({ DATABASE_URL: url, ENCRYPTION_KEY: encryptionKey, NODE_ENV: 'development' });
  await app.close();
}

/** A TCP port held by something else: connections are accepted and dropped. */
async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const port = await freePort();
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { port, server };
}

/** What production needs, with this run's fixed keys. */
const production = (url: string) => ({ DATABASE_URL: url, NODE_ENV: 'production', SECRET_KEY: TEST_SECRET, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY });

describe('start-up, from trying it to running it', { timeout: 120_000 }, () => {
  let privateDb: PrivateDatabase;
  let database: Database;
  const services: ServiceProcess[] = [];

  beforeEach(async () => {
    // A database of its own: the test counts every signing-key row.
    privateDb = await createPrivateDatabase('startup');
    database = createDatabase(parseConfig({ DATABASE_URL: privateDb.url }).database);
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((service) => service.stop()));
    await database.close();
    await privateDb.drop();
  });

  it('a start on a port in use exits naming PORT and writes nothing; on a free port it replaces the development-sealed key, in production', async () => {
    await serveOnce(privateDb.url);
    const before = await signingKeys(database);
    expect(before).toHaveLength(1);
    expect(before[0]?.privateKey).toMatch(/^v1\.ephemeral\./);

    const { port, server } = await occupiedPort();
    try {
      // Outside production, where a start used to replace the key before finding the port taken.
      const failed = await startServiceProcess({ env: { DATABASE_URL: privateDb.url }, port, startTimeoutMs: 60_000 }).then(
        async (service) => {
          services.push(service);
          throw new Error('the service started on a port in use');
        },
        (error: unknown) => (error as Error).message,
      );
      expect(failed).toContain(`Failed to start: port ${String(port)} is already in use on 127.0.0.1: set PORT to another port`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await signingKeys(database)).toEqual(before);

    const service = await startServiceProcess({ env: production(privateDb.url), startTimeoutMs: 60_000 });
    services.push(service);
    expect(service.output()).toContain('sealed under a development ENCRYPTION_KEY');
    const after = await signingKeys(database);
    const active = after.filter((key) => key.activeFor !== null);
    expect(active).toHaveLength(1);
    expect(active[0]?.privateKey).toMatch(/^v1\.test\./);
    // The development key is retired, not deleted: tokens it signed stay checkable until they expire.
    expect(after.find((key) => key.kid === before[0]?.kid)).toMatchObject({ activeFor: null, privateKey: '' });
    const jwks = (await (await fetch(`${service.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((key) => key.kid)).toContain(active[0]?.kid);
  });

  it('a key sealed under another configured key stops production, naming ENCRYPTION_KEY and keys:rotate-signing, which is the way out', async () => {
    const other = `other:${Buffer.alloc(32, 5).toString('base64')}`;
    await serveOnce(privateDb.url, other);
    const before = await signingKeys(database);

    const refusal = await createTestApp(production(privateDb.url)).then(
      async (app) => {
        await app.close();
        throw new Error('production started with a key it cannot open');
      },
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(SigningKeyUnreadableError);
    const message = (refusal as Error).message;
    expect(message).toContain('ENCRYPTION_KEY with id "other"');
    expect(message).toContain('add that key to ENCRYPTION_KEY');
    expect(message).toContain('npm run cli -- keys:rotate-signing');
    expect(message).not.toContain(Buffer.alloc(32, 5).toString('base64'));
    expect(await signingKeys(database)).toEqual(before);

    // The way out the message names: a new signing key under this deployment's ENCRYPTION_KEY.
    const saved = { ...process.env };
    try {
      Object.assign(process.env, production(privateDb.url));
      const lines: string[] = [];
      expect(await runCli(['keys:rotate-signing'], (line) => lines.push(line))).toBe(0);
    } finally {
      process.env = saved;
    }
    const app = await createTestApp(production(privateDb.url));
    await app.close();
    const active = (await signingKeys(database)).filter((key) => key.activeFor !== null);
    expect(active).toHaveLength(1);
    expect(active[0]?.privateKey).toMatch(/^v1\.test\./);
  });
});
