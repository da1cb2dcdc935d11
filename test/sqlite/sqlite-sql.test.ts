// The hot path's SQLite connection (src/db/sqlite-sql.ts) commits the writes of one turn of
// the event loop together. Each caller must still see its own write as if it had committed
// alone: acknowledged only once durable, failing alone on its own error, and never
// acknowledged when the group's transaction is lost.
//
// SQLite allows one writer. Prisma's transactions hold the write lock across awaits, while
// this connection runs synchronously: a write that waited inside the driver would stop the
// event loop with the lock holder unable to finish. It must instead wait, let the transaction
// commit, and then land: behind the transaction on the same connection (Prisma's statements
// share it, src/db/sqlite-adapter.ts), between tries against another connection's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { isDatabaseUnavailable } from '../../src/http/error-reply.js';
import { testEnv } from '../support/app.js';
import { insertUser, openTestDatabase } from '../support/db.js';
import { sleep } from '../support/net.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

const newUser = () => insertUser(database);

describe('writes committed in groups', () => {
  const failedCount = async (id: number) => (await database.db.user.findUniqueOrThrow({ where: { id } })).failedVerifications;

  it('acknowledges each write of a group with its own result, once committed', async () => {
    const users = [await newUser(), await newUser(), await newUser()];
    const writes = users.map((user, i) => database.sql.run`UPDATE users SET failed_verifications = ${i + 1} WHERE id = ${user.id}`);
    const missing = database.sql.run`UPDATE users SET failed_verifications = 9 WHERE id = ${-1}`;
    expect(await Promise.all([...writes, missing])).toEqual([1, 1, 1, 0]);
    // read back through Prisma
    expect(await Promise.all(users.map((user) => failedCount(user.id)))).toEqual([1, 2, 3]);
  });

  it('fails a write alone when its own statement fails, and commits the rest of its group', async () => {
    const [taken, other] = [await newUser(), await newUser()];
    const before = database.sql.run`UPDATE users SET failed_verifications = 4 WHERE id = ${taken.id}`;
    const duplicate = database.sql.run`INSERT INTO users (username, delivery_method, locale, otp_enabled, failed_verifications, created_at, updated_at)
      VALUES (${taken.username}, 'EMAIL', 'en', ${true}, 0, ${new Date()}, ${new Date()})`;
    const after = database.sql.rows<{ id: number }>`UPDATE users SET failed_verifications = 5 WHERE id = ${other.id} RETURNING id`;
    const [first, second, third] = await Promise.allSettled([before, duplicate, after]);
    expect(first).toEqual({ status: 'fulfilled', value: 1 });
    expect(second).toMatchObject({ status: 'rejected', reason: { code: 'SQLITE_CONSTRAINT_UNIQUE' } });
    expect(third).toEqual({ status: 'fulfilled', value: [{ id: other.id }] });
    expect([await failedCount(taken.id), await failedCount(other.id)]).toEqual([4, 5]);
  });

  it('acknowledges none of a group whose transaction is lost, and keeps none of its writes', async () => {
    // a statement that ends the whole transaction, as an I/O error or a full disk can
    await database.sql.run`CREATE TEMP TABLE IF NOT EXISTS doomed (v TEXT)`;
    await database.sql.run`CREATE TEMP TRIGGER IF NOT EXISTS doom BEFORE INSERT ON doomed BEGIN SELECT RAISE(ROLLBACK, 'the transaction is lost'); END`;
    const user = await newUser();
    const earlier = database.sql.run`UPDATE users SET failed_verifications = 6 WHERE id = ${user.id}`;
    const fatal = database.sql.run`INSERT INTO doomed (v) VALUES (${'x'})`;
    const later = database.sql.run`UPDATE users SET locale = 'de' WHERE id = ${user.id}`;
    const outcomes = await Promise.allSettled([earlier, fatal, later]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    const stored = await database.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect([stored.failedVerifications, stored.locale]).toEqual([0, 'en']);
    // the connection is usable afterwards
    expect(await database.sql.run`UPDATE users SET failed_verifications = 2 WHERE id = ${user.id}`).toBe(1);
  });
});

describe('a hot-path write while a Prisma transaction holds the lock', () => {

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

describe('a Prisma transaction on the one connection', () => {
  it('has the connection to itself: a hot-path read and write asked for meanwhile run after it, outside it', async () => {
    const [held, other] = [await newUser(), await newUser()];
    let read: Promise<{ locale: string }[]> | undefined;
    let write: Promise<number> | undefined;
    const rolledBack = new Error('rolled back on purpose');
    const transaction = database.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: held.id }, data: { locale: 'de' } });
      read = database.sql.rows<{ locale: string }>`SELECT locale FROM users WHERE id = ${held.id}`;
      write = database.sql.run`UPDATE users SET failed_verifications = 7 WHERE id = ${other.id}`;
      // a statement of its own after them: on one connection they would have run by now, inside it
      await tx.user.findUniqueOrThrow({ where: { id: other.id } });
      throw rolledBack;
    });
    await expect(transaction).rejects.toBe(rolledBack);
    // the read never saw the uncommitted change, and the write was not rolled back with the transaction
    expect(await read).toEqual([{ locale: 'en' }]);
    expect(await write).toBe(1);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: other.id } })).failedVerifications).toBe(7);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: held.id } })).locale).toBe('en');
  });

  it('commits its writes with Prisma reading back what it wrote, integers and timestamps as Prisma stored them', async () => {
    const user = await newUser();
    const at = new Date('2026-03-04T05:06:07.089Z');
    const updated = await database.db.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { totpEnabledAt: at, totpLastStep: 2_000_000_123 } });
      return tx.user.findUniqueOrThrow({ where: { id: user.id } });
    });
    expect([updated.totpEnabledAt, updated.totpLastStep]).toEqual([at, 2_000_000_123]);
    const [row] = await database.sql.rows<{ totp_enabled_at: string }>`SELECT totp_enabled_at FROM users WHERE id = ${user.id}`;
    expect(row?.totp_enabled_at).toBe('2026-03-04T05:06:07.089+00:00');
  });
});
