import type { CallContext } from '../auth/caller.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../clock/clock.js';
import type { UsersStore } from '../users/users.store.js';
import type { Channel } from '../delivery/channel.js';
import {
  auditOutcomeOf,
  CodeAlreadyUsedError,
  CodeExpiredError,
  CodeReplayedError,
  DomainError,
  InvalidCodeError,
  isGuess,
  NoPendingCodeError,
  RateLimitedError,
  TwoFactorSuspendedError,
  UserLockedError,
  UserNotFoundError,
} from '../errors/errors.js';
import type { GeneratedCode, OtpService } from '../otp/otp.service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResultTokens } from '../auth/result-token.js';
import { looksLikeRecoveryCode, type RecoveryService } from '../recovery/recovery.service.js';
import { secondsUntil, type GuessBudget, type GuessSlot } from '../throttle/guess-budget.js';
import type { TotpService } from '../totp/totp.service.js';

/** How the user proved it: a delivered code, an authenticator app, a recovery code, or a passkey (RFC 8176 style). */
export type VerificationMethod = 'otp' | 'totp' | 'recovery' | 'passkey';

/** What a method's check says when it says more than its name: the token's `amr` (RFC 8176 values). */
export interface JudgedMethod {
  method: VerificationMethod;
  amr: string[];
}

export interface Verified {
  username: string;
  method: VerificationMethod;
  verifiedAt: Date;
  token: string;
}

export interface VerificationDeps {
  users: Pick<UsersStore, 'idOf' | 'appState'>;
  clock: Clock;
  otp: OtpService;
  guesses: GuessBudget;
  audit: AuditService;
  totp: Pick<TotpService, 'verifyCode' | 'isReplay'>;
  recovery: Pick<RecoveryService, 'consume' | 'wasUsed'>;
  resultTokens: ResultTokens;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

/**
 * The two operations both surfaces offer: send a code, and check what the user typed. This
 * is where the user-level rules meet the methods: the lockout, the audit trail of every
 * attempt, and the choice of method. REST routes and GraphQL resolvers call only this.
 */
export function createVerificationService(deps: VerificationDeps) {
  const { users, clock, otp, guesses, audit, totp, recovery, resultTokens, metrics } = deps;
  async function generate(username: string, context: CallContext, options: { channel?: Channel } = {}): Promise<GeneratedCode> {
    try {
      const generated = await otp.generate(username, options);
      metrics.generated.inc({ outcome: 'SUCCESS', channel: generated.channel });
      await audit.record(
        { event: 'OTP_GENERATE', outcome: 'SUCCESS', channel: generated.channel, userId: generated.userId, username },
        context,
      );
      return generated;
    } catch (error) {
      if (error instanceof DomainError) {
        metrics.generated.inc({ outcome: error.code, channel: options.channel ?? 'DEFAULT' });
        if (error instanceof RateLimitedError) metrics.throttled.inc({ kind: 'send' });
        const userId = await userIdOf(username);
        await audit.record(
          { event: error instanceof RateLimitedError ? 'THROTTLE' : 'OTP_GENERATE', outcome: auditOutcomeOf(error), reason: error.code, userId, username },
          context,
        );
      }
      throw error;
    }
  }

  /**
   * Checks what the user typed against each method they have (a delivered code, an app code,
   * a recovery code). A success returns a result token other services can check offline.
   */
  async function verify(username: string, code: string, context: CallContext): Promise<Verified> {
    const typed = code.trim();
    return judged(username, context, {
      check: (slot, now) => check(slot, typed, now),
      // A client retrying a code that was accepted gets that answer, not "locked": retries
      // spend no guesses, but while many are in flight their slots can fill the window.
      retryOf: (now) => retryOf(username, typed, now),
    });
  }

  /**
   * The one way any method is judged. The guess is taken from the user's budget first (which
   * refuses an unknown, switched-off, locked or suspended user), and only then does `check`
   * judge the answer; the slot is settled by the outcome (a success clears the budget, a
   * refusal that judged nothing gives the slot back, a wrong answer keeps it), and every
   * attempt is audited. `retryOf` says whether an answer refused as locked repeats one that
   * was accepted before.
   */
  async function judged(
    username: string,
    context: CallContext,
    method: {
      check: (slot: GuessSlot, now: Date) => Promise<VerificationMethod | JudgedMethod>;
      retryOf?: (now: Date) => Promise<{ error: DomainError; userId: number } | null>;
    },
  ): Promise<Verified> {
    const now = clock.now();
    const refuse = async (error: DomainError, userId: number | null) => {
      metrics.verified.inc({ outcome: error.code, method: 'unknown' });
      await audit.record({ event: 'OTP_VERIFY', outcome: auditOutcomeOf(error), reason: error.code, userId, username }, context);
      return error;
    };
    let slot: GuessSlot;
    try {
      slot = await guesses.take(username, now);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error instanceof UserLockedError && method.retryOf) {
        const retried = await method.retryOf(now);
        if (retried) throw await refuse(retried.error, retried.userId);
      }
      throw await refuse(error, error instanceof UserNotFoundError ? null : await userIdOf(username));
    }

    let accepted: VerificationMethod;
    let amr: string[] | undefined;
    try {
      const judgedAs = await method.check(slot, now);
      accepted = typeof judgedAs === 'string' ? judgedAs : judgedAs.method;
      amr = typeof judgedAs === 'string' ? undefined : judgedAs.amr;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (!isGuess(error)) {
        await guesses.giveBack(slot);
        throw await refuse(error, slot.userId);
      }
      await refuse(error, slot.userId);
      if (slot.suspends) {
        await audit.record({ event: 'SUSPENSION', outcome: 'SUCCESS', reason: 'TWO_FACTOR_SUSPENDED', userId: slot.userId, username }, context);
        throw new TwoFactorSuspendedError();
      }
      if (!slot.locks) throw error;
      metrics.lockouts.inc();
      await audit.record({ event: 'LOCKOUT', outcome: 'SUCCESS', reason: 'USER_LOCKED', userId: slot.userId, username }, context);
      throw new UserLockedError(secondsUntil(slot.locks, now));
    }

    await guesses.succeeded(slot);
    metrics.verified.inc({ outcome: 'SUCCESS', method: accepted });
    await audit.record({ event: 'OTP_VERIFY', outcome: 'SUCCESS', method: accepted, userId: slot.userId, username }, context);
    if (accepted === 'recovery') {
      await audit.record({ event: 'RECOVERY_CODE_USE', outcome: 'SUCCESS', method: accepted, userId: slot.userId, username }, context);
    }
    const token = await resultTokens.issue({ username, method: accepted, amr });
    return { username, method: accepted, verifiedAt: now, token };
  }

