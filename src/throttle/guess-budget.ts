import type { Config } from '../config/config.js';
import { TwoFactorDisabledError, TwoFactorSuspendedError, UserLockedError, UserNotFoundError } from '../errors/errors.js';
import type { AppState, UsersStore } from '../users/users.store.js';
import type { SecurityEvent } from '../events/events.js';

/**
 * One guess a verification may make, taken from the user's budget before anything is judged.
 * It carries what the methods need of the user, read by the same statement that took it.
 */
export interface GuessSlot {
  userId: number;
  totpSecret: string | null;
  totpLastStep: number | null;
  /** guesses this lockout window still allows after this one */
  guessesLeft: number;
  /** when this slot took the window's last guess: the lock it set, which holds if the guess fails */
  locks: Date | null;
  /** whether this slot reached MAX_CONSECUTIVE_FAILURES: the user is suspended if the guess fails */
  suspends: boolean;
}

/** No guess was taken: why, and the user as read then (null when there is none). */
export interface GuessRefusal {
  refused: TwoFactorDisabledError | TwoFactorSuspendedError | UserLockedError | UserNotFoundError;
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
 * lock or suspension its own slot may have set); a refusal that judged no wrong code (a retry
 * of a code already accepted, nothing pending) gives the slot back; a wrong guess keeps it.
 *
 * Two counts live on the user: `failed_verifications`, the guesses of the current window
 * (reaching `lockoutThreshold` locks for `lockoutMinutes`; the first guess after the lock
 * ends starts a new window), and `consecutive_failures`, which only a success or an operator
 * resets (reaching `maxConsecutiveFailures` suspends the user's second factors, NIST SP
 * 800-63B rev 4 §3.2.2).
 */
export function createGuessBudget({
  users,
  config,
}: {
  users: Pick<UsersStore, 'takeGuess' | 'guessRefusalState' | 'clearGuesses' | 'giveBackGuess'>;
  config: Pick<Config, 'throttle'>;
}) {
  const { lockoutThreshold, lockoutMinutes, maxConsecutiveFailures } = config.throttle;
  const limits = { threshold: lockoutThreshold, maxConsecutive: maxConsecutiveFailures };

  /**
   * Takes one guess for `username`, or says why none is left (or why the user cannot verify at
   * all), with the user as read then: null when there is no such user.
   */
  async function take(username: string, now: Date): Promise<GuessSlot | GuessRefusal> {
    const lockEnd = new Date(now.getTime() + lockoutMinutes * 60_000);
    const taken = await users.takeGuess(username, now, lockEnd, limits);
    if (!taken) return whyNot(username, now);
    return {
      userId: taken.id,
      totpSecret: taken.totpSecret,
      totpLastStep: taken.totpLastStep,
      guessesLeft: Math.max(0, lockoutThreshold - taken.windowGuesses),
      locks: taken.windowGuesses >= lockoutThreshold ? lockEnd : null,
      suspends: taken.consecutiveFailures >= maxConsecutiveFailures,
    };
  }

  /** The guess was right: the run of failures is over, and any lock its slot set with it. `events` are written with the change, atomically. */
  async function succeeded(slot: GuessSlot, events: readonly SecurityEvent[] = []): Promise<void> {
    await users.clearGuesses(slot.userId, events);
  }

  /**
   * The refusal judged no wrong code: the slot goes back, and with it the lock or suspension
   * that its taking set (no other slot was given out after it, so none depends on them).
   */
  async function giveBack(slot: GuessSlot): Promise<void> {
    await users.giveBackGuess(slot.userId, limits);
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

  return { take, succeeded, giveBack };
}

export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
