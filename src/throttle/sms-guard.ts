import type { Config } from '../config/config.js';
import type { CodesStore, RecentSms } from '../delivery/codes.store.js';
import { InvalidPhoneNumberError, RateLimitedError, SmsRefusedError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { CountersStore } from './counters.store.js';
import { channelWords, type Channel } from '../vocabulary/channel.js';
import { maskPhone } from '../delivery/mask.js';
import type { PrefixBlocks } from '../delivery/prefix-blocks.js';
import { readPhoneNumber } from '../delivery/phone.js';

const HOUR_MS = 3_600_000;
/** How far back "usual" traffic is read for the prefix velocity rule (before the last hour). */
const BASELINE_HOURS = 24;

/** Numbers that cost the sender money per message, or are not a person's phone. */
const refusedTypes = new Set(['PREMIUM_RATE', 'SHARED_COST']);

/** Where an SMS may go: the number normalised, and its country for the velocity counts. */
export interface SmsDestination {
  e164: string;
  country: string;
  /** the number's range (`+49151`), kept with the code for per-prefix counts */
  prefix: string;
}

export type SmsGuard = ReturnType<typeof createSmsGuard>;

/**
 * The SMS-pumping defence, for every channel that reaches a phone (SMS, WhatsApp, voice: each
 * costs per send, and voice calls are pumped like SMS). Toll fraud works by making a service send SMS, at the sender's
 * expense, to numbers whose carrier pays the attacker a share: premium-rate ranges, exotic
 * country prefixes, non-geographic numbers, in bursts. Every SMS send passes here before a
 * code exists; each refusal is a DomainError the verification service audits.
 *
 * Rules, in order: the number must be valid (short codes are refused as such); premium-rate
 * and shared-cost numbers are refused; so are non-geographic numbers, and numbers of a
 * country not in SMS_ALLOWED_COUNTRIES when that is set; the whole service sends at most
 * SMS_MAX_PER_HOUR SMS an hour; and one country may not suddenly take more than
 * SMS_PREFIX_MAX_SHARE of the last hour's SMS; and a number range that takes many codes and
 * verifies few is blocked for a while (prefix-blocks.ts). Each is checked before the user's send
 * slot or the SMS budget is taken, so a refused send costs nothing.
 *
 * Every count is read from otp_logs, so several instances agree. Two requests racing past
 * a count can overshoot a limit by the number of requests in flight, not more.
 */
export interface SmsGuardDeps {
  codes: Pick<CodesStore, 'recentSms' | 'smsSentAt'>;
  counters: CountersStore;
  prefixBlocks: Pick<PrefixBlocks, 'check'>;
  config: Pick<Config, 'sms'>;
  logger: Logger;
}

export function createSmsGuard({ codes, counters, prefixBlocks, config, logger }: SmsGuardDeps) {
  const { allowedCountries, maxPerHour, prefixMaxShare, prefixMinSends } = config.sms;
  const allowed = allowedCountries ? new Set(allowedCountries) : undefined;

  function refuse(error: SmsRefusedError | RateLimitedError | InvalidPhoneNumberError, facts: Record<string, unknown>): never {
    logger.warn({ ...facts, code: error.code, reason: 'reason' in error ? error.reason : undefined }, 'sms-guard: send refused');
    throw error;
  }

  /** The number to send to by `channel` (SMS, WhatsApp or voice), or a typed refusal naming that channel. `now` is the request's time. */
  async function admit(phoneNumber: string, now: Date, channel: Channel = 'SMS'): Promise<SmsDestination> {
    const by = channelWords[channel];
    const read = await readPhoneNumber(phoneNumber);
    const destination = maskPhone(phoneNumber);
    if (!read.valid) {
      if (read.short) {
        refuse(new SmsRefusedError('PREMIUM_OR_SHORT_NUMBER', `Codes are not sent by ${by} to short numbers`), { destination });
      }
      refuse(new InvalidPhoneNumberError('The phone number is not a valid international number'), { destination });
    }
    const { e164, country, type, prefix } = read;
    if (refusedTypes.has(type ?? '')) {
      refuse(new SmsRefusedError('PREMIUM_OR_SHORT_NUMBER', `Codes are not sent by ${by} to premium-rate or shared-cost numbers`), {
        destination,
        country,
        type,
      });
    }
    if (!country) {
      // +800, +808, +870, +881, +882, +883...: international networks and satellite ranges,
      // the favourite destinations of revenue-share fraud and nobody's everyday phone.
      refuse(new SmsRefusedError('COUNTRY_NOT_ALLOWED', `Codes are not sent by ${by} to non-geographic numbers`), { destination, type });
    }
    if (allowed && !allowed.has(country)) {
      refuse(new SmsRefusedError('COUNTRY_NOT_ALLOWED', `Codes are not sent by ${by} to numbers in ${country}`), { destination, country });
    }

    // a blocked range is refused before the budget is read: its sends must not use it up
    if (prefix) await prefixBlocks.check(prefix, now);

    const counts = await recentSends(country, now);
    if (counts.hourTotal >= maxPerHour) {
      const retryAfter = await budgetRetryAfter(counts.hourTotal, now);
      refuse(
        new RateLimitedError(retryAfter, `The service's hourly SMS budget is used up; try again in ${Math.ceil(retryAfter / 60)} min`),
        { destination, country, sentLastHour: counts.hourTotal },
      );
    }
    if (isSuddenSurge(counts)) {
      refuse(
        new SmsRefusedError('PREFIX_VELOCITY', `Too many codes are going to numbers in ${country} right now; SMS there is paused`),
        { destination, country, ...counts },
      );
    }
    return { e164, country, prefix };
  }

  /**
   * Takes one SMS from the service's hourly budget, exactly: `admit` read the last hour's
   * committed sends, which a burst of requests for many users could all pass at once; this
   * counter also holds the sends in flight. Given back by `release` when the SMS failed.
   */
  async function reserve(now: Date): Promise<void> {
    if (await counters.take('sms', maxPerHour, now)) return;
    const retryAfter = counters.secondsToNextWindow(now);
    refuse(
      new RateLimitedError(retryAfter, `The service's hourly SMS budget is used up; try again in ${Math.ceil(retryAfter / 60)} min`),
      { maxPerHour },
    );
  }

  async function release(reservedAt: Date): Promise<void> {
    await counters.giveBack('sms', reservedAt);
  }

  /**
   * Whether this send would give the country more than `prefixMaxShare` of the last hour's
   * SMS once the hour holds `prefixMinSends`, when that is not what its traffic usually
   * looks like: a service whose users mostly live in one country sends most SMS there every
   * day, and must not be stopped for it. "Usually" is the 24 hours before the last hour; with
   * too little traffic there to tell, the share alone decides.
   */
  function isSuddenSurge(counts: RecentSms): boolean {
    if (counts.hourTotal < prefixMinSends) return false;
    const hourShare = (counts.hourCountry + 1) / (counts.hourTotal + 1);
    if (hourShare <= prefixMaxShare) return false;
    const usual = counts.baselineTotal >= prefixMinSends && counts.baselineCountry / counts.baselineTotal > prefixMaxShare;
    return !usual;
  }

  function recentSends(country: string, now: Date): Promise<RecentSms> {
    return codes.recentSms(country, now, BASELINE_HOURS);
  }

  /** Seconds until enough of the last hour's SMS age out of it for one more to fit the budget. */
  async function budgetRetryAfter(hourTotal: number, now: Date): Promise<number> {
    const freeing = await codes.smsSentAt(now, hourTotal - maxPerHour);
    const freesAt = (freeing?.getTime() ?? now.getTime()) + HOUR_MS;
    return Math.max(1, Math.ceil((freesAt - now.getTime()) / 1000));
  }

  return { admit, reserve, release };
}

