import type { Config } from '../config/config.js';
import { DeliveryNotConfiguredError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { createEmailChannel } from './email.channel.js';
import { createLogChannel } from './log.channel.js';

export const channels = ['EMAIL', 'SMS'] as const;
export type Channel = (typeof channels)[number];

/** What a channel needs to tell a person their code. */
export interface CodeMessage {
  channel: Channel;
  /** the full destination: an email address or an E.164 phone number */
  to: string;
  code: string;
  expiresInMinutes: number;
  locale: string;
}

export interface DeliveryReceipt {
  providerMessageId?: string;
}

export interface ChannelSender {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/** Routes each message to the sender of its channel. */
export interface Delivery {
  send(message: CodeMessage): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

/**
 * Builds the delivery from configuration: SMTP for email when `SMTP_SERVER` is set; outside
 * production an unconfigured channel falls back to the development log channel, which
 * records that a code was sent and to whom (masked), never the code. In production an
 * unconfigured channel refuses to send.
 */
export function createDelivery(config: Config, logger: Logger): Delivery {
  const fallback = config.production ? undefined : createLogChannel(logger);
  const senders: Record<Channel, ChannelSender | undefined> = {
    EMAIL: config.smtp ? createEmailChannel(config.smtp) : fallback,
    SMS: fallback,
  };
  if (!config.smtp && config.production) {
    logger.warn({ channel: 'EMAIL' }, 'delivery: SMTP_SERVER is not set; every email send will fail');
  }
  if (fallback) {
    const missing = channels.filter((channel) => senders[channel] === fallback);
    logger.warn({ channels: missing }, 'delivery: development log channel in use; codes are not sent to anyone');
  }
  return {
    send(message) {
      const sender = senders[message.channel];
      if (!sender) throw new DeliveryNotConfiguredError();
      return sender.send(message);
    },
    async close() {
      const distinct = new Set(Object.values(senders).filter((sender) => sender !== undefined));
      await Promise.all([...distinct].map((sender) => sender.close()));
    },
  };
}
