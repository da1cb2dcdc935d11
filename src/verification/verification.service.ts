import type { CallContext } from '../auth/caller.js';
import type { AuditEntry, AuditService } from '../audit/audit.service.js';
import type { AuditRow } from '../audit/audit.store.js';
import type { Clock } from '../clock/clock.js';
import type { AppState, UsersStore } from '../users/users.store.js';
import {
  auditOutcomeOf,
  CodeAlreadyUsedError,
  CodeReplayedError,
  ContextMismatchError,
  DomainError,
  InsufficientAssuranceError,
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
import { normaliseUsername } from '../vocabulary/username.js';
import { contextProblem } from '../vocabulary/action-context.js';
import type { ChannelRequest, GeneratedCode, OtpService } from '../otp/otp.service.js';
import type { Channel } from '../vocabulary/channel.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ResultTokens } from './result-token.js';
import { looksLikeRecoveryCode, type RecoveryService } from '../recovery/recovery.service.js';
import { secondsUntil, type GuessBudget, type GuessSlot } from '../throttle/guess-budget.js';
import type { TotpService } from '../totp/totp.service.js';
import type { VerificationStore } from '../throttle/verification.store.js';
import {
  appAssurance,
  deliveredCodeAssurance,
  meets,
  recoveryAssurance,
  sufficientFactors,
  type Assurance,
  type AssuranceLevel,
} from '../vocabulary/assurance.js';
import type { Factors } from '../step-up/factors.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { RememberedDevice } from '../devices/devices.store.js';

/** users remembered by `nothingLive` (a name and a map entry each, well under 1 MB in all) */
const NOTHING_LIVE_REMEMBERED = 4096;

/** A set of at most `max` names, forgetting the longest unused first. */
function recentNames(max: number) {
  const names = new Set<string>();
  return {
    has: (name: string) => names.has(name),
    delete: (name: string) => void names.delete(name),
    add(name: string) {
      names.delete(name);
      names.add(name);
      const oldest = names.size > max ? names.values().next().value : undefined;
      if (oldest !== undefined) names.delete(oldest);
    },
  };
}

/** How the user proved it: a delivered code, an authenticator app, a recovery code, a passkey, or a remembered device. */
export type VerificationMethod = 'otp' | 'totp' | 'recovery' | 'passkey' | 'device';

/**
 * What a method's check says: the method, what its proof reaches and how it was made (the
 * token's `acr` and `amr`), and the delivered code its success uses up (with the rest of the
 * success, at once).
 */
export interface JudgedMethod {
  method: VerificationMethod;
  assurance: Assurance;
  consumeCode?: number;
  /** a device check's: the device, whose proof's time is the token's auth_time */
  device?: RememberedDevice;
}

/**
 * What a verification is for, beyond the user: the action the user approves (`context`,
 * which a delivered code must have been generated with, and whose hash the token carries as
 * `ctx`), the service the token is for (`aud`), and the least the proof must reach (a method
 * below it is refused before it is judged). All optional.
 */
export interface ActionBinding {
  actionContext?: string;
  audience?: string;
  minimumAssurance?: AssuranceLevel;
  /** remember the device after a success: the answer carries its token (`deviceName` names it) */
  rememberDevice?: { name?: string | null };
}

export interface Verified {
  username: string;
  method: VerificationMethod;
  /** what the proof reaches: the token's `acr` */
  assurance: AssuranceLevel;
  /** how it was made: the token's `amr` */
  amr: string[];
  verifiedAt: Date;
  token: string;
  /** the device remembered (rememberDevice), or the one checked (verifyDevice) */
  device?: RememberedDevice;
  /** the new device's token, given once (rememberDevice only) */
  deviceToken?: string;
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
  factors: Factors;
  devices: Pick<DevicesService, 'nameOf' | 'remember' | 'check' | 'revokeAllOf'>;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

/** The methods a typed code may be judged by, under the caller's minimum assurance. */
interface Admitted {
  app: boolean;
  delivered: boolean;
  recovery?: boolean;
}

/**
 * The two operations both surfaces offer: send a code, and check what the user typed. This
 * is where the user-level rules meet the methods: the lockout, the audit trail of every
 * attempt, and the choice of method. REST routes and GraphQL resolvers call only this.
 */
export function createVerificationService(deps: VerificationDeps) {
  const { users, store, clock, otp, guesses, audit, totp, recovery, resultTokens, factors, devices, metrics } = deps;
  /**
   * Users whose last verification here left nothing live (their code used up, or none was
   * pending): only for them is a verify first answered from a read. A hint, never the answer:
   * the read decides, and a user who got a new code meanwhile is judged as any other.
   */
  const nothingLive = recentNames(NOTHING_LIVE_REMEMBERED);

  /**
   * Sends a code. With `minimumAssurance`, a channel below it (an email where AAL2 is asked
   * for) is refused before anything is sent, naming the user's factors that would do.
   */
  async function generate(
    given: string,
    context: CallContext,
    options: { channel?: ChannelRequest; actionContext?: string; minimumAssurance?: AssuranceLevel } = {},
  ): Promise<GeneratedCode> {
    const username = normaliseUsername(given);
    checkBinding({ actionContext: options.actionContext });
    try {
      const { minimumAssurance } = options;
      let admits: { channel: (channel: Channel) => boolean; refusal: () => Error } | undefined;
      if (minimumAssurance !== undefined) {
        const inventory = await factors.of(username, clock.now());
        // An unknown user is refused by the send itself, as without a minimum.
        const refusal = () => new InsufficientAssuranceError(minimumAssurance, inventory ? sufficientFactors(inventory.factors, minimumAssurance) : []);
        admits = { channel: (channel) => meets(deliveredCodeAssurance(channel).level, minimumAssurance), refusal };
        const requested = options.channel === undefined || options.channel === 'AUTO' ? undefined : options.channel;
        if (inventory && requested && !admits.channel(requested)) throw refusal();
      }
      const generated = await otp.generate(username, {
        channel: options.channel,
        ...(admits ? { admits } : {}),
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
    const { minimumAssurance } = binding;
    // Which methods may judge the answer: all, unless a minimum rules some out (decided before the guess).
    let methods: Admitted = { app: true, delivered: true };
    return judged(
      username,
      context,
      {
        admit:
          minimumAssurance === undefined
            ? undefined
            : async (now) => {
                methods = await admittedMethods(username, typed, minimumAssurance, now);
              },
        check: (slot, now) => check(slot, typed, now, binding.actionContext, methods),
        // a recovery code's shape says it is not a delivered code: no attempt to reserve (read after `admit`)
        get reserveCode() {
          return !looksLikeRecoveryCode(typed) && methods.delivered;
        },
        // A client retrying a code that was accepted gets that answer, not "locked": retries
        // spend no guesses, but while many are in flight their slots can fill the window.
        retryOf: (user, now) => retryOf(user, typed, now),
        // Nothing live to judge against (the accepted code sent again, none pending): answered
        // from a read, without the guess taken and given back (docs/security.md). The read is
        // made only for users this process last left with nothing live, so that a first try
        // costs no statement more.
        leavesNothingLive: true,
        withoutGuess: async (name, now) => {
          if (looksLikeRecoveryCode(typed) || !methods.delivered || !nothingLive.has(name)) return null;
          const answer = await otp.refusalWithoutGuess(name, typed, now);
          if (!answer) nothingLive.delete(name);
          return answer;
        },
      },
      binding,
    );
  }

  /**
   * Checks a remembered device's token: judged like any answer (a wrong token takes a guess from
   * the user's budget), and answered like a verify, with a result token whose `acr` and
   * `auth_time` are those of the verification that remembered the device and which says that no
   * factor was presented now (`factor_presented: false`). It never carries an action `context`:
   * binding an action needs a fresh proof.
   */
  async function verifyDevice(
    username: string,
    deviceToken: string,
    context: CallContext,
    options: { maxAgeSeconds?: number; minimumAssurance?: AssuranceLevel; audience?: string } = {},
  ): Promise<Verified> {
    const { maxAgeSeconds, minimumAssurance, audience } = options;
    if (maxAgeSeconds !== undefined && (!Number.isInteger(maxAgeSeconds) || maxAgeSeconds < 0)) {
      throw new ValidationFailedError([{ path: ['maxAgeSeconds'], message: 'must be a whole number of seconds, 0 or more' }]);
    }
    return judged(
      username,
      context,
      {
        check: async (slot, now) => {
          const checked = await devices.check(slot.userId, deviceToken.trim(), now, { maxAgeSeconds, minimum: minimumAssurance });
          return { method: 'device', assurance: checked.assurance, device: checked.device };
        },
      },
      { audience, minimumAssurance },
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
   * `admit`, run before the guess is taken, refuses a method below `binding.minimumAssurance`
   * (nothing judged, no guess spent); `withoutGuess`, run next, answers a request that could
   * not succeed and would judge no wrong code from a read, with no guess taken; a proof that still falls below it once judged (a passkey
   * that did not verify the user, a code sent by another channel meanwhile) is refused without
   * being used up, and its slot given back.
   *
   * What a judgment writes (the code used up, the budget cleared, its audit rows, its events)
   * is written at once, as one unit (`store.settle`): on PostgreSQL a success costs two
   * statements in all, the guess and the settlement.
   */
  async function judged(
    given: string,
    context: CallContext,
    method: {
      check: (slot: GuessSlot, now: Date) => Promise<JudgedMethod>;
      retryOf?: (user: AppState, now: Date) => Promise<DomainError | null>;
      reserveCode?: boolean;
      admit?: (now: Date) => Promise<void>;
      withoutGuess?: (username: string, now: Date) => Promise<{ userId: number; refusal: DomainError } | null>;
      /** whether a success or a refusal here can leave nothing live to judge a retry against (a delivered code's method) */
      leavesNothingLive?: boolean;
    },
    binding: ActionBinding = {},
  ): Promise<Verified> {
    const username = normaliseUsername(given);
    checkBinding(binding);
    const deviceName = binding.rememberDevice ? devices.nameOf(binding.rememberDevice.name) : undefined;
    const now = clock.now();
    const entry = (event: AuditEntry['event'], outcome: AuditEntry['outcome'], fields: Partial<AuditEntry>) =>
      audit.row({ event, outcome, username, ...fields }, context);
    const refuse = async (error: DomainError, userId: number | null) => {
      metrics.verified.inc({ outcome: error.code, method: 'unknown' });
      await record([entry('OTP_VERIFY', auditOutcomeOf(error), { reason: error.code, userId })], []);
      return error;
    };
    if (method.admit) {
      try {
        await method.admit(now);
      } catch (error) {
        if (error instanceof InsufficientAssuranceError) throw await refuse(error, await userIdOf(username));
        throw error;
      }
    }
    const unjudged = await method.withoutGuess?.(username, now);
    if (unjudged) throw await refuse(unjudged.refusal, unjudged.userId);
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
      judgedAs = await method.check(slot, now);
      const { minimumAssurance } = binding;
      if (minimumAssurance !== undefined && !meets(judgedAs.assurance.level, minimumAssurance)) {
        throw new InsufficientAssuranceError(minimumAssurance, await sufficientFor(username, minimumAssurance, now));
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (!isGuess(error)) {
        await guesses.giveBack(slot);
        if (method.leavesNothingLive) nothingLive.add(username);
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
      username,
      audits,
      events: await approvedEvents(slot.userId, username, accepted, now),
    });
    if (!settled) {
      // Another request used the code up since this one reserved its attempt: a retry's answer.
      await guesses.giveBack(slot);
      throw await refuse(new CodeAlreadyUsedError(), slot.userId);
    }
    metrics.verified.inc({ outcome: 'SUCCESS', method: accepted });
    if (method.leavesNothingLive) nothingLive.add(username);
    const { device } = judgedAs;
    const token = await resultTokens.issue({
      username,
      assurance: judgedAs.assurance,
      ...(device ? { authTime: device.authTime, rememberedDevice: String(device.id) } : { context: binding.actionContext }),
      audience: binding.audience,
    });
    const verified: Verified = { username, method: accepted, assurance: judgedAs.assurance.level, amr: judgedAs.assurance.amr, verifiedAt: now, token };
    if (device) return { ...verified, device };
    if (!binding.rememberDevice) return verified;
    // A device check remembers nothing new: it would stretch an old proof past its expiry.
    const remembered = await devices.remember({ userId: slot.userId, username }, { method: accepted, assurance: judgedAs.assurance, authTime: now }, deviceName);
    return { ...verified, device: remembered.device, deviceToken: remembered.token };
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
      // What the devices vouch for no longer stands: reinstating the user does not bring them back.
      await devices.revokeAllOf(userId, username, 'SUSPENDED');
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
  async function check(slot: GuessSlot, code: string, now: Date, actionContext: string | undefined, admitted: Admitted): Promise<JudgedMethod> {
    if (looksLikeRecoveryCode(code)) {
      const used = await recovery.consume(slot.userId, code, now);
      if (used === 'OK') return { method: 'recovery', assurance: recoveryAssurance };
      throw used === 'ALREADY_USED' ? new CodeAlreadyUsedError() : new InvalidCodeError(slot.guessesLeft);
    }
    const user = { id: slot.userId, username: slot.username, totpSecret: admitted.app ? slot.totpSecret : null, totpLastStep: slot.totpLastStep };
    const app = user.totpSecret ? await totp.verifyCode(user, code, now) : 'INVALID';
    if (app === 'OK') return { method: 'totp', assurance: appAssurance };
    // Only the app reaches the caller's minimum: the answer was judged as the app's, and is wrong.
    if (!admitted.delivered) throw app === 'REPLAYED' ? new CodeReplayedError() : new InvalidCodeError(slot.guessesLeft);
    try {
      const used = await otp.verify(slot.userId, code, now, actionContext, slot.reserved);
      return { method: 'otp', assurance: deliveredCodeAssurance(used.channel), consumeCode: used.id };
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

  /**
   * Which of the methods a typed code may be judged by reach `minimum`: a recovery code, the
   * app, the delivered code pending (by its channel). None: refused before any guess, with the
   * user's factors that would do. An unknown user is left to the guess to refuse.
   */
  async function admittedMethods(username: string, code: string, minimum: AssuranceLevel, now: Date): Promise<Admitted> {
    const inventory = await factors.of(username, now);
    if (!inventory) return { app: true, delivered: true };
    const admitted: Admitted = looksLikeRecoveryCode(code)
      ? { app: false, delivered: false, recovery: meets(recoveryAssurance.level, minimum) }
      : {
          app: inventory.hasApp && meets(appAssurance.level, minimum),
          delivered: inventory.pendingChannel !== null && meets(deliveredCodeAssurance(inventory.pendingChannel).level, minimum),
        };
    if (!admitted.app && !admitted.delivered && admitted.recovery !== true) {
      throw new InsufficientAssuranceError(minimum, sufficientFactors(inventory.factors, minimum));
    }
    return admitted;
  }

  async function sufficientFor(username: string, minimum: AssuranceLevel, now: Date) {
    const inventory = await factors.of(username, now);
    return inventory ? sufficientFactors(inventory.factors, minimum) : [];
  }

  return { generate, verify, verifyDevice, judged };
}
