import type { Db } from '../db/client.js';
import type { Sql } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';

export type RecoveryStore = ReturnType<typeof createRecoveryStore>;

/** Every statement on `recovery_codes`, each code stored as its keyed hash only. */
export function createRecoveryStore({ db, sql, outbox = createOutboxStore({ db, sql }) }: { db: Db; sql: Sql; outbox?: OutboxStore }) {
  /**
   * Replaces the user's set whole, in one transaction that first writes the user's row: on
   * PostgreSQL its row lock queues a concurrent replacement until this one commits, so two
   * sets never survive side by side.
   */
  async function replaceSet(userId: number, hashes: string[], now: Date, events: readonly SecurityEvent[] = []): Promise<void> {
    await db.$transaction([
      db.user.update({ where: { id: userId }, data: { updatedAt: now }, select: { id: true } }),
      db.recoveryCode.deleteMany({ where: { userId } }),
      db.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash, createdAt: now })) }),
      ...outbox.prismaWrites(events),
    ]);
  }

  /** Uses up the unused code with this hash, once: false when there is none (or another request did first). */
  async function consume(userId: number, codeHash: string, now: Date): Promise<boolean> {
    const used = await db.$executeRaw`
      UPDATE recovery_codes SET used_at = ${now}
       WHERE user_id = ${userId} AND code_hash = ${codeHash} AND used_at IS NULL`;
    return used === 1;
  }

  async function isUsed(userId: number, codeHash: string): Promise<boolean> {
    return (await db.recoveryCode.count({ where: { userId, codeHash, usedAt: { not: null } } })) > 0;
  }

  function remaining(userId: number): Promise<number> {
    return db.recoveryCode.count({ where: { userId, usedAt: null } });
  }

  return { replaceSet, consume, isUsed, remaining };
}
