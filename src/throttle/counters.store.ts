import { composeStatement, sqlText, type Sql, type SqlText } from '../db/sql.js';

const HOUR_MS = 3_600_000;

export type CountersStore = ReturnType<typeof createCountersStore>;

/** The clock hour a counter's slot taken at `now` belongs to. */
export const windowOf = (now: Date) => new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);

/**
 * One of `max` slots of counter `name` for the clock hour starting `windowStart`, taken when
 * `when` holds; returns the count when a slot was taken. (SQLite needs the WHERE to read ON
 * CONFLICT as the upsert's, not a join's.)
 */
export function counterTakenSql(v: { name: SqlText; windowStart: SqlText; max: SqlText; when: SqlText }): SqlText {
  return sqlText`
    INSERT INTO send_counters (name, window_start, count)
    SELECT ${v.name}, ${v.windowStart}, 1 WHERE ${v.max} >= 1 AND ${v.when}
    ON CONFLICT (name, window_start) DO UPDATE SET count = send_counters.count + 1
     WHERE send_counters.count < ${v.max}
    RETURNING count`;
}

const TAKE = composeStatement({ name: 'text', windowStart: 'timestamp', max: 'int' }, (v) => counterTakenSql({ ...v, when: sqlText`TRUE` }));

/**
 * Hard caps per clock hour that hold exactly under any concurrency: a slot is taken by one
 * conditional upsert of the counter's row before the work (the row lock serialises takers on
 * PostgreSQL, each statement is atomic on SQLite), and given back when the work failed.
 *
 * They back the sliding-hour rules that read the code log (which give the precise wait): a
 * read counts only what was committed, so a burst could pass it many times at once; these
 * counts include every send still in flight. Every send within one clock hour also falls in
 * one sliding hour, so a counter never refuses what the sliding rule, counted exactly, allows.
 */
export function createCountersStore({ sql }: { sql: Sql }) {
  /** Takes one of `max` slots of `name` for the clock hour of `now`; false when none is left. */
  async function take(name: string, max: number, now: Date): Promise<boolean> {
    const rows = await sql.rows<{ count: number }>(...TAKE.args(sql.dialect, { name, windowStart: windowOf(now), max }));
    return rows.length === 1 && max >= 1;
  }

  /** Gives back a slot taken at `takenAt` whose work failed. */
  async function giveBack(name: string, takenAt: Date): Promise<void> {
    await sql.run`
      UPDATE send_counters SET count = count - 1
       WHERE name = ${name} AND window_start = ${windowOf(takenAt)} AND count > 0`;
  }

  /** Seconds until the clock hour of `now` ends, when a counter starts again. */
  function secondsToNextWindow(now: Date): number {
    return Math.max(1, Math.ceil((windowOf(now).getTime() + HOUR_MS - now.getTime()) / 1000));
  }

  /** Deletes the counters of clock hours that started before `before`. */
  async function purge(before: Date): Promise<void> {
    await sql.run`DELETE FROM send_counters WHERE window_start < ${before}`;
  }

  return { take, giveBack, secondsToNextWindow, purge };
}
