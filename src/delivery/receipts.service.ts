import type { AuditService } from '../audit/audit.service.js';
import type { AuditStore } from '../audit/audit.store.js';
import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { SqlResult, SqlStatement } from '../db/sql.js';
import { securityEvent } from '../events/events.js';
import type { Logger } from '../logging/logger.js';
import type { CodesStore } from './codes.store.js';
import { failedStatuses, type DeliveryStatus } from '../vocabulary/delivery-status.js';

/** A provider's word on one message or call, already authenticated by the edge. */
export interface Receipt {
  /** the code's id from the callback URL, when it carries one */
  codeId: number | null;
  /** Twilio's MessageSid or CallSid */
  providerMessageId: string;
  status: DeliveryStatus;
  /** Twilio's ErrorCode with a failure */
  providerCode: string | null;
}

export interface ReceiptsDeps {
  codes: Pick<CodesStore, 'applyReceipt'>;
  /** the users store's `nameIn` (users/ sits above delivery/, so its type is not imported) */
  users: { nameIn(userId: number): Generator<SqlStatement, string | null, SqlResult> };
  audit: Pick<AuditService, 'row'>;
  auditStore: Pick<AuditStore, 'statements'>;
  clock: Clock;
  logger: Logger;
}

export type ReceiptsService = ReturnType<typeof createReceiptsService>;

/**
 * Delivery receipts: what providers report after they accepted a code. A receipt that moves
 * the code's status forward is written with its audit row (DELIVERY_<STATUS>), and an
 * UNDELIVERED or FAILED one with `delivery.failed` through the outbox, in one unit: a fault
 * leaves none of them, and the provider's retry applies the receipt then. One that does not
 * move it (repeated, late, for an unknown message) changes nothing and is answered the same,
 * so a provider's retries are harmless.
 */
export function createReceiptsService({ codes, users, audit, auditStore, clock, logger }: ReceiptsDeps) {
  async function record(receipt: Receipt, context: CallContext): Promise<{ applied: boolean }> {
    const at = clock.now();
    const applied = await codes.applyReceipt({ ...receipt, at }, function* (code) {
      const username = yield* users.nameIn(code.userId);
      const failed = failedStatuses.has(receipt.status);
      const row = audit.row(
        {
          event: `DELIVERY_${receipt.status}`,
          outcome: 'SUCCESS',
          ...(failed ? { reason: 'DELIVERY_FAILED' } : {}),
          channel: code.channel,
          userId: code.userId,
          username,
        },
        context,
      );
      const events = failed
        ? [
            securityEvent(
              'delivery.failed',
              code.userId,
              {
                username,
                channel: code.channel,
                reason: 'DELIVERY_FAILED',
                deliveryStatus: receipt.status,
                ...(receipt.providerCode ? { providerCode: receipt.providerCode } : {}),
              },
              at,
            ),
          ]
        : [];
      for (const statement of auditStore.statements(row, events)) yield statement;
      return code;
    });
    if (!applied) {
      logger.info({ codeId: receipt.codeId, status: receipt.status }, 'delivery receipt: nothing to change');
      return { applied: false };
    }
    logger.info({ codeId: applied.codeId, channel: applied.channel, status: receipt.status, providerCode: receipt.providerCode }, 'delivery receipt recorded');
    return { applied: true };
  }

  return { record };
}
