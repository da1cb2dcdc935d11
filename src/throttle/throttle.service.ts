import type { Config } from '../config/config.js';
import { dateOf, type Sql, type SqlDate } from '../db/sql.js';
import { RateLimitedError } from '../errors/errors.js';
import type { SendCounters } from './send-counters.js';

export type ThrottleService = ReturnType<typeof createThrottleService>;

const HOUR_MS = 3_600_000;

/**
 * The per-user send limits, whose state lives in the database so every instance behind a
 * load balancer sees the same counters: one send per `resendIntervalSeconds` and at most
 * `maxSendsPerHour` (delivered or still sending; a failed delivery does not count). Both are
 * checked and the slot taken by one conditional update of the user's row: a second request
 * racing it waits for that row and re-checks the interval against the new `last_send_at`, so
 * of concurrent sends for one user exactly one gets the slot. The hourly cap is then taken
 * from the user's send counter, which counts the sends still in flight too, so it holds
 * exactly even with an interval of 0.
 *
 * The user's guess budget (lockout and suspension) is in guess-budget.ts.
 */
export function createThrottleService({ sql, counters, config }: { sql: Sql; counters: SendCounters; config: Pick<Config, 'throttle'> }) {
  const { resendIntervalSeconds, maxSendsPerHour } = config.throttle;

  /** Takes the user's send slot for now, or throws RateLimitedError with the wait. */
  async function reserveSend(userId: number, now: Date): Promise<void> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const earliest = new Date(now.getTime() - resendIntervalSeconds * 1000);
    const reserved = await sql.run`
      UPDATE users SET last_send_at = ${now}
       WHERE id = ${userId} AND (last_send_at IS NULL OR last_send_at <= ${earliest})
         AND (SELECT COUNT(*) FROM otp_logs
               WHERE user_id = ${userId} AND created_at > ${hourAgo} AND status <> 'FAILED') < ${maxSendsPerHour}`;
    if (reserved !== 1) throw await whyNoSend(userId, now);
    // The hourly count above reads committed sends only; the counter also holds those in flight.
    if (await counters.take(`user:${userId}`, maxSendsPerHour, now)) return;
    await releaseInterval(userId, now);
    const retryAfter = counters.secondsToNextWindow(now);
    throw new RateLimitedError(retryAfter, `At most ${maxSendsPerHour} codes per hour; try again in ${minutes(retryAfter)}`);
  }

  /**
   * Gives back the slot `reserveSend` took at `reservedAt` when the delivery failed: the next
   * generate may send at once. The slot was only taken when the previous send was older than
   * the interval, so clearing it allows exactly what was allowed before.
   */
  async function releaseSend(userId: number, reservedAt: Date): Promise<void> {
    await releaseInterval(userId, reservedAt);
    await counters.giveBack(`user:${userId}`, reservedAt);
  }

  async function releaseInterval(userId: number, reservedAt: Date): Promise<void> {
    await sql.run`UPDATE users SET last_send_at = NULL WHERE id = ${userId} AND last_send_at = ${reservedAt}`;
  }

  /** Which limit refused the send, and for how long: read on the refusal path only. */
  async function whyNoSend(userId: number, now: Date): Promise<RateLimitedError> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const recent = await sql.rows<{ created_at: SqlDate }>`
      SELECT created_at FROM otp_logs WHERE user_id = ${userId} AND created_at > ${hourAgo} AND status <> 'FAILED'
       ORDER BY created_at LIMIT ${maxSendsPerHour}`;
    const oldest = recent[0];
    if (recent.length >= maxSendsPerHour && oldest) {
      const retryAfter = Math.max(1, Math.ceil((dateOf(oldest.created_at).getTime() + HOUR_MS - now.getTime()) / 1000));
      return new RateLimitedError(retryAfter, `At most ${maxSendsPerHour} codes per hour; try again in ${minutes(retryAfter)}`);
    }
    const [user] = await sql.rows<{ last_send_at: SqlDate | null }>`SELECT last_send_at FROM users WHERE id = ${userId}`;
    const last = dateOf(user?.last_send_at ?? null) ?? now;
    const retryAfter = Math.max(1, Math.ceil((last.getTime() + resendIntervalSeconds * 1000 - now.getTime()) / 1000));
    return new RateLimitedError(retryAfter, `A code was sent moments ago; wait ${retryAfter} s before asking for another`);
  }

  return { reserveSend, releaseSend };
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
