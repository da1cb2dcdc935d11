import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { channels, isPhoneChannel, type Channel, type Delivery } from '../vocabulary/channel.js';
import { maskEmail, maskPhone } from '../delivery/mask.js';
import type { SmsGuard } from '../throttle/sms-guard.js';
import { fitsOneSmsSegment } from '../delivery/gsm7.js';
import { renderSms } from '../delivery/templates.js';
import { contextHash } from '../vocabulary/action-context.js';
import {
  CodeAlreadyUsedError,
  CodeExpiredError,
  ContextMismatchError,
  ContextTooLongForSmsError,
  DeliveryFailedError,
  DomainError,
  InvalidCodeError,
  isGuess,
  NoDeliveryDestinationError,
  NoPendingCodeError,
  TooManyAttemptsError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  UserNotFoundError,
} from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { ThrottleService } from '../throttle/throttle.service.js';
import type { UsersStore } from '../users/users.store.js';
import type { CodesStore, NewCode, NewestCode, ReservedCode, SendOutcome } from '../delivery/codes.store.js';
import type { AuditRow } from '../audit/audit.store.js';
import type { VerificationStore } from '../throttle/verification.store.js';
import { codeKey, hashCode, newCode, sameHash } from './code.js';
import { chooseChannel, FAILURE_MEMORY_MS, reachableChannels, type ChannelChoice, type ChannelReason } from '../delivery/channel-choice.js';
import { securityEvent } from '../events/events.js';

export interface GeneratedCode {
  userId: number;
  /** the plain code: for the delivery and, where OTP_IN_RESPONSE allows, the caller */
  code: string;
  expiresAt: Date;
  channel: Channel;
  /** why this channel: the caller's, the user's first, or a fallback from `fallbackFrom` */
  channelReason: ChannelReason;
  fallbackFrom: Channel | null;
  /** masked destination, e.g. a***@example.com */
  destination: string;
}

/** What judging a delivered code can answer besides a success (verify and notLive): the verify fields list them. */
export const deliveredCodeErrors = [
  NoPendingCodeError,
  InvalidCodeError,
  ContextMismatchError,
  CodeExpiredError,
  CodeAlreadyUsedError,
  TooManyAttemptsError,
] as const;

/** A caller's channel, or AUTO (the same as none): the user's first channel that has not failed them lately. */
export type ChannelRequest = Channel | 'AUTO';

export interface OtpServiceDeps {
  users: Pick<UsersStore, 'findForSending'>;
  codes: CodesStore;
  store: Pick<VerificationStore, 'settle'>;
  throttle: Pick<ThrottleService, 'reserveSend' | 'releaseSend'>;
  clock: Clock;
  delivery: Delivery;
  smsGuard: SmsGuard;
  config: Pick<Config, 'otp' | 'security' | 'delivery'>;
  logger: Logger;
}

export type OtpService = ReturnType<typeof createOtpService>;

