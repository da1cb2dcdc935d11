import type { Config } from '../config/config.js';
import { boolOf, dateOf, type Sql, type SqlBool, type SqlDate } from '../db/sql.js';
import { TwoFactorDisabledError, TwoFactorSuspendedError, UserLockedError, UserNotFoundError } from '../errors/errors.js';

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

export type GuessBudget = ReturnType<typeof createGuessBudget>;

interface SlotRow {
  id: number;
  failed_verifications: number;
  consecutive_failures: number;
  totp_secret: string | null;
  totp_last_step: number | null;
}

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
export function createGuessBudget({ sql, config }: { sql: Sql; config: Pick<Config, 'throttle'> }) {
  const { lockoutThreshold, lockoutMinutes, maxConsecutiveFailures } = config.throttle;

  /** Takes one guess for `username`, or throws why none is left (or why it cannot verify at all). */
  async function take(username: string, now: Date): Promise<GuessSlot> {
    const lockEnd = new Date(now.getTime() + lockoutMinutes * 60_000);
    // In SET, every column reads its value from before the update (SQLite and PostgreSQL).
    // NULLIF(x, x) is a NULL of the column's type, which PostgreSQL needs to type the CASE; a
    // lock still found here has ended (the WHERE admits no other) and is cleared.
    const [row] = await sql.rows<SlotRow>`
      UPDATE users
         SET failed_verifications = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END,
             consecutive_failures = consecutive_failures + 1,
             locked_until = CASE
               WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END) >= ${lockoutThreshold} THEN ${lockEnd}
               ELSE NULLIF(locked_until, locked_until) END,
             suspended_at = CASE WHEN consecutive_failures + 1 >= ${maxConsecutiveFailures} THEN ${now} ELSE suspended_at END
       WHERE username = ${username}
         AND otp_enabled = ${true}
         AND suspended_at IS NULL
         AND (locked_until IS NULL OR locked_until <= ${now})
      RETURNING id, failed_verifications, consecutive_failures, totp_secret, totp_last_step`;
    if (!row) throw await whyNot(username, now);
    return {
      userId: row.id,
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step,
      guessesLeft: Math.max(0, lockoutThreshold - row.failed_verifications),
      locks: row.failed_verifications >= lockoutThreshold ? lockEnd : null,
      suspends: row.consecutive_failures >= maxConsecutiveFailures,
    };
  }

  /** The guess was right: the run of failures is over, and any lock its slot set with it. */
  async function succeeded(slot: GuessSlot): Promise<void> {
    await sql.run`
      UPDATE users SET failed_verifications = 0, consecutive_failures = 0, locked_until = NULL, suspended_at = NULL
       WHERE id = ${slot.userId}`;
  }

  /**
   * The refusal judged no wrong code: the slot goes back, and with it the lock or suspension
   * that its taking set (no other slot was given out after it, so none depends on them).
   */
  async function giveBack(slot: GuessSlot): Promise<void> {
    await sql.run`
      UPDATE users
         SET failed_verifications = CASE WHEN failed_verifications > 0 THEN failed_verifications - 1 ELSE 0 END,
             consecutive_failures = CASE WHEN consecutive_failures > 0 THEN consecutive_failures - 1 ELSE 0 END,
             locked_until = CASE WHEN failed_verifications >= ${lockoutThreshold} THEN NULL ELSE locked_until END,
             suspended_at = CASE WHEN consecutive_failures >= ${maxConsecutiveFailures} THEN NULL ELSE suspended_at END
       WHERE id = ${slot.userId}`;
  }

  /** Why no slot was taken: read once, on the refusal path only. */
  async function whyNot(username: string, now: Date) {
    const [user] = await sql.rows<{ otp_enabled: SqlBool; suspended_at: SqlDate | null; locked_until: SqlDate | null }>`
      SELECT otp_enabled, suspended_at, locked_until FROM users WHERE username = ${username}`;
    if (!user) return new UserNotFoundError();
    if (!boolOf(user.otp_enabled)) return new TwoFactorDisabledError();
    if (user.suspended_at !== null) return new TwoFactorSuspendedError();
    const lockedUntil = dateOf(user.locked_until);
    // A lock that ended between the two statements: the next attempt starts a new window.
    return new UserLockedError(lockedUntil && lockedUntil > now ? secondsUntil(lockedUntil, now) : 1);
  }

  return { take, succeeded, giveBack };
}

export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
