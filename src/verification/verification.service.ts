import type { CallContext } from '../auth/caller.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { AuditRow } from '../audit/audit.store.js';
import type { Clock } from '../clock/clock.js';
import type { AppState, UsersStore } from '../users/users.store.js';
import type { Channel } from '../delivery/channel.js';
import {
  auditOutcomeOf,
  CodeAlreadyUsedError,
  CodeReplayedError,
  ContextMismatchError,
  DomainError,
  InvalidCodeError,
  isGuess,
  isNothingDelivered,
  RateLimitedError,
  TwoFactorSuspendedError,
  UserLockedError,
  ValidationFailedError,
  type FieldIssue,
} from '../errors/errors.js';
import { CONTEXT_MAX_LENGTH, fitsLength } from '../limits/input-limits.js';
import { RECOVERY_CODES_LOW, securityEvent, type SecurityEvent } from '../events/events.js';
import { normaliseUsername } from '../users/username.js';
import { contextProblem } from './action-context.js';
import type { GeneratedCode, OtpService } from '../otp/otp.service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResultTokens } from '../auth/result-token.js';
import { looksLikeRecoveryCode, type RecoveryService } from '../recovery/recovery.service.js';
import { secondsUntil, type GuessBudget, type GuessSlot } from '../throttle/guess-budget.js';
import type { TotpService } from '../totp/totp.service.js';
import type { VerificationStore } from './verification.store.js';

/** How the user proved it: a delivered code, an authenticator app, a recovery code, or a passkey (RFC 8176 style). */
export type VerificationMethod = 'otp' | 'totp' | 'recovery' | 'passkey';

/**
 * What a method's check says when it says more than its name: the token's `amr` (RFC 8176
 * values), and the delivered code its success uses up (with the rest of the success, at once).
 */
