import type { Config } from '../config/config.js';
import { dateOf, type Sql, type SqlDate } from '../db/sql.js';
import { RateLimitedError } from '../errors/errors.js';

export type ThrottleService = ReturnType<typeof createThrottleService>;

const HOUR_MS = 3_600_000;

/**
 * Per-user limits whose state lives in the database, so every instance behind a load
 * balancer sees the same counters:
 * - sends: one per `resendIntervalSeconds`, reserved by one conditional update, and at most
 *   `maxSendsPerHour` counted from the code log;
 * - failed verifications: counted on the user across all methods; reaching the threshold
 *   locks the user for `lockoutMinutes` (a new code never resets the count, a success does).
 */
export function createThrottleService({ sql, config }: { sql: Sql; config: Pick<Config, 'throttle'> }) {
  const { resendIntervalSeconds, maxSendsPerHour, lockoutThreshold, lockoutMinutes } = config.throttle;

  /** Takes the user's send slot for now, or throws RateLimitedError with the wait. */
  async function reserveSend(userId: number, now: Date): Promise<void> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const recent = await sql.rows<{ created_at: SqlDate }>`
      SELECT created_at FROM otp_logs WHERE user_id = ${userId} AND created_at > ${hourAgo}
       ORDER BY created_at LIMIT ${maxSendsPerHour}`;
    const oldest = recent[0];
    if (recent.length >= maxSendsPerHour && oldest) {
      const retryAfter = Math.ceil((dateOf(oldest.created_at).getTime() + HOUR_MS - now.getTime()) / 1000);
      throw new RateLimitedError(retryAfter, `At most ${maxSendsPerHour} codes per hour; try again in ${minutes(retryAfter)}`);
    }
    const earliest = new Date(now.getTime() - resendIntervalSeconds * 1000);
    const reserved = await sql.run`
      UPDATE users SET last_send_at = ${now}
       WHERE id = ${userId} AND (last_send_at IS NULL OR last_send_at <= ${earliest})`;
    if (reserved === 1) return;
    const [user] = await sql.rows<{ last_send_at: SqlDate | null }>`SELECT last_send_at FROM users WHERE id = ${userId}`;
    const last = dateOf(user?.last_send_at ?? null) ?? now;
    const retryAfter = Math.max(1, Math.ceil((last.getTime() + resendIntervalSeconds * 1000 - now.getTime()) / 1000));
    throw new RateLimitedError(retryAfter, `A code was sent moments ago; wait ${retryAfter} s before asking for another`);
  }

  /**
   * Counts one failed verification; returns the lock's end when this failure reached the
   * threshold (the count starts again after the lock).
   */
  async function recordFailure(userId: number, now: Date): Promise<Date | null> {
    const lockedUntil = new Date(now.getTime() + lockoutMinutes * 60_000);
    const rows = await sql.rows<{ failed_verifications: number }>`
      UPDATE users
         SET failed_verifications = CASE WHEN failed_verifications + 1 >= ${lockoutThreshold} THEN 0 ELSE failed_verifications + 1 END,
             locked_until = CASE WHEN failed_verifications + 1 >= ${lockoutThreshold} THEN ${lockedUntil} ELSE locked_until END
       WHERE id = ${userId}
      RETURNING failed_verifications, locked_until`;
    const row = rows[0];
    return row && row.failed_verifications === 0 ? lockedUntil : null;
  }

  async function recordSuccess(userId: number): Promise<void> {
    await sql.run`UPDATE users SET failed_verifications = 0 WHERE id = ${userId} AND failed_verifications <> 0`;
  }

  return { reserveSend, recordFailure, recordSuccess };
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
