import type { Clock } from '../clock/clock.js';
import type { Db } from '../db/client.js';

const DAY_MS = 86_400_000;

/**
 * Deletes code records and audit events older than the retention period. Codes live five
 * minutes, so every record that old is long dead; the audit trail is kept as long as the
 * operator's retention says (LOG_RETENTION_DAYS), not forever.
 */
export function createRetentionService({ db, clock }: { db: Db; clock: Clock }) {
  async function purge(olderThanDays: number): Promise<{ codes: number; auditEvents: number; before: Date }> {
    const before = new Date(clock.now().getTime() - olderThanDays * DAY_MS);
    const codes = await db.otpLog.deleteMany({ where: { createdAt: { lt: before } } });
    const auditEvents = await db.auditEvent.deleteMany({ where: { createdAt: { lt: before } } });
    // Send counters matter for their clock hour only.
    await db.sendCounter.deleteMany({ where: { windowStart: { lt: new Date(clock.now().getTime() - DAY_MS) } } });
    return { codes: codes.count, auditEvents: auditEvents.count, before };
  }
  return { purge };
}
