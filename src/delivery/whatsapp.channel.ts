import type { ChannelSender } from '../vocabulary/channel.js';
import { renderSms } from './templates.js';
import { sendThroughTwilio, type TwilioConfig, type TwilioConnectionHandle } from './twilio.client.js';
import { fromTwilioError } from './twilio-errors.js';

/**
 * WhatsApp through Twilio's Messages API, from TWILIO_WHATSAPP_FROM. Outside a conversation the
 * user opened, WhatsApp accepts only approved templates: with TWILIO_WHATSAPP_CONTENT_SID the
 * code goes as that Content template's variable `1` (an authentication template, whose text
 * and language WhatsApp holds); without it, as the SMS text, which Twilio's sandbox accepts.
 */
export function createWhatsAppChannel(config: TwilioConfig & { whatsappFrom: string }, options: { connection: TwilioConnectionHandle }): ChannelSender {
  const { connection } = options;
  return {
    async send(message) {
      try {
        const content = config.whatsappContentSid
          ? { contentSid: config.whatsappContentSid, contentVariables: JSON.stringify({ 1: message.code }) }
          : { body: renderSms(message) };
        return await sendThroughTwilio(connection, config, message, (client, callback) =>
          client.messages.create({ to: `whatsapp:${message.to}`, from: `whatsapp:${config.whatsappFrom}`, ...content, ...callback }),
        );
      } catch (error) {
        throw fromTwilioError(error, 'WHATSAPP');
      }
    },
    close: () => connection.close(),
  };
}
