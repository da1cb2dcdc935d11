import { composeStatement, sqlText, type Sql, type SqlText } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';
import { userTouchedSql } from '../users/users.store.js';

/** Every recovery code of a user deleted. */
export function recoveryCodesDeletedSql(v: { userId: SqlText }): SqlText {
  return sqlText`DELETE FROM recovery_codes WHERE user_id = ${v.userId}`;
}

const CODES_DELETED = composeStatement({ userId: 'int' }, recoveryCodesDeletedSql);
const TOUCH_USER = composeStatement({ userId: 'int', now: 'timestamp' }, (v) => userTouchedSql({ ...v, when: sqlText`TRUE` }));

export type RecoveryStore = ReturnType<typeof createRecoveryStore>;

/** Every statement on `recovery_codes`, each code stored as its keyed hash only. */
export function createRecoveryStore({ sql, outbox = createOutboxStore({ sql }) }: { sql: Sql; outbox?: OutboxStore }) {
  /**
   * Replaces the user's set whole, in one transaction that first writes the user's row: on
   * PostgreSQL its row lock queues a concurrent replacement until this one commits, so two
   * sets never survive side by side.
   */
  async function replaceSet(userId: number, hashes: string[], now: Date, events: readonly SecurityEvent[] = []): Promise<void> {
    await sql.atomic([
      TOUCH_USER.statement(sql, { userId, now }),
      CODES_DELETED.statement(sql, { userId }),
      ...hashes.map((codeHash) => sql.statement`INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (${userId}, ${codeHash}, ${now})`),
      ...outbox.statements(events),
    ]);
  }

  /** Uses up the unused code with this hash, once: false when there is none (or another request did first). */
  async function consume(userId: number, codeHash: string, now: Date): Promise<boolean> {
    const used = await sql.run`
      UPDATE recovery_codes SET used_at = ${now}
       WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL`;
    return used === 1;
  }

  async function isUsed(userId: number, codeHash: string): Promise<boolean> {
    const rows = await sql.rows<{ id: number }>`
      SELECT id FROM recovery_codes WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NOT NULL LIMIT 1`;
    return rows.length > 0;
  }

  async function remaining(userId: number): Promise<number> {
    const [row] = await sql.rows<{ unused: number | string }>`SELECT COUNT(*) AS unused FROM recovery_codes WHERE user_id = ${userId} AND used_at IS NULL`;
    return Number(row?.unused ?? 0);
  }

  return { replaceSet, consume, isUsed, remaining };
}
