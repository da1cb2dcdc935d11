/**
 * A delivered code's delivery status as providers report it, reduced to the five states callers
 * see. Each has a rank, and a receipt is applied only over a lower rank: providers post
 * callbacks out of order (a late `sent` after `delivered`) and repeat them, so the status only
 * ever moves forward and the first final word stands.
 */
export const deliveryStatuses = ['QUEUED', 'SENT', 'DELIVERED', 'UNDELIVERED', 'FAILED'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export const deliveryRank: Record<DeliveryStatus, number> = { QUEUED: 0, SENT: 1, DELIVERED: 2, UNDELIVERED: 2, FAILED: 2 };

/** The statuses after which the channel counts as having failed the user. */
export const failedStatuses: ReadonlySet<DeliveryStatus> = new Set<DeliveryStatus>(['UNDELIVERED', 'FAILED']);

/**
 * Twilio's MessageStatus values (SMS and WhatsApp). `read` is WhatsApp's "delivered and
 * opened"; `canceled` a scheduled message that never left.
 */
const messageStatuses: Record<string, DeliveryStatus> = {
  accepted: 'QUEUED',
  scheduled: 'QUEUED',
  queued: 'QUEUED',
  sending: 'QUEUED',
  sent: 'SENT',
  delivered: 'DELIVERED',
  read: 'DELIVERED',
  undelivered: 'UNDELIVERED',
  failed: 'FAILED',
  canceled: 'FAILED',
};

/**
 * Twilio's CallStatus values. A call counts as delivered once it was answered and ended
 * (`completed`): the code was read out; a phone that rang unanswered, was busy or hung up
 * before the call was put through did not hear it.
 */
const callStatuses: Record<string, DeliveryStatus> = {
  queued: 'QUEUED',
  initiated: 'QUEUED',
  ringing: 'SENT',
  'in-progress': 'SENT',
  answered: 'SENT',
  completed: 'DELIVERED',
  busy: 'UNDELIVERED',
  'no-answer': 'UNDELIVERED',
  canceled: 'UNDELIVERED',
  failed: 'FAILED',
};

/** A Twilio status callback's status, or undefined for one this service does not know. */
export function fromTwilioStatus(kind: 'message' | 'call', status: string): DeliveryStatus | undefined {
  const table = kind === 'message' ? messageStatuses : callStatuses;
  return Object.hasOwn(table, status) ? table[status] : undefined;
}