  /**
   * Which method accepts the code. A recovery code has its own shape; six digits may be the
   * authenticator app's (tried first: no write unless it matches) or a delivered code's. When
   * the user has an app and no delivered code is pending, a miss is reported as the app's.
   */
  async function check(slot: GuessSlot, code: string, now: Date): Promise<VerificationMethod> {
    if (looksLikeRecoveryCode(code)) {
      const used = await recovery.consume(slot.userId, code, now);
      if (used === 'OK') return 'recovery';
      throw used === 'ALREADY_USED' ? new CodeAlreadyUsedError() : new InvalidCodeError(slot.guessesLeft);
    }
    const user = { id: slot.userId, totpSecret: slot.totpSecret, totpLastStep: slot.totpLastStep };
    const app = user.totpSecret ? await totp.verifyCode(user, code, now) : 'INVALID';
    if (app === 'OK') return 'totp';
    try {
      await otp.verify(slot.userId, code, now);
      return 'otp';
    } catch (error) {
      const nothingDelivered = error instanceof NoPendingCodeError || error instanceof CodeExpiredError;
      if (user.totpSecret && nothingDelivered) {
        throw app === 'REPLAYED' ? new CodeReplayedError() : new InvalidCodeError(slot.guessesLeft);
      }
      if (app === 'REPLAYED' && error instanceof InvalidCodeError) throw new CodeReplayedError();
      // The code's own allowance or the user's budget, whichever runs out first.
      if (error instanceof InvalidCodeError) throw new InvalidCodeError(Math.min(error.attemptsLeft, slot.guessesLeft));
      throw error;
    }
  }

  /**
   * When `code` repeats an answer the user's methods accepted before, the refusal a retry
   * gets. Judging it needs no guess: an accepted code opens nothing any more.
   */
  async function retryOf(username: string, code: string, now: Date): Promise<{ error: DomainError; userId: number } | null> {
    const user = await users.appState(username);
    if (!user) return null;
    if (looksLikeRecoveryCode(code)) {
      return (await recovery.wasUsed(user.id, code)) ? { error: new CodeAlreadyUsedError(), userId: user.id } : null;
    }
    if (totp.isReplay(user, code, now)) {
      return { error: new CodeReplayedError(), userId: user.id };
    }
    return (await otp.wasAccepted(user.id, code)) ? { error: new CodeAlreadyUsedError(), userId: user.id } : null;
  }

  function userIdOf(username: string): Promise<number | null> {
    return users.idOf(username);
  }

  return { generate, verify, judged };
}
