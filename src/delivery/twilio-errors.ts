import type { Channel } from '../vocabulary/channel.js';
import { DeliveryFailedError, InvalidPhoneNumberError, SmsRefusedError, type DomainError } from '../errors/errors.js';

/**
 * What a refusal from Twilio means for the caller. The number's own problems become the
 * errors a caller can act on (ask the user for another number, or send by email); anything
 * else is a DeliveryFailedError whose message says, in plain words, what went wrong.
 * The Twilio error keeps riding along as `cause`, for the code log's `delivery_error`.
 *
 * 30xxx codes normally arrive later, in status callbacks, but Twilio may answer a send with
 * them too (e.g. a number already known to be unreachable), so they are mapped here as well.
 */
const byCode: Record<number, (channel: Channel) => DomainError> = {
  // The 'To' number is not a number Twilio can send to.
  21211: () => new InvalidPhoneNumberError("The phone number is not valid (the SMS provider refused it)"),
  21217: () => new InvalidPhoneNumberError("The phone number is not valid (the SMS provider refused it)"),
  21401: () => new InvalidPhoneNumberError("The phone number is not valid (the SMS provider refused it)"),
  21407: () => new InvalidPhoneNumberError('The phone number cannot receive text messages'),
  21614: () => new InvalidPhoneNumberError('The phone number is not a mobile number and cannot receive text messages'),
  // Twilio refuses the destination itself.
  21265: () => new SmsRefusedError('PREMIUM_OR_SHORT_NUMBER', 'Codes are not sent by SMS to short numbers'),
  21408: () => new SmsRefusedError('COUNTRY_NOT_ALLOWED', "The SMS provider account may not send to this number's country"),
  21610: (channel) => failed(channel, 'the recipient has opted out of text messages from this sender (replied STOP)'),
  21612: (channel) => failed(channel, 'the number cannot be reached by SMS from this sender'),
  // The handset or carrier could not be reached, or filtered the message.
  30003: (channel) => failed(channel, 'the phone is switched off or out of reach'),
  30004: (channel) => failed(channel, 'the message was blocked on the way to the phone'),
  30005: (channel) => failed(channel, 'the number is unknown to its carrier or no longer in use'),
  30006: (channel) => failed(channel, 'the number is a landline or its carrier cannot be reached'),
  30007: (channel) => failed(channel, 'the carrier filtered the message'),
  30008: (channel) => failed(channel, 'the carrier reported an unknown error'),
  // This service's Twilio settings are wrong: an operator must act, the user cannot.
  20003: (channel) => failed(channel, 'the SMS provider refused this service’s credentials'),
  20404: (channel) => failed(channel, 'the SMS provider does not know this service’s account or messaging service'),
  21212: (channel) => failed(channel, 'the configured sender number is not valid'),
  21606: (channel) => failed(channel, 'the configured sender number cannot send to this number'),
  21659: (channel) => failed(channel, 'the configured sender number does not belong to the SMS provider account'),
  // Twilio is overloaded or failing.
  20429: (channel) => failed(channel, 'the SMS provider is busy; try again shortly'),
  20500: (channel) => failed(channel, 'the SMS provider had an internal error'),
  20503: (channel) => failed(channel, 'the SMS provider is unavailable'),
};

/** The Twilio error codes given a meaning of their own; any other falls back on its HTTP status. */
export const mappedTwilioCodes = Object.keys(byCode).map(Number);

/** Codes that mean this service is misconfigured: logged as errors, not as a user's bad luck. */
export const configurationCodes = new Set([20003, 20404, 21212, 21606, 21659]);

function failed(channel: Channel, reason: string): DeliveryFailedError {
  return new DeliveryFailedError(channel, reason);
}

/** A typed error for whatever the Twilio SDK threw (an API refusal, a timeout, a network error). */
export function fromTwilioError(error: unknown, channel: Channel = 'SMS'): DomainError {
  const mapped = mapTwilioError(error, channel);
  mapped.cause = error;
  return mapped;
}

function mapTwilioError(error: unknown, channel: Channel): DomainError {
  const { status, code } = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; code?: unknown };
  if (typeof code === 'number') {
    const make = byCode[code];
    if (make) return make(channel);
  }
  if (typeof status === 'number') {
    if (status === 429) return failed(channel, 'the SMS provider is busy; try again shortly');
    if (status === 401 || status === 403) return failed(channel, 'the SMS provider refused this service’s credentials');
    if (status >= 500) return failed(channel, 'the SMS provider is unavailable');
    return failed(channel, `the SMS provider refused the message (HTTP ${status})`);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || (error instanceof Error && /timeout/i.test(error.message))) {
    return failed(channel, 'the SMS provider did not answer in time');
  }
  return failed(channel, 'the SMS provider could not be reached');
}
