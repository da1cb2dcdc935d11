import type { Sql, SqlStatement } from '../db/sql.js';
import { dateOf, type SqlDate } from '../db/sql.js';

/** A number range's block: the counts that decided it, and until when it holds. */
export interface PrefixBlock {
  prefix: string;
  sends: number;
  verified: number;
  blockedAt: Date;
  expiresAt: Date;
}

export type PrefixBlocksStore = ReturnType<typeof createPrefixBlocksStore>;

interface Row {
  prefix: string;
  sends: number | bigint;
  verified: number | bigint;
  blocked_at: SqlDate;
  expires_at: SqlDate;
}

const blockOf = (row: Row): PrefixBlock => ({
  prefix: row.prefix,
  sends: Number(row.sends),
  verified: Number(row.verified),
  blockedAt: dateOf(row.blocked_at),
  expiresAt: dateOf(row.expires_at),
});

/**
 * Every statement on `prefix_blocks`. A range has one row, kept after its block ends: its
 * `blocked_at` is where the counts of the next block start, so lifting a block gives the range
 * a fresh window instead of blocking it again on the sends that caused the first one.
 */
export function createPrefixBlocksStore({ sql }: { sql: Sql }) {
  async function find(prefix: string): Promise<PrefixBlock | null> {
    const [row] = await sql.rows<Row>`SELECT prefix, sends, verified, blocked_at, expires_at FROM prefix_blocks WHERE prefix = ${prefix}`;
    return row ? blockOf(row) : null;
  }

  /**
   * Blocks the range unless a block already holds: true for the one caller (of several
   * instances racing) whose write made the block, which is the one to audit it: `recorded`
   * (its audit row and event) is written in the same unit, only then.
   */
  async function block(entry: PrefixBlock, recorded: readonly SqlStatement[]): Promise<boolean> {
    return sql.unit(function* () {
      const { rows } = yield sql.statement`
        INSERT INTO prefix_blocks (prefix, sends, verified, blocked_at, expires_at)
        VALUES (${entry.prefix}, ${entry.sends}, ${entry.verified}, ${entry.blockedAt}, ${entry.expiresAt})
        ON CONFLICT (prefix) DO UPDATE
           SET sends = excluded.sends, verified = excluded.verified, blocked_at = excluded.blocked_at, expires_at = excluded.expires_at
         WHERE prefix_blocks.expires_at <= excluded.blocked_at
        RETURNING prefix`;
      if (rows.length !== 1) return false;
      for (const statement of recorded) yield statement;
      return true;
    });
  }

  /** Ends the range's block now, with `recorded` (its audit row) in the same unit; false when none held. */
  async function lift(prefix: string, now: Date, recorded: readonly SqlStatement[]): Promise<boolean> {
    return sql.unit(function* () {
      const { count } = yield sql.statement`UPDATE prefix_blocks SET expires_at = ${now} WHERE prefix = ${prefix} AND expires_at > ${now}`;
      if (count !== 1) return false;
      for (const statement of recorded) yield statement;
      return true;
    });
  }

  /** The blocks that hold at `now`. */
  async function holding(now: Date): Promise<PrefixBlock[]> {
    const rows = await sql.rows<Row>`
      SELECT prefix, sends, verified, blocked_at, expires_at FROM prefix_blocks WHERE expires_at > ${now} ORDER BY prefix`;
    return rows.map(blockOf);
  }

  return { find, block, lift, holding };
}
