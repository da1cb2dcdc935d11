import type { ChannelSender } from '../vocabulary/channel.js';
import { renderVoiceTwiml } from './templates.js';
import { sendThroughTwilio, type TwilioConfig, type TwilioConnectionHandle } from './twilio.client.js';
import { fromTwilioError } from './twilio-errors.js';

/** How long the phone may ring before the call counts as unanswered (Twilio's `Timeout`, seconds). */
const RING_SECONDS = 30;

/**
 * A phone call through Twilio's Calls API that reads the code (renderVoiceTwiml), from
 * TWILIO_PHONE_NUMBER: for landlines and for people who cannot read a text. The TwiML travels
 * with the call, so Twilio needs no URL of this service to fetch it. Its statuses come back
 * like a message's (completed is delivered; busy, no-answer and canceled undelivered).
 */
export function createVoiceChannel(config: TwilioConfig & { phoneNumber: string }, options: { connection: TwilioConnectionHandle }): ChannelSender {
  const { connection } = options;
  return {
    async send(message) {
      try {
        return await sendThroughTwilio(connection, config, message, (client, callback) =>
          client.calls.create({
            to: message.to,
            from: config.phoneNumber,
            twiml: renderVoiceTwiml(message),
            timeout: RING_SECONDS,
            ...callback,
            ...('statusCallback' in callback ? { statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'] } : {}),
          }),
        );
      } catch (error) {
        throw fromTwilioError(error, 'VOICE');
      }
    },
    close: () => connection.close(),
  };
}
