// PostgreSQL's writes of one turn of the event loop go out as one pipeline (src/db/postgres-batch.ts):
// one round trip, one transaction, one commit. A group must behave as if each write had run
// alone: each caller gets its own rows and count, and a write that fails fails alone while the
// others of its group are committed.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresSql } from '../../src/db/postgres-sql.js';
import type { Sql } from '../../src/db/sql.js';
import { uniqueName } from '../support/app.js';

describe('write groups on PostgreSQL', () => {
  let admin: pg.Client;
  let pool: pg.Pool;
  /** Sync messages the pool's connections sent: one per round trip of the extended protocol */
  let syncs = 0;
  let checkouts = 0;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
  });
  afterAll(() => admin.end());
  afterEach(() => pool.end());

  function executor(options: { namedStatements?: boolean; onSentAgain?: (sqlstate: string) => void } = {}, max = 4): Sql {
    pool = new pg.Pool({ connectionString: inject('databaseUrl'), max });
    syncs = 0;
    checkouts = 0;
    pool.on('connect', (client) => {
      const connection = (client as unknown as { connection: { sync(): void } }).connection;
      const sync = connection.sync.bind(connection);
      connection.sync = () => {
        syncs++;
        sync();
      };
    });
    pool.on('acquire', () => checkouts++);
    return createPostgresSql(pool, options);
  }

  async function users(count: number): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const { rows } = await admin.query<{ id: number }>(
        `INSERT INTO users (username, delivery_method, locale, otp_enabled, updated_at) VALUES ($1, 'EMAIL', 'en', true, now()) RETURNING id`,
        [uniqueName('group')],
      );
      ids.push(rows[0]?.id ?? 0);
    }
    return ids;
  }

  /** each user's count, in the order given: one query (the admin client runs one at a time) */
  const failuresOf = (ids: number[]) =>
    admin
      .query<{ id: number; n: number }>('SELECT id, failed_verifications AS n FROM users WHERE id = ANY($1::int[])', [ids])
      .then(({ rows }) => ids.map((id) => rows.find((row) => row.id === id)?.n));
  const failures = (id: number) => failuresOf([id]).then(([n]) => n);

  /** a write that says which transaction it ran in */
  const guess = (sql: Sql, id: number) =>
    sql.rows<{ tx: string; n: number }>`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${id} RETURNING pg_current_xact_id()::text AS tx, failed_verifications AS n`;

  it.each([
    ['named statements', true],
    ['unnamed statements (PgBouncer)', false],
  ])('the writes asked for in one turn: one round trip, one transaction, each caller its own rows (%s)', async (_label, namedStatements) => {
    const sql = executor({ namedStatements });
    const ids = await users(6);
    const answers = await Promise.all(ids.map((id) => guess(sql, id)));
    expect(answers.map(([row]) => row?.n)).toEqual(ids.map(() => 1));
    expect(new Set(answers.map(([row]) => row?.tx)).size).toBe(1);
    expect(syncs).toBe(1);
    expect(checkouts).toBe(1);
    // the same writes a turn apart: a transaction each (what the check above tells apart)
    const apart = [];
    for (const id of ids.slice(0, 2)) apart.push(await guess(sql, id));
    expect(new Set(apart.map(([row]) => row?.tx)).size).toBe(2);
    expect(syncs).toBe(3);
  });

  it('two writes to one row in one group run in order: the second sees the first', async () => {
    const sql = executor();
    const [id = 0] = await users(1);
    const answers = await Promise.all([guess(sql, id), guess(sql, id), guess(sql, id)]);
    expect(answers.map(([row]) => row?.n)).toEqual([1, 2, 3]);
    expect(await failures(id)).toBe(3);
  });

  it('a write that fails fails alone: the others of its group, an atomic set among them, are committed', async () => {
    const sql = executor();
    const [a = 0, b = 0, c = 0, d = 0] = await users(4);
    const { rows } = await admin.query<{ username: string }>('SELECT username FROM users WHERE id = $1', [a]);
    const taken = rows[0]?.username ?? '';
    const first = guess(sql, a);
    const duplicate = sql.run`INSERT INTO users (username, delivery_method, locale, otp_enabled, updated_at) VALUES (${taken}, 'EMAIL', 'en', ${true}, ${new Date()})`;
    const after = guess(sql, b);
    const set = sql.atomic([
      sql.statement`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${c}`,
      sql.statement`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${d}`,
    ]);
    await expect(duplicate).rejects.toMatchObject({ code: '23505' });
    const [[firstRow], [afterRow], counts] = await Promise.all([first, after, set]);
    expect(counts).toEqual([1, 1]);
    // counted once each: the group's aborted transaction wrote nothing, the group sent again did
    expect([firstRow?.n, afterRow?.n]).toEqual([1, 1]);
    expect(await failuresOf([a, b, c, d])).toEqual([1, 1, 1, 1]);
    // the others were committed together, in the group sent after the failure
    expect(firstRow?.tx).toBe(afterRow?.tx);
    expect(syncs).toBe(2);
  });

  it('an atomic set with a failing statement fails whole inside a group; the writes beside it commit', async () => {
    const sql = executor();
    const [a = 0, b = 0] = await users(2);
    const set = sql.atomic([
      sql.statement`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${a}`,
      sql.statement`UPDATE users SET failed_verifications = ${'not a number'} WHERE id = ${a}`,
    ]);
    const beside = guess(sql, b);
    await expect(set).rejects.toMatchObject({ code: '22P02' });
    expect((await beside)[0]?.n).toBe(1);
    expect(await failuresOf([a, b])).toEqual([0, 1]);
  });

  it("two groups in flight that lock the same two users take them in one order: no deadlock, nothing sent again", async () => {
    const sentAgain: string[] = [];
    const sql = executor({ onSentAgain: (sqlstate) => sentAgain.push(sqlstate) });
    const [a = 0, b = 0] = await users(2);
    // each write holds its user's row for a while, so the second group starts while the first
    // holds its first user: asked for in opposite orders, the two groups would each hold one
    // user and wait for the other until PostgreSQL aborted one (after deadlock_timeout, 1 s)
    const slowGuess = (key: string, id: number) =>
      sql.forUser(key).rows<{ tx: string }>`UPDATE users SET failed_verifications = failed_verifications + 1 WHERE id = ${id} RETURNING pg_current_xact_id()::text AS tx, pg_sleep(0.2)::text AS slept`;
    const first = Promise.all([slowGuess('b', b), slowGuess('a', a)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = Promise.all([slowGuess('a', a), slowGuess('b', b)]);
    const [[[firstB], [firstA]], [[secondA], [secondB]]] = await Promise.all([first, second]);
    expect(sentAgain).toEqual([]);
    expect(await failuresOf([a, b])).toEqual([2, 2]);
    // two groups of two writes each
    expect(firstA?.tx).toBe(firstB?.tx);
    expect(secondA?.tx).toBe(secondB?.tx);
    expect(firstA?.tx).not.toBe(secondA?.tx);
  });

  it('a read and a later group on the same connection share its prepared statements', async () => {
    const sql = executor({}, 1);
    const [id = 0] = await users(1);
    for (let round = 1; round <= 3; round++) {
      const [[row], [read]] = await Promise.all([guess(sql, id), sql.rows<{ n: number }>`SELECT failed_verifications AS n FROM users WHERE id = ${id}`]);
      expect(row?.n).toBe(round);
      expect(read?.n).toBeGreaterThanOrEqual(round - 1);
    }
  });
});
