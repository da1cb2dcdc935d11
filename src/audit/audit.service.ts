import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { SqlStatement } from '../db/sql.js';
import type { Logger } from '../logging/logger.js';
import type { AuditRow, AuditStore } from './audit.store.js';
import type { SecurityEvent } from '../events/events.js';
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
  'SIGNING_KEY_ROTATION',
  'USER_CREATE',
  'USER_UPDATE',
  'USER_DELETE',
  'TWO_FACTOR_DISABLE',
  'PASSKEY_REGISTER',
  'PASSKEY_RENAME',
  'PASSKEY_REMOVE',
  'DEVICE_REVOKE',
  'WEBHOOK_ENDPOINT_CREATE',
  'WEBHOOK_ENDPOINT_UPDATE',
  'WEBHOOK_ENDPOINT_DELETE',
  'WEBHOOK_SECRET_ROTATE',
  'WEBHOOK_ENDPOINT_DISABLE',
  'DELIVERY_QUEUED',
  'DELIVERY_SENT',
  'DELIVERY_DELIVERED',
  'DELIVERY_UNDELIVERED',
  'DELIVERY_FAILED',
  'PREFIX_BLOCK',
  'PREFIX_UNBLOCK',
] as const;
export type AuditEventName = (typeof auditEvents)[number];
export type AuditOutcome = 'SUCCESS' | 'FAILURE' | 'REFUSED';

export interface AuditEntry {
  event: AuditEventName;
  outcome: AuditOutcome;
  /** an error code from the catalogue, when the outcome is not SUCCESS; for PREFIX_BLOCK and PREFIX_UNBLOCK, the number range */
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
export function createAuditService({ store, clock, logger }: { store: Pick<AuditStore, 'insert' | 'statements'>; clock: Clock; logger: Logger }) {
  /**
   * `events`: outbox events the entry records (a lockout, a suspension), written in the same
   * transaction as the entry: both are kept, or (the write failed, and is logged) neither.
   */
  async function record(entry: AuditEntry, context: CallContext, events: readonly SecurityEvent[] = []): Promise<void> {
    // the row is made inside: making it reads the clock, whose failure is logged like the write's
    await guarded(entry, () => store.insert(row(entry, context), events));
  }

  /**
   * Runs `write`, which records `about` (and maybe more rows with it, elsewhere): a failure is
   * logged, not thrown, as for every entry.
   */
  async function guarded(about: Pick<AuditRow, 'event' | 'outcome'> | undefined, write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (error) {
      logger.error({ err: error, event: about?.event, outcome: about?.outcome }, 'audit: could not record an event');
    }
  }

  /**
   * An entry and its events as statements, for a store's unit that writes them with the change
   * they record: unlike `record`, a failure is not logged and swallowed but fails the unit whole.
   */
  function statements(entry: AuditEntry, context: CallContext, events: readonly SecurityEvent[] = []): SqlStatement[] {
    return store.statements(row(entry, context), events);
  }

  /** The row an entry becomes, for a caller that writes it with other changes (verification.store.ts). */
  function row(entry: AuditEntry, context: CallContext): AuditRow {
    return {
      createdAt: clock.now(),
      event: entry.event,
      outcome: entry.outcome,
      reason: entry.reason ?? null,
      method: entry.method ?? null,
      channel: entry.channel ?? null,
      userId: entry.userId ?? null,
      username: boundedName(entry.username),
      caller: context.caller,
      ip: context.ip,
      userAgent: context.userAgent?.slice(0, 512) ?? null,
      requestId: context.requestId,
    };
  }

  return { record, row, statements, guarded };
}

/**
 * A username as the trail keeps it. The edges refuse longer names, but a row about a user that
 * does not exist must stay small whatever path wrote it: an attacker cannot store megabytes.
 */
function boundedName(username: string | null | undefined): string | null {
  return username == null ? null : truncateText(storableText(username), USERNAME_MAX_LENGTH);
}
