import { channels, isPhoneChannel, type Channel } from '../vocabulary/channel.js';
import { failedStatuses } from '../vocabulary/delivery-status.js';
import type { RecentDelivery } from './codes.store.js';

/**
 * Why a code went by the channel it went by, as generate answers it:
 * REQUESTED the caller named it; PREFERRED the user's first reachable channel; FALLBACK_UNDELIVERED
 * an earlier channel's last code was refused or reported undelivered; FALLBACK_NO_RECEIPT an
 * earlier channel's last code had no delivery receipt within DELIVERY_FALLBACK_SECONDS;
 * ALL_FAILED every channel failed the user lately, so the first is tried again.
 */
export const channelReasons = ['REQUESTED', 'PREFERRED', 'FALLBACK_UNDELIVERED', 'FALLBACK_NO_RECEIPT', 'ALL_FAILED'] as const;
export type ChannelReason = (typeof channelReasons)[number];

export interface ChannelChoice {
  channel: Channel;
  reason: ChannelReason;
  /** for a fallback, the channel passed over last (the one just before this in the order) */
  fallbackFrom: Channel | null;
}

/** How far back a channel's failure counts against it: long enough to outlast a retry, short enough for a phone that was off to come back. */
export const FAILURE_MEMORY_MS = 24 * 3_600_000;

/** The default order: the user's delivery method, then SMS, WhatsApp and voice, then email. */
const defaultOrder: readonly Channel[] = ['SMS', 'WHATSAPP', 'VOICE', 'EMAIL'];

/**
 * The channels a user can be reached by, in their order: their own `channelOrder`, else the
 * delivery method first and the default after it; only those the service can send by and the
 * user has a destination for.
 */
export function reachableChannels(
  user: { email: string | null; phoneNumber: string | null; deliveryMethod: string; channelOrder: readonly string[] | null },
  configured: (channel: Channel) => boolean,
): Channel[] {
  const wanted = user.channelOrder ?? [user.deliveryMethod, ...defaultOrder];
  const order = [...new Set(wanted)].filter((name): name is Channel => channels.includes(name as Channel));
  return order.filter((channel) => (isPhoneChannel(channel) ? user.phoneNumber !== null : user.email !== null) && configured(channel));
}

/**
 * Why the user's last code on `channel` says the channel failed them, or null. A verified code
 * was delivered, whatever its receipts said; a code still waiting for its receipt counts as
 * failed only once `fallbackMs` have passed without a DELIVERED.
 */
export function failureOf(recent: readonly RecentDelivery[], channel: Channel, now: Date, fallbackMs: number): 'UNDELIVERED' | 'NO_RECEIPT' | null {
  const last = recent.find((code) => code.channel === channel);
  if (!last || last.status === 'USED') return null;
  if (last.status === 'FAILED' || (last.deliveryStatus !== null && failedStatuses.has(last.deliveryStatus))) return 'UNDELIVERED';
  if (last.receiptExpected && last.deliveryStatus !== 'DELIVERED' && now.getTime() - last.createdAt.getTime() >= fallbackMs) return 'NO_RECEIPT';
  return null;
}

/** The first of `order` that has not failed the user lately (`recent`, newest first), and why. */
export function chooseChannel(order: readonly Channel[], recent: readonly RecentDelivery[], now: Date, fallbackMs: number): ChannelChoice | null {
  const [first] = order;
  if (!first) return null;
  let skipped: { channel: Channel; failure: 'UNDELIVERED' | 'NO_RECEIPT' } | null = null;
  for (const channel of order) {
    const failure = failureOf(recent, channel, now, fallbackMs);
    if (!failure) {
      if (!skipped) return { channel, reason: 'PREFERRED', fallbackFrom: null };
      return { channel, reason: skipped.failure === 'NO_RECEIPT' ? 'FALLBACK_NO_RECEIPT' : 'FALLBACK_UNDELIVERED', fallbackFrom: skipped.channel };
    }
    skipped = { channel, failure };
  }
  return { channel: first, reason: 'ALL_FAILED', fallbackFrom: null };
}
