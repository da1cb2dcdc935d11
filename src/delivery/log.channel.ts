import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { ChannelSender } from '../vocabulary/channel.js';
import { maskEmail, maskPhone } from './mask.js';

/** Development stand-in for a provider: says a code went out and to whom, never the code. */
export function createLogChannel(logger: Logger): ChannelSender {
  return {
    send(message) {
      const to = message.channel === 'EMAIL' ? maskEmail(message.to) : maskPhone(message.to);
      const providerMessageId = `log-${randomUUID()}`;
      logger.info({ channel: message.channel, to, providerMessageId }, 'delivery: code sent through the development log channel');
      return Promise.resolve({ providerMessageId });
    },
    notify(message) {
      const to = message.channel === 'EMAIL' ? maskEmail(message.to) : maskPhone(message.to);
      const providerMessageId = `log-${randomUUID()}`;
      logger.info({ channel: message.channel, to, providerMessageId, subject: message.subject }, 'delivery: notice sent through the development log channel');
      return Promise.resolve({ providerMessageId });
    },
    close: () => Promise.resolve(),
  };
}
