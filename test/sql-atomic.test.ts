// An event and the change that causes it commit together or not at all (src/db/sql.ts
// `atomic`): a set whose last statement fails leaves none of its writes behind, and, on
// SQLite, does not take down the other writes of its commit group.
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { insertUser, openTestDatabase } from './support/db.js';

describe('atomic statement sets', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(() => database.close());

  const lastSend = async (id: number) =>
    (await database.db.user.findUniqueOrThrow({ where: { id }, select: { lastSendAt: true } })).lastSendAt?.toISOString() ?? null;

  it('commits every statement of a set and reports each one\'s count', async () => {
    const [a, b] = [await insertUser(database), await insertUser(database)];
    const at = new Date('2031-01-01T00:00:00.000Z');
    const { sql } = database;
    const counts = await sql.atomic([
      sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${a.id}`,
      sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${b.id}`,
      sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${-1}`,
    ]);
    expect(counts).toEqual([1, 1, 0]);
    expect([await lastSend(a.id), await lastSend(b.id)]).toEqual([at.toISOString(), at.toISOString()]);
  });

  it('rolls the whole set back when one statement fails, leaving the writes beside it alone', async () => {
    const [a, b] = [await insertUser(database), await insertUser(database)];
    const at = new Date('2031-02-02T00:00:00.000Z');
    const { sql } = database;
    // both asked for in one turn of the event loop: on SQLite, one commit group
    const set = sql.atomic([
      sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${a.id}`,
      sql.statement`INSERT INTO users (username, delivery_method, locale, otp_enabled) VALUES (${a.username}, 'EMAIL', 'en', ${true})`,
    ]);
    const beside = sql.run`UPDATE users SET last_send_at = ${at} WHERE id = ${b.id}`;
    await expect(set).rejects.toThrow();
    expect(await beside).toBe(1);
    expect(await lastSend(a.id)).toBeNull();
    expect(await lastSend(b.id)).toBe(at.toISOString());
  });

  it('runs a unit that decides its next statement by what the last one did, and hands back its answer', async () => {
    const [a, b] = [await insertUser(database), await insertUser(database)];
    const at = new Date('2031-03-03T00:00:00.000Z');
    const { sql } = database;
    const setIfFound = (id: number) =>
      sql.unit(function* () {
        const found = yield sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${id} RETURNING username`;
        if (found.count !== 1) return null;
        yield sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${b.id}`;
        return found.rows;
      });
    expect(await setIfFound(-1)).toBeNull();
    expect(await lastSend(b.id)).toBeNull();
    expect(await setIfFound(a.id)).toEqual([{ username: a.username }]);
    expect([await lastSend(a.id), await lastSend(b.id)]).toEqual([at.toISOString(), at.toISOString()]);
  });

  it('rolls a unit back when its work throws after a write, leaving the writes beside it alone', async () => {
    const [a, b] = [await insertUser(database), await insertUser(database)];
    const at = new Date('2031-04-04T00:00:00.000Z');
    const { sql } = database;
    const unit = sql.unit(function* () {
      yield sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${a.id}`;
      throw new Error('changed its mind');
    });
    const beside = sql.run`UPDATE users SET last_send_at = ${at} WHERE id = ${b.id}`;
    await expect(unit).rejects.toThrow('changed its mind');
    expect(await beside).toBe(1);
    expect(await lastSend(a.id)).toBeNull();
    expect(await lastSend(b.id)).toBe(at.toISOString());
  });

  it('rolls a unit back when one of its statements fails', async () => {
    const a = await insertUser(database);
    const at = new Date('2031-05-05T00:00:00.000Z');
    const { sql } = database;
    const unit = sql.unit(function* () {
      yield sql.statement`UPDATE users SET last_send_at = ${at} WHERE id = ${a.id}`;
      yield sql.statement`INSERT INTO users (username, delivery_method, locale, otp_enabled) VALUES (${a.username}, 'EMAIL', 'en', ${true})`;
      return 'unreached';
    });
    await expect(unit).rejects.toThrow();
    expect(await lastSend(a.id)).toBeNull();
  });

  it('runs each unit\'s steps in its own caller\'s async context, even when units share a commit group', async () => {
    // what a step reads of its caller's context (the trace an event is stored with) must be its
    // caller's, not that of whichever caller's turn scheduled the group's commit
    const callers = new AsyncLocalStorage<string>();
    const { sql } = database;
    const user = await insertUser(database);
    const unitOf = (name: string) =>
      callers.run(name, () =>
        sql.unit(function* () {
          const before = callers.getStore();
          yield sql.statement`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${user.id}`;
          return [before, callers.getStore()];
        }),
      );
    // started in one turn: on SQLite one group, committed in a callback scheduled by the first
    expect(await Promise.all(['first', 'second', 'third'].map(unitOf))).toEqual([
      ['first', 'first'],
      ['second', 'second'],
      ['third', 'third'],
    ]);
  });
});
