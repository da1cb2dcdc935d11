import { ConfigError, type Config } from '../config/config.js';
import { DeliveryFailedError, DeliveryNotConfiguredError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { createEmailChannel } from './email.channel.js';
import { createLogChannel } from './log.channel.js';
import { createSmsChannel } from './sms.channel.js';
import { createTwilioConnection } from './twilio.client.js';
import { createVoiceChannel } from './voice.channel.js';
import { createWhatsAppChannel } from './whatsapp.channel.js';
import { channels, type Channel, type ChannelSender, type Delivery } from '../vocabulary/channel.js';

/**
 * Builds the delivery from configuration: SMTP for email when `SMTP_SERVER` is set, Twilio
 * for SMS when `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN` are, for voice calls too when
 * `TWILIO_PHONE_NUMBER` is (and `TWILIO_VOICE_ENABLED` is not false), for WhatsApp when
 * `TWILIO_WHATSAPP_FROM` is. Outside production an
 * unconfigured channel falls back to the development log channel, which records that a code
 * was sent and to whom (masked), never the code. In production an unconfigured channel
 * refuses to send.
 *
 * Every send is bounded by `DELIVERY_TIMEOUT_MS`, whatever the channel: a provider that does
 * not answer in time counts as a failed delivery (and the code as never issued), even if the
 * message arrives later.
 */
export function createDelivery(config: Pick<Config, 'production' | 'smtp' | 'twilio' | 'delivery'>, logger: Logger): Delivery {
  const { timeoutMs } = config.delivery;
  if (config.twilio && !config.twilio.phoneNumber && !config.twilio.messagingServiceSid) {
    throw new ConfigError([
      { variable: 'TWILIO_PHONE_NUMBER', message: 'or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID' },
    ]);
  }
  const fallback = config.production ? undefined : createLogChannel(logger);
  const twilio = config.twilio;
  const connection = twilio ? createTwilioConnection(twilio, timeoutMs) : undefined;
  const phoneNumber = twilio?.phoneNumber;
  const whatsappFrom = twilio?.whatsappFrom;
  const senders: Record<Channel, ChannelSender | undefined> = {
    EMAIL: config.smtp ? createEmailChannel(config.smtp) : fallback,
    SMS: twilio && connection ? createSmsChannel(twilio, { connection, logger }) : fallback,
    // Without their settings these are not offered at all: unlike email and SMS they are
    // extras, not stood in for by the development log channel, so a phone user's default
    // order in development stays SMS, then email.
    VOICE: twilio && connection && phoneNumber && twilio.voice ? createVoiceChannel({ ...twilio, phoneNumber }, { connection }) : undefined,
    WHATSAPP: twilio && connection && whatsappFrom ? createWhatsAppChannel({ ...twilio, whatsappFrom }, { connection }) : undefined,
  };
  for (const channel of ['EMAIL', 'SMS'] as const) {
    if (!senders[channel] && config.production) {
      logger.warn({ channel }, `delivery: ${channel === 'EMAIL' ? 'SMTP_SERVER' : 'TWILIO_ACCOUNT_SID'} is not set; every ${channel} send will fail`);
    }
  }
  if (fallback) {
    const missing = channels.filter((channel) => senders[channel] === fallback);
    if (missing.length > 0) logger.warn({ channels: missing }, 'delivery: development log channel in use; codes are not sent to anyone');
  }
  return {
    configured: (channel) => senders[channel] !== undefined,
    send(message) {
      const sender = senders[message.channel];
      if (!sender) throw new DeliveryNotConfiguredError();
      return withTimeout(sender.send(message), timeoutMs, message.channel);
    },
    notify(message) {
      const sender = senders[message.channel];
      if (!sender?.notify) throw new DeliveryNotConfiguredError();
      return withTimeout(sender.notify(message), timeoutMs, message.channel);
    },
    async close() {
      const distinct = new Set(Object.values(senders).filter((sender) => sender !== undefined));
      await Promise.all([...distinct].map((sender) => sender.close()));
    },
  };
}

/** The send's own outcome, or a DeliveryFailedError once `timeoutMs` have passed without one. */
async function withTimeout<T>(sending: Promise<T>, timeoutMs: number, channel: Channel): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new DeliveryFailedError(channel, 'the provider did not answer in time');
      error.cause = new Error(`DELIVERY_TIMEOUT: no answer within ${timeoutMs} ms`);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([sending, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
