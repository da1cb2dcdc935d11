import type { Config } from '../config/config.js';
import { TwoFactorDisabledError, TwoFactorSuspendedError, UserLockedError, UserNotFoundError } from '../errors/errors.js';
import type { AppState, UsersStore } from '../users/users.store.js';
import type { ReservedCode } from '../delivery/codes.store.js';
import type { VerificationStore } from './verification.store.js';

/**
 * One guess a verification may make, taken from the user's budget before anything is judged.
 * It carries what the methods need of the user, read by the same statement that took it.
 */
export interface GuessSlot {
  userId: number;
  /** the username it was taken for */
  username: string;
  totpSecret: string | null;
  totpLastStep: number | null;
  /** guesses this lockout window still allows after this one */
  guessesLeft: number;
  /** when this slot took the window's last guess: the lock it set, which holds if the guess fails */
  locks: Date | null;
  /** whether this slot reached MAX_CONSECUTIVE_FAILURES: the user is suspended if the guess fails */
  suspends: boolean;
  /**
   * The attempt on the user's newest delivered code reserved with the guess, when asked for and
   * the user has no app (null: none could be reserved); undefined when not taken with the guess.
   */
  reserved?: ReservedCode | null;
}

/** Why a guess can be refused: every verify field answers these (verifyOtp, verifyPasskey, verifyDevice). */
export const guessRefusals = [UserNotFoundError, TwoFactorDisabledError, TwoFactorSuspendedError, UserLockedError] as const;

/** No guess was taken: why, and the user as read then (null when there is none). */
export interface GuessRefusal {
  refused: InstanceType<(typeof guessRefusals)[number]>;
  user: AppState | null;
}

export type GuessBudget = ReturnType<typeof createGuessBudget>;

/**
 * The user-level limit on guessing, one rule for every method (delivered code, authenticator
 * app, recovery code and any later one). A verification first takes a slot with one
 * conditional write; only a request that got one is judged. The slot is counted as a failure
 * when it is taken, so of any number of concurrent guesses, from any number of instances, at
 * most `lockoutThreshold` are judged per lockout window, and a process that dies while
 * judging has spent its guess rather than lost it.
 *
 * Afterwards the verification settles the slot: a success resets every count (and lifts the
 * lock or suspension its own slot may have set: `Settlement.clearGuessesOf`, written with the
 * success's other rows); a refusal that judged no wrong code (a retry of a code already
 * accepted, nothing pending) gives the slot back; a wrong guess keeps it.
 *
 * Two counts live on the user: `failed_verifications`, the guesses of the current window
 * (reaching `lockoutThreshold` locks for `lockoutMinutes`; the first guess after the lock
 * ends starts a new window), and `consecutive_failures`, which only a success or an operator
 * resets (reaching `maxConsecutiveFailures` suspends the user's second factors, NIST SP
 * 800-63B rev 4 §3.2.2).
 */
export function createGuessBudget({
  users,
  store,
  config,
}: {
  users: Pick<UsersStore, 'guessRefusalState' | 'giveBackGuess'>;
  store: Pick<VerificationStore, 'takeGuess'>;
  config: Pick<Config, 'throttle'>;
}) {
  const { lockoutThreshold, lockoutMinutes, maxConsecutiveFailures } = config.throttle;
  const limits = { threshold: lockoutThreshold, maxConsecutive: maxConsecutiveFailures };

  /**
   * Takes one guess for `username`, or says why none is left (or why the user cannot verify at
   * all), with the user as read then: null when there is no such user. With `reserveCode`, the
   * same statement reserves an attempt on the user's newest delivered code (users without an
   * app: an app's code is judged first, and needs no write to be judged).
   */
  async function take(username: string, now: Date, reserveCode?: { maxAttempts: number }): Promise<GuessSlot | GuessRefusal> {
    const lockEnd = new Date(now.getTime() + lockoutMinutes * 60_000);
    const taken = await store.takeGuess(username, now, lockEnd, limits, reserveCode);
    if (!taken) return whyNot(username, now);
    const { guess, reserved } = taken;
    return {
      userId: guess.id,
      username,
      totpSecret: guess.totpSecret,
      totpLastStep: guess.totpLastStep,
      guessesLeft: Math.max(0, lockoutThreshold - guess.windowGuesses),
      locks: guess.windowGuesses >= lockoutThreshold ? lockEnd : null,
      suspends: guess.consecutiveFailures >= maxConsecutiveFailures,
      ...(reserved === undefined ? {} : { reserved }),
    };
  }

  /**
   * The refusal judged no wrong code: the slot goes back, and with it the lock or suspension
   * that its taking set (no other slot was given out after it, so none depends on them).
   */
  async function giveBack(slot: GuessSlot): Promise<void> {
    await users.giveBackGuess(slot.userId, slot.username, limits);
  }

  /** Why no slot was taken: read once, on the refusal path only. */
  async function whyNot(username: string, now: Date): Promise<GuessRefusal> {
    const user = await users.guessRefusalState(username);
    if (!user) return { refused: new UserNotFoundError(), user: null };
    if (!user.otpEnabled) return { refused: new TwoFactorDisabledError(), user };
    if (user.suspended) return { refused: new TwoFactorSuspendedError(), user };
    // A lock that ended between the two statements: the next attempt starts a new window.
    return { refused: new UserLockedError(user.lockedUntil && user.lockedUntil > now ? secondsUntil(user.lockedUntil, now) : 1), user };
  }

  return { take, giveBack };
}

export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