export function createOtpService({ users, codes, store, throttle, clock, delivery, smsGuard, config, logger }: OtpServiceDeps) {
  const { length, expirationMinutes, maxAttempts } = config.otp;
  const fallbackMs = config.delivery.fallbackSeconds * 1000;
  const secret = codeKey(config.security.secretKey);

  /**
   * Makes a code, records its hash as SENDING, delivers it, and only then makes it the
   * user's one ACTIVE code (superseding the previous one) in a single statement. A failed
   * or timed-out delivery marks it FAILED with the masked reason: the caller gets an error
   * and no usable code remains, while the code the user already had stays valid.
   *
   * Without a channel (or AUTO) the code goes by the user's first channel that has not failed
   * them lately (undelivered, or no receipt within DELIVERY_FALLBACK_SECONDS): the answer says
   * which and why. Nothing is resent by itself: the fallback applies to the caller's next request.
   *
   * A code to a phone (SMS, WhatsApp, voice) must first pass the pumping guard (number,
   * country, premium rate, the service's hourly budget, prefix velocity): before the user's
   * send slot is taken, so a refused request costs the user nothing, and before a code exists.
   *
   * `context`, the action the code approves, is shown in the message and required again to
   * verify; only its hash is kept. An SMS must stay one segment with it, checked before anything
   * else is spent.
   */
  async function generate(
    username: string,
    options: {
      channel?: ChannelRequest;
      context?: string;
      audits?: (sent: { userId: number; channel: Channel }) => AuditRow[];
      /** a minimum the channel must reach (the caller's minimum assurance): others are skipped, and none left refuses */
      admits?: { channel: (channel: Channel) => boolean; refusal: () => Error };
    } = {},
  ): Promise<GeneratedCode> {
    const user = await users.findForSending(username);
    if (!user) throw new UserNotFoundError();
    if (!user.otpEnabled) throw new TwoFactorDisabledError();
    // A suspended user's codes could not be verified: sending one would only cost.
    if (user.suspended) throw new TwoFactorSuspendedError();
    const now = clock.now();
    const choice = await pickChannel(user, options.channel, now, options.admits?.channel);
    const { channel } = choice;
    // before anything is reserved or sent: a channel below the caller's minimum costs nothing
    if (options.admits && !options.admits.channel(channel)) throw options.admits.refusal();
    const stored = isPhoneChannel(channel) ? user.phoneNumber : user.email;
    if (!stored) throw new NoDeliveryDestinationError(`The user has no ${isPhoneChannel(channel) ? 'phone number' : 'email address'} to send a code to`);
    const { context } = options;
    // Any code of this length renders at the same length: every digit is one GSM-7 septet (and one UCS-2 unit).
    if (channel === 'SMS' && context !== undefined && !fitsOneSmsSegment(renderSms({ code: '0'.repeat(length), expiresInMinutes: expirationMinutes, locale: user.locale, context }))) {
      throw new ContextTooLongForSmsError();
    }

    const sms = isPhoneChannel(channel) ? await smsGuard.admit(stored, now, channel) : undefined;
    const to = sms?.e164 ?? stored;
    const code = newCode(length);
    const expiresAt = new Date(now.getTime() + expirationMinutes * 60_000);
    const destination = sms ? maskPhone(to) : maskEmail(to);
    const record: NewCode = {
      userId: user.id,
      codeHash: hashCode(secret, user.id, code),
      channel,
      destination,
      country: sms?.country ?? null,
      dialPrefix: sms?.prefix ?? null,
      contextHash: context === undefined ? null : contextHash(context),
      expiresAt,
      createdAt: now,
    };
    // Only a request that would send is throttled: bad input never takes the user's slot. An
    // email's slot and record are one statement; an SMS takes the service's budget between them.
    let codeId = await throttle.reserveSend({ id: user.id, username }, now, sms ? undefined : record);
    if (sms) {
      try {
        await smsGuard.reserve(now);
      } catch (error) {
        await throttle.releaseSend(user.id, now);
        throw error;
      }
      codeId = await codes.insertSending(record);
    }
    if (codeId === null) throw new Error('the new code was not recorded');

    let sent: SendOutcome;
    try {
      const receipt = await delivery.send({ channel, to, code, expiresInMinutes: expirationMinutes, locale: user.locale, context, codeId });
      sent = { providerMessageId: receipt.providerMessageId ?? null, status: receipt.status ?? null, receiptExpected: receipt.receiptExpected ?? false };
    } catch (error) {
      const reason = describeDeliveryError(error, to, destination);
      logger.warn({ userId: user.id, channel, destination, reason }, 'delivery failed; the code was discarded');
      // the event says which error, never the destination or the provider's words
      const failure = error instanceof DomainError ? error.code : 'DELIVERY_FAILED';
      await codes.markFailed(codeId, reason, [securityEvent('delivery.failed', user.id, { username, channel, reason: failure }, now)], providerCodeOf(error), now);
      // Nothing reached the user: the next generate may send at once, and the SMS cost nothing.
      await throttle.releaseSend(user.id, now);
      if (sms) await smsGuard.release(now);
      if (error instanceof DomainError) throw error;
      throw new DeliveryFailedError(channel);
    }

    // Usable from here on, written with the send's audit rows.
    await store.settle({ at: now, activateCode: { userId: user.id, codeId, ...sent }, username, audits: options.audits?.({ userId: user.id, channel }) ?? [], events: [] });
    return { userId: user.id, code, expiresAt, channel, channelReason: choice.reason, fallbackFrom: choice.fallbackFrom, destination };
  }

  /**
   * The channel a code goes by: the caller's, checked only for a destination (a channel the
   * service cannot send by fails as DELIVERY_NOT_CONFIGURED, as before); else the first of the
   * user's reachable channels that has not failed them lately.
   */
  async function pickChannel(
    user: Awaited<ReturnType<typeof users.findForSending>> & object,
    requested: ChannelRequest | undefined,
    now: Date,
    admits: (channel: Channel) => boolean = () => true,
  ): Promise<ChannelChoice> {
    if (requested !== undefined && requested !== 'AUTO') return { channel: requested, reason: 'REQUESTED', fallbackFrom: null };
    // A user whose own delivery method has no destination (created before it was known) is told so, as before.
    if (!user.channelOrder) {
      const method = channels.find((channel) => channel === user.deliveryMethod) ?? 'EMAIL';
      if (!(isPhoneChannel(method) ? user.phoneNumber : user.email)) return { channel: method, reason: 'PREFERRED', fallbackFrom: null };
    }
    const order = reachableChannels(user, (channel) => (delivery.configured?.(channel) ?? true) && admits(channel));
    const recent = order.length > 1 ? await codes.recentDeliveries(user.id, new Date(now.getTime() - FAILURE_MEMORY_MS)) : [];
    return chooseChannel(order, recent, now, fallbackMs) ?? { channel: 'EMAIL', reason: 'PREFERRED', fallbackFrom: null };
  }

  /**
   * Checks a delivered code of a user (whose existence, lock and switch the caller checked).
   * One attempt is reserved on the user's newest delivered code, if it is ACTIVE, unexpired and
   * has attempts left, and its hash returned: by `reserved`, when the caller's guess took it in
   * the same statement, else here. A right code answers the code (its id and channel), which the caller uses
   * up with a conditional update (`Settlement.consumeCode`), so of many concurrent right
   * answers exactly one succeeds. Failures are diagnosed with one more read, on the error path only.
   *
   * Only the newest delivered code counts: two generates racing on PostgreSQL can each
   * activate their code without seeing the other's (both were SENDING in each statement's
   * snapshot), and the older of two ACTIVE codes must not come back to life once the newer
   * one is used.
   *
   * A code generated for an action (`context`) is accepted only with the same context, and one
   * generated without only without: a mismatch spends the attempt like a wrong code, whatever
   * the digits, so it says nothing about them.
   */
  async function verify(userId: number, code: string, now: Date, context?: string, reserved?: ReservedCode | null): Promise<ReservedCode> {
    const candidate = /^\d+$/.test(code) && code.length === length ? hashCode(secret, userId, code) : '';
    const attempt = reserved === undefined ? await codes.reserveAttempt(userId, now, maxAttempts) : reserved;
    if (!attempt) throw await diagnose(userId, candidate, now);

    const attemptsLeft = maxAttempts - attempt.attempts;
    if (attempt.contextHash !== (context === undefined ? null : contextHash(context))) {
      throw attemptsLeft > 0 ? new ContextMismatchError(attemptsLeft) : new TooManyAttemptsError();
    }
    if (!candidate || !sameHash(candidate, attempt.codeHash)) {
      throw attemptsLeft > 0 ? new InvalidCodeError(attemptsLeft) : new TooManyAttemptsError();
    }
    return attempt;
  }

  /**
   * Why no code could be reserved: the user's newest delivered code, and its state. Sending
   * the code that was already accepted again is a client's retry, answered CODE_ALREADY_USED;
   * any other code sent to a used one is a wrong guess.
   */
  async function diagnose(userId: number, candidate: string, now: Date): Promise<DomainError> {
    return notLive(await codes.newest(userId), candidate, now);
  }

  /** Why the user's newest delivered code (`last`) took no attempt, as `diagnose` says it. */
  function notLive(last: NewestCode | null, candidate: string, now: Date): DomainError {
    if (!last) return new NoPendingCodeError();
    if (last.status === 'USED') return candidate && sameHash(candidate, last.codeHash) ? new CodeAlreadyUsedError() : new InvalidCodeError(0);
    if (last.attempts >= maxAttempts) return new TooManyAttemptsError();
    if (last.expiresAt <= now) return new CodeExpiredError();
    // The code changed state between the two statements (consumed or superseded meanwhile).
    return new CodeAlreadyUsedError();
  }

  /**
   * The answer a verify of `code` gets when it could not succeed and would judge no wrong code,
   * read without writing: for a user who may verify now (switched on, not suspended, not
   * locked) and has no authenticator app, whose newest delivered code is not live (none, used
   * or expired), and only for the refusals that give their guess back (the accepted code sent
   * again, nothing pending, expired). Null otherwise: the request takes its guess as any other
   * (docs/security.md, "Refusals that need no guess").
   */
  async function refusalWithoutGuess(username: string, code: string, now: Date): Promise<{ userId: number; refusal: DomainError } | null> {
    const state = await codes.verifyStateOf(username);
    if (!state?.otpEnabled || state.suspended || state.hasApp || (state.lockedUntil !== null && state.lockedUntil > now)) return null;
    const last = state.newest;
    if (last?.status === 'ACTIVE' && last.attempts < maxAttempts && last.expiresAt > now) return null;
    const candidate = /^\d+$/.test(code) && code.length === length ? hashCode(secret, state.userId, code) : '';
    const refusal = notLive(last, candidate, now);
    return isGuess(refusal) ? null : { userId: state.userId, refusal };
  }

  /** Whether `code` is the user's newest delivered code and was accepted already: a retry, judged without writing. */
  async function wasAccepted(userId: number, code: string): Promise<boolean> {
    if (!/^\d+$/.test(code) || code.length !== length) return false;
    const last = await codes.newest(userId);
    return last?.status === 'USED' && sameHash(hashCode(secret, userId, code), last.codeHash);
  }

  return { generate, verify, refusalWithoutGuess, wasAccepted, maxAttempts };
}

