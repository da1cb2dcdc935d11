import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Sql } from '../db/sql.js';
import type { Logger } from '../logging/logger.js';
import { storableText } from '../db/storable-text.js';
import { truncateText, USERNAME_MAX_LENGTH } from '../limits/input-limits.js';

export const auditEvents = [
  'OTP_GENERATE',
  'OTP_VERIFY',
  'TOTP_ENROLL',
  'TOTP_CONFIRM',
  'RECOVERY_CODES_GENERATE',
  'RECOVERY_CODE_USE',
  'THROTTLE',
  'LOCKOUT',
  'SUSPENSION',
  'TWO_FACTOR_REINSTATE',
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
  /** the name asked for; kept storable and at most USERNAME_MAX_LENGTH characters */
  username?: string | null;
}

export type AuditService = ReturnType<typeof createAuditService>;

/**
 * Records who asked for what, from where, and how it ended. Entries carry error codes, never
 * codes, secrets or tokens. A failure to write the trail is logged, not thrown: the answer
 * the caller gets must not depend on the audit write.
 */
export function createAuditService({ sql, clock, logger }: { sql: Sql; clock: Clock; logger: Logger }) {
  async function record(entry: AuditEntry, context: CallContext): Promise<void> {
    try {
      // Every generate and verify writes one: on the driver (see db/sql.ts).
      await sql.run`
        INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
        VALUES (${clock.now()}, ${entry.event}, ${entry.outcome}, ${entry.reason ?? null}, ${entry.method ?? null},
                ${entry.channel ?? null}, ${entry.userId ?? null}, ${boundedName(entry.username)}, ${context.caller},
                ${context.ip}, ${context.userAgent?.slice(0, 512) ?? null}, ${context.requestId})`;
    } catch (error) {
      logger.error({ err: error, event: entry.event, outcome: entry.outcome }, 'audit: could not record an event');
    }
  }
  return { record };
}

/**
 * A username as the trail keeps it. The edges refuse longer names, but a row about a user that
 * does not exist must stay small whatever path wrote it: an attacker cannot store megabytes.
 */
function boundedName(username: string | null | undefined): string | null {
  return username == null ? null : truncateText(storableText(username), USERNAME_MAX_LENGTH);
}
