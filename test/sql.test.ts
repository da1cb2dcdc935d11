// The hot path's statements run on the driver (src/db/sql.ts), beside Prisma, on the same
// tables: each must read what the other wrote, exactly. Timestamps are the trap: SQLite
// compares them as text, so both must write the same format, and PostgreSQL's
// `timestamp(3)` holds UTC that a driver would otherwise read in the process's time zone.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { boolOf, dateOf, type SqlBool, type SqlDate } from '../src/db/sql.js';
import { uniqueName } from './support/app.js';
import { insertUser, openTestDatabase } from './support/db.js';

describe('hot-path SQL beside Prisma', () => {
  let database: Database;
  const originalTz = process.env.TZ;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());
  afterEach(() => {
    if (originalTz === undefined) delete process.env.TZ;
    else process.env.TZ = originalTz;
  });

  const newUser = (username?: string) => insertUser(database, username);

  it('reads the timestamps Prisma wrote, to the millisecond, in a process far from UTC', async () => {
    process.env.TZ = 'Pacific/Auckland';
    const lockedUntil = new Date('2031-02-03T04:05:06.789Z');
    const user = await database.db.user.update({ where: { id: (await newUser()).id }, data: { lockedUntil } });
    const [row] = await database.sql.rows<{ locked_until: SqlDate | null }>`SELECT locked_until FROM users WHERE id = ${user.id}`;
    expect(dateOf(row?.locked_until ?? null)?.toISOString()).toBe(lockedUntil.toISOString());
  });

  it('writes timestamps Prisma reads back unchanged, in a process far from UTC', async () => {
    process.env.TZ = 'America/St_Johns';
    const user = await newUser();
    const lastSendAt = new Date('2030-07-08T09:10:11.012Z');
    expect(await database.sql.run`UPDATE users SET last_send_at = ${lastSendAt} WHERE id = ${user.id}`).toBe(1);
    const stored = await database.db.user.findUniqueOrThrow({ where: { id: user.id }, select: { lastSendAt: true } });
    expect(stored.lastSendAt?.toISOString()).toBe(lastSendAt.toISOString());
  });

  it('stores a timestamp exactly as Prisma stores it (SQLite compares them as text)', async () => {
    const at = new Date('2032-05-06T07:08:09.010Z');
    const [byPrisma, bySql] = [await newUser(), await newUser()];
    await database.db.user.update({ where: { id: byPrisma.id }, data: { lastSendAt: at } });
    await database.sql.run`UPDATE users SET last_send_at = ${at} WHERE id = ${bySql.id}`;
    const stored = async (id: number) => (await database.sql.rows<{ last_send_at: SqlDate }>`SELECT last_send_at FROM users WHERE id = ${id}`)[0];
    expect(await stored(bySql.id)).toEqual(await stored(byPrisma.id));
  });

  it('compares a timestamp parameter with a stored one in SQL to the millisecond', async () => {
    const lockedUntil = new Date('2029-12-31T23:59:59.500Z');
    const { id } = await database.db.user.update({ where: { id: (await newUser()).id }, data: { lockedUntil } });
    const after = (at: Date) => database.sql.rows<{ id: number }>`SELECT id FROM users WHERE id = ${id} AND locked_until > ${at}`;
    expect(await after(new Date(lockedUntil.getTime() - 1))).toEqual([{ id }]);
    expect(await after(lockedUntil)).toEqual([]);
  });

  it('reads and writes booleans as Prisma does', async () => {
    const user = await newUser();
    await database.db.user.update({ where: { id: user.id }, data: { otpEnabled: false } });
    const read = async () => {
      const [row] = await database.sql.rows<{ otp_enabled: SqlBool }>`SELECT otp_enabled FROM users WHERE id = ${user.id}`;
      return row && boolOf(row.otp_enabled);
    };
    expect(await read()).toBe(false);
    await database.sql.run`UPDATE users SET otp_enabled = ${true} WHERE id = ${user.id}`;
    expect(await read()).toBe(true);
    expect((await database.db.user.findUniqueOrThrow({ where: { id: user.id } })).otpEnabled).toBe(true);
  });

  it('sends values as parameters, never as SQL', async () => {
    const username = `${uniqueName('sql')}'; DELETE FROM users; --`;
    const user = await newUser(username);
    const rows = await database.sql.rows<{ id: number }>`SELECT id FROM users WHERE username = ${username}`;
    expect(rows).toEqual([{ id: user.id }]);
    expect(await database.db.user.count()).toBeGreaterThan(0);
  });

  it('runs one statement many times with different values (prepared once per call site)', async () => {
    const users = await Promise.all([newUser(), newUser(), newUser()]);
    const idOf = async (username: string) => (await database.sql.rows<{ id: number }>`SELECT id FROM users WHERE username = ${username}`)[0]?.id;
    expect(await Promise.all(users.map((user) => idOf(user.username)))).toEqual(users.map((user) => user.id));
  });
});