/**
 * A short reason for the code's record (`delivery_error`): the error code, then the
 * provider's own words (e.g. "Twilio 21211 (HTTP 400): ..."), never the message body, and
 * the destination only masked, since providers often repeat the address in their refusal.
 */
function describeDeliveryError(error: unknown, to: string, masked: string): string {
  const parts: string[] = [];
  if (error instanceof DomainError) parts.push(error.code);
  const cause = error instanceof DomainError ? error.cause : error;
  if (cause instanceof Error) parts.push(describeProviderError(cause));
  else if (!(error instanceof DomainError)) parts.push('unknown delivery error');
  return parts.join(': ').split(to).join(masked).slice(0, 500);
}

function describeProviderError(error: Error): string {
  const { code, status } = error as Error & { code?: unknown; status?: unknown };
  if (typeof code === 'number') return `Twilio ${code}${typeof status === 'number' ? ` (HTTP ${status})` : ''}: ${error.message}`;
  if (typeof status === 'number') return `HTTP ${status}: ${error.message}`;
  return `${typeof code === 'string' ? `${code}: ` : ''}${error.message}`;
}

/** The provider's own error code, for the code's `delivery_error_code`: Twilio's, or an SMTP reply code. */
function providerCodeOf(error: unknown): string | null {
  const cause = error instanceof DomainError ? error.cause : error;
  const { code, responseCode } = (typeof cause === 'object' && cause !== null ? cause : {}) as { code?: unknown; responseCode?: unknown };
  if (typeof code === 'number') return String(code);
  if (typeof responseCode === 'number') return String(responseCode);
  return null;
}
