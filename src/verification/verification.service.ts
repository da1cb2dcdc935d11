import type { CallContext } from '../auth/caller.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../clock/clock.js';
import type { AppState, UsersStore } from '../users/users.store.js';
import type { Channel } from '../delivery/channel.js';
import {
  auditOutcomeOf,
  CodeAlreadyUsedError,
  CodeExpiredError,
  CodeReplayedError,
  ContextMismatchError,
  DomainError,
  InvalidCodeError,
  isGuess,
  NoPendingCodeError,
  RateLimitedError,
  TwoFactorSuspendedError,
  UserLockedError,
  ValidationFailedError,
  type FieldIssue,
} from '../errors/errors.js';
import { CONTEXT_MAX_LENGTH, fitsLength } from '../limits/input-limits.js';
import { RECOVERY_CODES_LOW, securityEvent, type SecurityEvent } from '../events/events.js';
import { contextProblem } from './action-context.js';
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

/**
 * What a verification is for, beyond the user: the action the user approves (`context`,
 * which a delivered code must have been generated with, and whose hash the token carries as
 * `ctx`) and the service the token is for (`aud`). Both optional.
 */
export interface ActionBinding {
  actionContext?: string;
  audience?: string;
}

export interface Verified {
  username: string;
  method: VerificationMethod;
  verifiedAt: Date;
  token: string;
}

