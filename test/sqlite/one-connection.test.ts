// On SQLite the service opens its database file once: Prisma's statements (reads through
// Pothos, writes, interactive transactions) run on the hot path's connection
// (src/db/sqlite-adapter.ts), so one page cache, one file guard and one writer. A second
// connection coming back would show as a second descriptor on the file.
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { createTestApp, uniqueName, type TestApp } from '../support/app.js';
import { openTestDatabase } from '../support/db.js';
import { postGenerate } from '../support/flows.js';
import { executeRaw } from '../support/graphql.js';
import { createPrivateDatabase, type PrivateDatabase } from '../support/private-database.js';

/** The descriptors this process holds open on `path` itself (its -wal and -shm not counted). */
function descriptorsOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      // closed between the listing and the look
      return false;
    }
  }).length;
}

describe('one connection to the SQLite file', () => {
  let database: PrivateDatabase;
  let path: string;
  let served: Database;
  let app: TestApp;
  beforeAll(async () => {
    // a file of this test's own, which no other test file in this process opens
    database = await createPrivateDatabase('one-connection');
    path = database.url.replace(/^file:/, '');
    // the app's database given to it, so the test can use its Prisma client too
    served = await openTestDatabase(database.url);
    app = await createTestApp({ DATABASE_URL: database.url, ALLOW_ANONYMOUS_CALLERS: 'true', IP_RATE_LIMIT: '0' }, { database: served });
  });
  afterAll(async () => {
    await app.close();
    await served.close();
    await database.drop();
  });

  it('holds one descriptor on the file after Prisma reads and writes, a transaction and hot-path writes', async () => {
    const username = uniqueName('onefd');
    // Prisma: a write through a GraphQL mutation, a read through Pothos
    const created = await executeRaw(app, 'mutation($input: CreateUserInput!) { createUser(input: $input) { ... on User { username } } }', {
      input: { username, email: `${username}@example.com` },
    });
    expect(created.body.errors).toBeUndefined();
    const read = await executeRaw(app, 'query($u: String!) { user(username: $u) { username } }', { u: username });
    expect(read.body).toEqual({ data: { user: { username } } });
    // Prisma: an interactive transaction
    await served.db.$transaction(async (tx) => tx.user.update({ where: { username }, data: { locale: 'de' } }));
    // the hot path: a generate's writes through `sql`
    const generated = await postGenerate(app, username);
    expect(generated.statusCode, generated.body).toBe(200);
    expect(await app.inject({ method: 'GET', url: '/readyz' }).then((r) => r.statusCode)).toBe(200);

    expect(descriptorsOn(path)).toBe(1);
  });
});
