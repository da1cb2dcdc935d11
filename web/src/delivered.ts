import type { Channel, FactorKind } from '../generated/graphql.js';

/**
 * The factor kinds whose codes the service sends, each with the channel generateOtp sends it
 * by: the one list the challenge's send buttons and their words follow.
 */
export const deliveryChannels = {
  EMAIL_CODE: 'EMAIL',
  SMS_CODE: 'SMS',
  WHATSAPP_CODE: 'WHATSAPP',
  VOICE_CODE: 'VOICE',
} as const satisfies Partial<Record<FactorKind, Exclude<Channel, 'AUTO'>>>;

/** A factor kind whose code the service sends (by email, text message, WhatsApp or a call). */
export type DeliveredKind = keyof typeof deliveryChannels;

export const isDelivered = (kind: FactorKind): kind is DeliveredKind => Object.hasOwn(deliveryChannels, kind);