export interface JudgedMethod {
  method: VerificationMethod;
  amr?: string[];
  consumeCode?: number;
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
  store: Pick<VerificationStore, 'settle'>;
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
  const { users, store, clock, otp, guesses, audit, totp, recovery, resultTokens, metrics } = deps;
  async function generate(
    given: string,
    context: CallContext,
    options: { channel?: Channel; actionContext?: string } = {},
  ): Promise<GeneratedCode> {
    const username = normaliseUsername(given);
    checkBinding({ actionContext: options.actionContext });
    try {
      const generated = await otp.generate(username, {
        channel: options.channel,
        context: options.actionContext,
        // written with the code's activation, in one statement on PostgreSQL
        audits: ({ userId, channel }) => [audit.row({ event: 'OTP_GENERATE', outcome: 'SUCCESS', channel, userId, username }, context)],
      });
      metrics.generated.inc({ outcome: 'SUCCESS', channel: generated.channel });
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
        // a recovery code's shape says it is not a delivered code: no attempt to reserve
        reserveCode: !looksLikeRecoveryCode(typed),
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
   * was accepted before; `reserveCode`, that the guess may reserve an attempt on the user's
   * delivered code in the same statement. The token is bound to `binding` (its `ctx` and `aud`).
   *
   * What a judgment writes (the code used up, the budget cleared, its audit rows, its events)
   * is written at once, as one unit (`store.settle`): on PostgreSQL a success costs two
   * statements in all, the guess and the settlement.
   */
  async function judged(
    given: string,
    context: CallContext,
    method: {
      check: (slot: GuessSlot, now: Date) => Promise<VerificationMethod | JudgedMethod>;
      retryOf?: (user: AppState, now: Date) => Promise<DomainError | null>;
      reserveCode?: boolean;
    },
    binding: ActionBinding = {},
  ): Promise<Verified> {
    const username = normaliseUsername(given);
    checkBinding(binding);
    const now = clock.now();
    const entry = (event: AuditEntry['event'], outcome: AuditEntry['outcome'], fields: Partial<AuditEntry>) =>
      audit.row({ event, outcome, username, ...fields }, context);
    const refuse = async (error: DomainError, userId: number | null) => {
      metrics.verified.inc({ outcome: error.code, method: 'unknown' });
      await record([entry('OTP_VERIFY', auditOutcomeOf(error), { reason: error.code, userId })], []);
      return error;
    };
    const taken = await guesses.take(username, now, method.reserveCode ? { maxAttempts: otp.maxAttempts } : undefined);
    if ('refused' in taken) {
      const { refused, user } = taken;
      if (refused instanceof UserLockedError && user && method.retryOf) {
        const retried = await method.retryOf(user, now);
        if (retried) throw await refuse(retried, user.id);
      }
      throw await refuse(refused, user?.id ?? null);
    }
    const slot: GuessSlot = taken;

    let judgedAs: JudgedMethod;
    try {
      const result = await method.check(slot, now);
      judgedAs = typeof result === 'string' ? { method: result } : result;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (!isGuess(error)) {
        await guesses.giveBack(slot);
        throw await refuse(error, slot.userId);
      }
      throw await wrongGuess(error, slot, username, entry, now);
    }

    const accepted = judgedAs.method;
    const audits = [entry('OTP_VERIFY', 'SUCCESS', { method: accepted, userId: slot.userId })];
    if (accepted === 'recovery') audits.push(entry('RECOVERY_CODE_USE', 'SUCCESS', { method: accepted, userId: slot.userId }));
    const settled = await store.settle({
      at: now,
      consumeCode: judgedAs.consumeCode,
      clearGuessesOf: slot.userId,
      audits,
      events: await approvedEvents(slot.userId, username, accepted, now),
    });
    if (!settled) {
      // Another request used the code up since this one reserved its attempt: a retry's answer.
      await guesses.giveBack(slot);
      throw await refuse(new CodeAlreadyUsedError(), slot.userId);
    }
    metrics.verified.inc({ outcome: 'SUCCESS', method: accepted });
    const token = await resultTokens.issue({ username, method: accepted, amr: judgedAs.amr, context: binding.actionContext, audience: binding.audience });
    return { username, method: accepted, verifiedAt: now, token };
  }

  /**
   * A wrong answer: its audit row and event, and the lock or suspension its slot set with
   * theirs, written as one unit. Events ride with the write that records what caused them (the
   * guess itself was counted before judging, when nothing was known yet). Returns what to throw.
   */
  async function wrongGuess(
    error: DomainError,
    slot: GuessSlot,
    username: string,
    entry: (event: AuditEntry['event'], outcome: AuditEntry['outcome'], fields: Partial<AuditEntry>) => AuditRow,
    now: Date,
  ): Promise<DomainError> {
    const { userId } = slot;
    metrics.verified.inc({ outcome: error.code, method: 'unknown' });
    const audits = [entry('OTP_VERIFY', auditOutcomeOf(error), { reason: error.code, userId })];
    const events = [securityEvent('verification.failed', userId, { username, reason: error.code }, now)];
    let thrown = error;
    if (slot.suspends) {
      audits.push(entry('SUSPENSION', 'SUCCESS', { reason: 'TWO_FACTOR_SUSPENDED', userId }));
      events.push(securityEvent('user.suspended', userId, { username, reason: 'TWO_FACTOR_SUSPENDED' }, now));
      thrown = new TwoFactorSuspendedError();
    } else if (slot.locks) {
      metrics.lockouts.inc();
      audits.push(entry('LOCKOUT', 'SUCCESS', { reason: 'USER_LOCKED', userId }));
      events.push(securityEvent('user.locked', userId, { username, reason: 'USER_LOCKED', lockedUntil: slot.locks.toISOString() }, now));
      thrown = new UserLockedError(secondsUntil(slot.locks, now));
    }
    await record(audits, events);
    return thrown;
  }

  /**
   * A refusal's rows and events. As for every audit entry, a failure to write them is logged,
   * not thrown: the answer the caller gets must not depend on the audit write.
   */
  async function record(audits: AuditRow[], events: SecurityEvent[]): Promise<void> {
    await audit.guarded(audits[0], () => store.settle({ at: clock.now(), audits, events }));
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
  async function check(slot: GuessSlot, code: string, now: Date, actionContext: string | undefined): Promise<VerificationMethod | JudgedMethod> {
    if (looksLikeRecoveryCode(code)) {
      const used = await recovery.consume(slot.userId, code, now);
      if (used === 'OK') return 'recovery';
      throw used === 'ALREADY_USED' ? new CodeAlreadyUsedError() : new InvalidCodeError(slot.guessesLeft);
    }
    const user = { id: slot.userId, totpSecret: slot.totpSecret, totpLastStep: slot.totpLastStep };
    const app = user.totpSecret ? await totp.verifyCode(user, code, now) : 'INVALID';
    if (app === 'OK') return 'totp';
    try {
      return { method: 'otp', consumeCode: await otp.verify(slot.userId, code, now, actionContext, slot.reserved) };
    } catch (error) {
      const nothingDelivered = isNothingDelivered(error);
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
