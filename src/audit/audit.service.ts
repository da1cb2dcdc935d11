import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logging/logger.js';

export const auditEvents = [
  'OTP_GENERATE',
  'OTP_VERIFY',
  'TOTP_ENROLL',
  'TOTP_CONFIRM',
  'RECOVERY_CODES_GENERATE',
  'RECOVERY_CODE_USE',
  'THROTTLE',
  'LOCKOUT',
  'KEY_ROTATION',
  'USER_CREATE',
  'USER_UPDATE',
  'USER_DELETE',
  'TWO_FACTOR_DISABLE',
] as const;
export type AuditEventName = (typeof auditEvents)[number];
export type AuditOutcome = 'SUCCESS' | 'FAILURE' | 'REFUSED';

export interface AuditEntry {
  event: AuditEventName;
  outcome: AuditOutcome;
  /** an error code from the catalogue, when the outcome is not SUCCESS */
  reason?: string;
  method?: string;
  channel?: string;
  userId?: number | null;
  username?: string | null;
}

export type AuditService = ReturnType<typeof createAuditService>;

/**
 * Records who asked for what, from where, and how it ended. Entries carry error codes, never
 * codes, secrets or tokens. A failure to write the trail is logged, not thrown: the answer
 * the caller gets must not depend on the audit write.
 */
export function createAuditService({ db, clock, logger }: { db: Db; clock: Clock; logger: Logger }) {
  async function record(entry: AuditEntry, context: CallContext): Promise<void> {
    try {
      await db.auditEvent.create({
        data: {
          createdAt: clock.now(),
          event: entry.event,
          outcome: entry.outcome,
          reason: entry.reason ?? null,
          method: entry.method ?? null,
          channel: entry.channel ?? null,
          userId: entry.userId ?? null,
          username: entry.username ?? null,
          caller: context.caller,
          ip: context.ip,
          userAgent: context.userAgent?.slice(0, 512) ?? null,
          requestId: context.requestId,
        },
        select: { id: true },
      });
    } catch (error) {
      logger.error({ err: error, event: entry.event, outcome: entry.outcome }, 'audit: could not record an event');
    }
  }
  return { record };
}
