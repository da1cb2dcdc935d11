import type { AuditStore } from '../audit/audit.store.js';
import type { Clock } from '../clock/clock.js';
import type { OutboxStore } from '../events/outbox.store.js';
import type { CodesStore } from '../delivery/codes.store.js';
import type { CountersStore } from '../throttle/counters.store.js';

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  codes: Pick<CodesStore, 'purge'>;
  auditTrail: Pick<AuditStore, 'purge'>;
  counters: Pick<CountersStore, 'purge'>;
  outbox: Pick<OutboxStore, 'purge'>;
  clock: Clock;
}

/**
 * Deletes code records and audit events older than the retention period. Codes live five
 * minutes, so every record that old is long dead; the audit trail is kept as long as the
 * operator's retention says (LOG_RETENTION_DAYS), not forever. Send counters matter for their
 * clock hour only and go after a day.
 */
export function createRetentionService({ codes, auditTrail, counters, outbox, clock }: RetentionDeps) {
  async function purge(olderThanDays: number): Promise<{ codes: number; auditEvents: number; events: number; before: Date }> {
    const now = clock.now();
    const before = new Date(now.getTime() - olderThanDays * DAY_MS);
    const purgedCodes = await codes.purge(before);
    const auditEvents = await auditTrail.purge(before);
    await counters.purge(new Date(now.getTime() - DAY_MS));
    // Security events still being sent stay until their last delivery is settled.
    const events = await outbox.purge(before);
    return { codes: purgedCodes, auditEvents, events, before };
  }
  return { purge };
}
