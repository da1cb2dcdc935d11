// SQLite allows one writer. Prisma's transactions hold the write lock across awaits, while
// the hot path's connection (src/db/sql.ts) runs synchronously: a write there that waited
// inside the driver would stop the event loop with the lock holder unable to finish. It
// must instead wait between tries, let the transaction commit, and then land.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { isDatabaseUnavailable } from '../../src/http/error-reply.js';
import { testEnv, uniqueName } from '../support/app.js';
import { openTestDatabase } from '../support/db.js';
import { sleep } from '../support/net.js';

describe('a hot-path write while a Prisma transaction holds the lock', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  const newUser = () => {
    const username = uniqueName('busy');
    return database.db.user.create({ data: { username, email: `${username}@example.com` } });
  };

  /** Holds the write lock in a Prisma transaction for `holdMs`, with the event loop free. */
  async function holdWriteLock(db: Database['db'], userId: number, holdMs: number) {
    await db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: userId }, data: { locale: 'de' } });
      await sleep(holdMs);
    });
  }

  it('waits without blocking the event loop, and lands after the commit', async () => {
    const [holder, other] = [await newUser(), await newUser()];
    const events: string[] = [];
    const transaction = holdWriteLock(database.db, holder.id, 200).then(() => events.push('committed'));
    await sleep(30);
    const ticks = setInterval(() => events.push('tick'), 20);
    const write = database.sql.run`UPDATE users SET failed_verifications = 3 WHERE id = ${other.id}`.then((changes) => {
      events.push('written');
      return changes;
    });
    const [changes] = await Promise.all([write, transaction]);
    clearInterval(ticks);
    expect(changes).toBe(1);
    expect(events.indexOf('written')).toBeGreaterThan(events.indexOf('committed'));
    // timers ran while the write waited: the event loop was never stopped
    expect(events.slice(0, events.indexOf('committed')).filter((e) => e === 'tick').length).toBeGreaterThanOrEqual(3);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: other.id } })).failedVerifications).toBe(3);
  });

  it('gives up after the busy timeout with an error that reads as "database unavailable"', async () => {
    const impatient = createDatabase({ ...parseConfig(testEnv()).database, sqliteBusyTimeoutMs: 50 });
    await impatient.init();
    try {
      const [holder, other] = [await newUser(), await newUser()];
      const transaction = holdWriteLock(database.db, holder.id, 400);
      await sleep(30);
      const error: unknown = await impatient.sql.run`UPDATE users SET failed_verifications = 1 WHERE id = ${other.id}`.then(
        () => null,
        (e: unknown) => e,
      );
      await transaction;
      expect(error).toMatchObject({ code: 'SQLITE_BUSY' });
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect((await database.db.user.findUniqueOrThrow({ where: { id: other.id } })).failedVerifications).toBe(0);
    } finally {
      await impatient.close();
    }
  });
});
