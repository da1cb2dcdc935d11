import type { Logger } from '../logging/logger.js';
import type { ChannelSender } from '../vocabulary/channel.js';
import { maskPhone } from './mask.js';
import { renderSms } from './templates.js';
import { sendThroughTwilio, type TwilioConfig, type TwilioConnectionHandle } from './twilio.client.js';
import { configurationCodes, fromTwilioError } from './twilio-errors.js';

/**
 * SMS through Twilio's Messages API. The message may queue at Twilio for as long as the code
 * is valid and no longer (`ValidityPeriod`): a code that arrives after it expired only confuses.
 * With PUBLIC_BASE_URL set, Twilio posts each of its statuses back (delivery receipts).
 */
export function createSmsChannel(config: TwilioConfig, options: { connection: TwilioConnectionHandle; logger: Logger }): ChannelSender {
  const { connection, logger } = options;
  // A messaging service picks the sender from its pool (and handles country rules); a
  // single number is the simple setup.
  const sender = config.messagingServiceSid ? { messagingServiceSid: config.messagingServiceSid } : { from: config.phoneNumber ?? '' };

  return {
    async send(message) {
      try {
        return await sendThroughTwilio(connection, config, message, (client, callback) =>
          client.messages.create({
            to: message.to,
            body: renderSms(message),
            validityPeriod: Math.min(36_000, message.expiresInMinutes * 60),
            ...sender,
            ...callback,
          }),
        );
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'number' && configurationCodes.has(code)) {
          logger.error({ twilioCode: code, to: maskPhone(message.to) }, 'delivery: Twilio refused this service’s SMS settings');
        }
        throw fromTwilioError(error);
      }
    },
    async notify(message) {
      try {
        const client = await connection.client();
        const sent = await client.messages.create({ to: message.to, body: message.text, ...sender });
        return { providerMessageId: sent.sid };
      } catch (error) {
        throw fromTwilioError(error);
      }
    },
    close: () => connection.close(),
  };
}