export interface VerificationDeps {
  users: Pick<UsersStore, 'idOf'>;
  clock: Clock;
  otp: OtpService;
  guesses: GuessBudget;
  audit: AuditService;
  totp: Pick<TotpService, 'verifyCode' | 'isReplay'>;
  recovery: Pick<RecoveryService, 'consume' | 'wasUsed' | 'remaining'>;
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
  async function generate(
    username: string,
    context: CallContext,
    options: { channel?: Channel; actionContext?: string } = {},
  ): Promise<GeneratedCode> {
    checkBinding({ actionContext: options.actionContext });
    try {
      const generated = await otp.generate(username, { channel: options.channel, context: options.actionContext });
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
   * A delivered code generated for an action is accepted only with the same `actionContext`;
   * app and recovery codes accept any, and the token is bound to it either way.
   */
  async function verify(username: string, code: string, context: CallContext, binding: ActionBinding = {}): Promise<Verified> {
    const typed = code.trim();
    return judged(
      username,
      context,
      {
        check: (slot, now) => check(slot, typed, now, binding.actionContext),
        // A client retrying a code that was accepted gets that answer, not "locked": retries
        // spend no guesses, but while many are in flight their slots can fill the window.
        retryOf: (user, now) => retryOf(user, typed, now),
      },
      binding,
    );
  }

  /** Refuses, before any guess is taken, a context or audience that cannot be shown or compared as given. */
  function checkBinding({ actionContext, audience }: ActionBinding): void {
    const issues: FieldIssue[] = [];
    for (const [field, value] of [['context', actionContext], ['audience', audience]] as const) {
      if (value === undefined) continue;
      const problem = fitsLength(value, CONTEXT_MAX_LENGTH) ? contextProblem(value) : `must be at most ${String(CONTEXT_MAX_LENGTH)} characters`;
      if (problem) issues.push({ path: [field], message: problem });
    }
    if (issues.length > 0) throw new ValidationFailedError(issues);
  }

  /**
   * The one way any method is judged. The guess is taken from the user's budget first (which
   * refuses an unknown, switched-off, locked or suspended user), and only then does `check`
   * judge the answer; the slot is settled by the outcome (a success clears the budget, a
   * refusal that judged nothing gives the slot back, a wrong answer keeps it), and every
   * attempt is audited. `retryOf` says whether an answer refused as locked repeats one that
   * was accepted before. The token is bound to `binding` (its `ctx` and `aud`).
   */
  async function judged(
    username: string,
    context: CallContext,
    method: {
      check: (slot: GuessSlot, now: Date) => Promise<VerificationMethod | JudgedMethod>;
      retryOf?: (user: AppState, now: Date) => Promise<DomainError | null>;
    },
    binding: ActionBinding = {},
  ): Promise<Verified> {
    checkBinding(binding);
    const now = clock.now();
    // Events ride with the write that records what caused them: a wrong guess, its lock or
    // suspension with the audit entry of the judgment (the guess itself was counted before
    // judging, when nothing was known yet); a success with the write that settles its slot.
    const refuse = async (error: DomainError, userId: number | null, events: readonly SecurityEvent[] = []) => {
      metrics.verified.inc({ outcome: error.code, method: 'unknown' });
      await audit.record({ event: 'OTP_VERIFY', outcome: auditOutcomeOf(error), reason: error.code, userId, username }, context, events);
      return error;
    };
    const taken = await guesses.take(username, now);
    if ('refused' in taken) {
      const { refused, user } = taken;
      if (refused instanceof UserLockedError && user && method.retryOf) {
        const retried = await method.retryOf(user, now);
        if (retried) throw await refuse(retried, user.id);
      }
      throw await refuse(refused, user?.id ?? null);
    }
    const slot: GuessSlot = taken;

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
      await refuse(error, slot.userId, [securityEvent('verification.failed', slot.userId, { username, reason: error.code }, now)]);
      if (slot.suspends) {
        const suspended = securityEvent('user.suspended', slot.userId, { username, reason: 'TWO_FACTOR_SUSPENDED' }, now);
        await audit.record({ event: 'SUSPENSION', outcome: 'SUCCESS', reason: 'TWO_FACTOR_SUSPENDED', userId: slot.userId, username }, context, [suspended]);
        throw new TwoFactorSuspendedError();
      }
      if (!slot.locks) throw error;
      metrics.lockouts.inc();
      const locked = securityEvent('user.locked', slot.userId, { username, reason: 'USER_LOCKED', lockedUntil: slot.locks.toISOString() }, now);
      await audit.record({ event: 'LOCKOUT', outcome: 'SUCCESS', reason: 'USER_LOCKED', userId: slot.userId, username }, context, [locked]);
      throw new UserLockedError(secondsUntil(slot.locks, now));
    }

    await guesses.succeeded(slot, await approvedEvents(slot.userId, username, accepted, now));
    metrics.verified.inc({ outcome: 'SUCCESS', method: accepted });
    await audit.record({ event: 'OTP_VERIFY', outcome: 'SUCCESS', method: accepted, userId: slot.userId, username }, context);
    if (accepted === 'recovery') {
      await audit.record({ event: 'RECOVERY_CODE_USE', outcome: 'SUCCESS', method: accepted, userId: slot.userId, username }, context);
    }
    const token = await resultTokens.issue({ username, method: accepted, amr, context: binding.actionContext, audience: binding.audience });
    return { username, method: accepted, verifiedAt: now, token };
  }

  /** What a success tells the outbox: approved, and for a recovery code its use and, when few are left, that they run low. */
  async function approvedEvents(userId: number, username: string, method: VerificationMethod, now: Date): Promise<SecurityEvent[]> {
    const events = [securityEvent('verification.approved', userId, { username, method }, now)];
    if (method !== 'recovery') return events;
    const remaining = await recovery.remaining(userId);
    events.push(securityEvent('recovery_code.used', userId, { username, method, remaining }, now));
    if (remaining <= RECOVERY_CODES_LOW) events.push(securityEvent('recovery_codes.low', userId, { username, method, remaining }, now));
    return events;
  }

  /**
   * Which method accepts the code. A recovery code has its own shape; six digits may be the
   * authenticator app's (tried first: no write unless it matches) or a delivered code's. When
   * the user has an app and no delivered code is pending, a miss is reported as the app's.
   */
  async function check(slot: GuessSlot, code: string, now: Date, actionContext: string | undefined): Promise<VerificationMethod> {
    if (looksLikeRecoveryCode(code)) {
      const used = await recovery.consume(slot.userId, code, now);
      if (used === 'OK') return 'recovery';
      throw used === 'ALREADY_USED' ? new CodeAlreadyUsedError() : new InvalidCodeError(slot.guessesLeft);
    }
    const user = { id: slot.userId, totpSecret: slot.totpSecret, totpLastStep: slot.totpLastStep };
    const app = user.totpSecret ? await totp.verifyCode(user, code, now) : 'INVALID';
    if (app === 'OK') return 'totp';
    try {
      await otp.verify(slot.userId, code, now, actionContext);
      return 'otp';
    } catch (error) {
      const nothingDelivered = error instanceof NoPendingCodeError || error instanceof CodeExpiredError;
      if (user.totpSecret && nothingDelivered) {
        throw app === 'REPLAYED' ? new CodeReplayedError() : new InvalidCodeError(slot.guessesLeft);
      }
      if (app === 'REPLAYED' && error instanceof InvalidCodeError) throw new CodeReplayedError();
      // The code's own allowance or the user's budget, whichever runs out first.
      if (error instanceof InvalidCodeError) throw new InvalidCodeError(Math.min(error.attemptsLeft, slot.guessesLeft));
      if (error instanceof ContextMismatchError) throw new ContextMismatchError(Math.min(error.attemptsLeft, slot.guessesLeft));
      throw error;
    }
  }

  /**
   * When `code` repeats an answer the user's methods accepted before, the refusal a retry
   * gets. Judging it needs no guess: an accepted code opens nothing any more.
   */
  async function retryOf(user: AppState, code: string, now: Date): Promise<DomainError | null> {
    if (looksLikeRecoveryCode(code)) return (await recovery.wasUsed(user.id, code)) ? new CodeAlreadyUsedError() : null;
    if (totp.isReplay(user, code, now)) return new CodeReplayedError();
    return (await otp.wasAccepted(user.id, code)) ? new CodeAlreadyUsedError() : null;
  }


  function userIdOf(username: string): Promise<number | null> {
    return users.idOf(username);
  }

  return { generate, verify, judged };
}
