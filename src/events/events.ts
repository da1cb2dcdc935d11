import { randomUUID } from 'node:crypto';

/** Every event the outbox carries, as consumers see them in the CloudEvents `type` (docs/events.md). */
export const eventTypes = [
  'verification.approved',
  'verification.failed',
  'user.locked',
  'user.suspended',
  'factor.added',
  'factor.removed',
  'recovery_code.used',
  'recovery_codes.low',
  'delivery.failed',
  'device.remembered',
  'device.revoked',
  'prefix.blocked',
] as const;
export type EventType = (typeof eventTypes)[number];

/** The events the user is told of, through a channel independent of the one that caused them (NIST SP 800-63B rev 4 §4.6). */
export const noticeEventTypes: ReadonlySet<EventType> = new Set<EventType>([
  'factor.added',
  'factor.removed',
  'recovery_code.used',
  'recovery_codes.low',
  'user.locked',
  'user.suspended',
  'device.remembered',
]);

/** Recovery codes left at which `recovery_codes.low` is raised. */
export const RECOVERY_CODES_LOW = 2;

/**
 * What an event says, the CloudEvents `data`. Only names and outcomes: never a code, a secret,
 * a token or a full address.
 */
export interface EventData {
  username: string | null;
  /** how: otp, totp, recovery, passkey, recovery_codes, two_factor */
  method?: string;
  /** EMAIL, SMS, WHATSAPP or VOICE, for a delivered code */
  channel?: string;
  /** an error code from the catalogue, or why a factor was removed */
  reason?: string;
  /** recovery codes the user has left */
  remaining?: number;
  /** until when a lock holds */
  lockedUntil?: string;
  /** the remembered device's id (User.devices), for device.remembered and device.revoked */
  deviceId?: number;
  /** for delivery.failed from a provider's receipt: UNDELIVERED or FAILED */
  deliveryStatus?: string;
  /** for delivery.failed: the provider's own error code (e.g. Twilio's 30003) */
  providerCode?: string;
  /** for prefix.blocked: the number range (`+88212`), the window's sends and verified codes, and until when it holds */
  prefix?: string;
  sends?: number;
  verified?: number;
  blockedUntil?: string;
}

/** An event as the outbox stores it. */
export interface SecurityEvent {
  /** a UUID: the CloudEvents `id` and, for every delivery of it, the `webhook-id` */
  id: string;
  type: EventType;
  userId: number | null;
  occurredAt: Date;
  data: EventData;
}

/** A new event, with its own id. */
export function securityEvent(type: EventType, userId: number | null, data: EventData, occurredAt: Date): SecurityEvent {
  return { id: randomUUID(), type, userId, occurredAt, data: withoutUndefined(data) };
}

function withoutUndefined(data: EventData): EventData {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as unknown as EventData;
}
