import type { Config } from '../config/config.js';
import { RateLimitedError } from '../errors/errors.js';
import type { CodesStore, NewCode } from '../delivery/codes.store.js';
import type { VerificationStore } from './verification.store.js';
import type { UsersStore } from '../users/users.store.js';
import type { CountersStore } from './counters.store.js';

export type ThrottleService = ReturnType<typeof createThrottleService>;

const HOUR_MS = 3_600_000;

export interface ThrottleDeps {
  users: Pick<UsersStore, 'giveBackSendInterval' | 'lastSendAt'>;
  codes: Pick<CodesStore, 'recentSendTimes'>;
  counters: Pick<CountersStore, 'giveBack' | 'secondsToNextWindow'>;
  store: Pick<VerificationStore, 'takeSend'>;
  config: Pick<Config, 'throttle'>;
}

/**
 * The per-user send limits, whose state lives in the database so every instance behind a
 * load balancer sees the same counters: one send per `resendIntervalSeconds` and at most
 * `maxSendsPerHour` (delivered or still sending; a failed delivery does not count). The
 * interval is taken by one conditional update of the user's row: a second request
 * racing it waits for that row and re-checks the interval against the new `last_send_at`, so
 * of concurrent sends for one user exactly one gets the slot. The hourly cap is then taken
 * from the user's send counter, which counts the sends still in flight too, so it holds
 * exactly even with an interval of 0.
 *
 * The user's guess budget (lockout and suspension) is in guess-budget.ts.
 */
export function createThrottleService({ users, codes, counters, store, config }: ThrottleDeps) {
  const { resendIntervalSeconds, maxSendsPerHour } = config.throttle;

  /**
   * Takes the user's send slot for now, or throws RateLimitedError with the wait. With `code`,
   * the same statement records it as SENDING (see verification.store.ts), and its id is returned.
   */
  async function reserveSend({ id: userId, username }: { id: number; username: string }, now: Date, code?: NewCode): Promise<number | null> {
    const taken = await store.takeSend(
      username,
      userId,
      now,
      {
        earliest: new Date(now.getTime() - resendIntervalSeconds * 1000),
        hour: { since: new Date(now.getTime() - HOUR_MS), max: maxSendsPerHour },
        // The sliding hour counts committed sends only; the counter also holds those in flight.
        counter: { name: `user:${userId}`, max: maxSendsPerHour },
      },
      code,
    );
    if (!taken.spaced) throw await whyNoSend(userId, now);
    if (taken.counted) return taken.codeId;
    await users.giveBackSendInterval(userId, now);
    throw hourlyCap(new Date(now.getTime() + counters.secondsToNextWindow(now) * 1000 - HOUR_MS), now);
  }

  /**
   * Gives back the slot `reserveSend` took at `reservedAt` when the delivery failed: the next
   * generate may send at once. The interval was only taken when the previous send was older
   * than it, so clearing it allows exactly what was allowed before.
   */
  async function releaseSend(userId: number, reservedAt: Date): Promise<void> {
    await users.giveBackSendInterval(userId, reservedAt);
    await counters.giveBack(`user:${userId}`, reservedAt);
  }

  /** Which limit refused the send, and for how long: read on the refusal path only. */
  async function whyNoSend(userId: number, now: Date): Promise<RateLimitedError> {
    const recent = await codes.recentSendTimes(userId, now, maxSendsPerHour);
    if (recent.length >= maxSendsPerHour) return hourlyCap(recent[0] ?? now, now);
    const last = (await users.lastSendAt(userId)) ?? now;
    const retryAfter = Math.max(1, Math.ceil((last.getTime() + resendIntervalSeconds * 1000 - now.getTime()) / 1000));
    return new RateLimitedError(retryAfter, `A code was sent moments ago; wait ${retryAfter} s before asking for another`);
  }

  /** The cap refusal, given the send whose ageing out of the hour frees a slot. */
  function hourlyCap(oldest: Date, now: Date): RateLimitedError {
    const retryAfter = Math.max(1, Math.ceil((oldest.getTime() + HOUR_MS - now.getTime()) / 1000));
    return new RateLimitedError(retryAfter, `At most ${maxSendsPerHour} codes per hour; try again in ${minutes(retryAfter)}`);
  }

  return { reserveSend, releaseSend };
}

function minutes(seconds: number): string {
  return seconds < 90 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}
