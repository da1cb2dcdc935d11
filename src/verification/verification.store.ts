import type { AuditRow, AuditStore } from '../audit/audit.store.js';
import { storableText } from '../db/storable-text.js';
import type { Sql } from '../db/sql.js';
import { noticeEventTypes, type SecurityEvent } from '../events/events.js';
import { isNotice, type OutboxStore } from '../events/outbox.store.js';
import { channelOf, type CodesStore, type NewCode, type ReservedCode, type SendOutcome } from '../otp/codes.store.js';
import { windowOf, type CountersStore } from '../throttle/counters.store.js';
import type { GuessLimits, TakenGuess, UsersStore } from '../users/users.store.js';

/** A guess taken, and the attempt reserved with it on the user's newest delivered code (see `takeGuess`). */
export interface TakenWithCode {
  guess: TakenGuess;
  /** undefined: not asked for, or the user has an app (judged first, without a write); null: no code could be reserved */
  reserved?: ReservedCode | null;
}

/** Everything a judgment writes once it is known, in one unit. */
export interface Settlement {
  at: Date;
  /** a delivered code to use up: when another request used it first, nothing at all is written */
  consumeCode?: number;
  /** a code the provider accepted, made the user's one ACTIVE code (a send's settlement) */
  activateCode?: { userId: number; codeId: number } & SendOutcome;
  /** the user whose guesses a success clears (both counts, the lock and the suspension) */
  clearGuessesOf?: number;
  audits: readonly AuditRow[];
  /** outbox events, fanned out to their deliveries in the same unit */
  events: readonly SecurityEvent[];
}

/** What a send may take: the interval since the last send, and the sends of the sliding and of the clock hour. */
export interface SendLimits {
  /** the last send must be at or before this */
  earliest: Date;
  /** at most `max` sends created after `since` (delivered or in flight) */
  hour: { since: Date; max: number };
  /** the user's counter of the clock hour, which counts sends in flight too */
  counter: { name: string; max: number };
}

/** Which of a send's limits let it through, and the code recorded when it was asked for. */
export interface TakenSend {
  spaced: boolean;
  counted: boolean;
  codeId: number | null;
}

/** The notice types as one comma-framed list, for a LIKE inside the settlement statement (as `isNotice`). */
const NOTICE_TYPES = `,${[...noticeEventTypes].join(',')},`;

export type VerificationStore = ReturnType<typeof createVerificationStore>;

/**
 * The writes of a generate and a verify that span tables.
 *
 * A verify makes two: one before the judgment (a guess taken,
 * and an attempt reserved on the delivered code it will judge) and one after (the code used
 * up, the guesses cleared, the audit rows and the outbox events). Between them the process
 * compares the hash in constant time, which SQL cannot, and the guess must be committed before
 * it is judged (the budget's rule, see guess-budget.ts): two statements is the least a
 * verification can take.
 *
 * A generate makes two as well, around the delivery, which must not hold a transaction open:
 * the send's slot taken with its code recorded as SENDING, and, once the provider accepted
 * it, the code made ACTIVE with the send's audit row (a code is usable only after delivery).
 *
 * On PostgreSQL each is one statement, a data-modifying CTE, and so one transaction and one
 * round trip: a verify costs two round trips (it took nine, with five commits, as separate
 * statements), a generate three with the read of the user. On SQLite, which has no writes
 * inside WITH, each is the per-table stores' statements in order, whose group commit already
 * shares the commit between them.
 *
 * Locks are taken in one order, the user's row before the codes': the other order deadlocks
 * against a concurrent guess.
 */
export function createVerificationStore({
  sql,
  users,
  codes,
  counters,
  audit,
  outbox,
}: {
  sql: Sql;
  users: Pick<UsersStore, 'takeGuess' | 'clearGuessesStatement' | 'takeSendInterval'>;
  codes: Pick<CodesStore, 'reserveAttempt' | 'consume' | 'insertSending' | 'activateStatement'>;
  counters: Pick<CountersStore, 'take'>;
  audit: Pick<AuditStore, 'insertStatement'>;
  outbox: Pick<OutboxStore, 'statements' | 'row'>;
}) {
  /**
   * Takes one guess for `username` (as `users.takeGuess`: null when the user cannot verify) and,
   * when `reserveCode` is given and the user has no authenticator app, one attempt on their
   * newest delivered code (as `codes.reserveAttempt`), in one statement on PostgreSQL.
   */
  async function takeGuess(
    username: string,
    now: Date,
    lockEnd: Date,
    limits: GuessLimits,
    reserveCode?: { maxAttempts: number },
  ): Promise<TakenWithCode | null> {
    if (sql.dialect === 'sqlite') {
      const guess = await users.takeGuess(username, now, lockEnd, limits);
      if (!guess) return null;
      if (!reserveCode || guess.totpSecret) return { guess };
      return { guess, reserved: await codes.reserveAttempt(guess.id, now, reserveCode.maxAttempts) };
    }
    const reserve = reserveCode !== undefined;
    const [row] = await sql.rows<{
      id: number;
      failed_verifications: number;
      consecutive_failures: number;
      totp_secret: string | null;
      totp_last_step: number | null;
      code_id: number | null;
      code_hash: string | null;
      context_hash: string | null;
      attempts: number | null;
      channel: string | null;
    }>`
      WITH taken AS (
        UPDATE users
           SET failed_verifications = CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END,
               consecutive_failures = consecutive_failures + 1,
               locked_until = CASE
                 WHEN (CASE WHEN locked_until IS NOT NULL THEN 1 ELSE failed_verifications + 1 END) >= ${limits.threshold}::int
                 THEN ${lockEnd}::timestamp ELSE NULL END,
               suspended_at = CASE WHEN consecutive_failures + 1 >= ${limits.maxConsecutive}::int THEN ${now}::timestamp ELSE suspended_at END
         WHERE username = ${username}
           AND otp_enabled AND suspended_at IS NULL
           AND (locked_until IS NULL OR locked_until <= ${now}::timestamp)
        RETURNING id, failed_verifications, consecutive_failures, totp_secret, totp_last_step
      ), reserved AS (
        UPDATE otp_logs SET attempts = attempts + 1
         WHERE id = (SELECT o.id FROM otp_logs o JOIN taken t ON o.user_id = t.id
                      WHERE ${reserve}::boolean AND t.totp_secret IS NULL AND o.status IN ('ACTIVE', 'USED')
                      ORDER BY o.id DESC LIMIT 1)
           AND status = 'ACTIVE' AND attempts < ${reserveCode?.maxAttempts ?? 0}::int AND expires_at > ${now}::timestamp
        RETURNING id, code_hash, context_hash, attempts, channel
      )
      SELECT t.id, t.failed_verifications, t.consecutive_failures, t.totp_secret, t.totp_last_step,
             r.id AS code_id, r.code_hash, r.context_hash, r.attempts, r.channel
        FROM taken t LEFT JOIN reserved r ON TRUE`;
    if (!row) return null;
    const guess: TakenGuess = {
      id: row.id,
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step,
      windowGuesses: row.failed_verifications,
      consecutiveFailures: row.consecutive_failures,
    };
    if (!reserve || guess.totpSecret) return { guess };
    const reserved =
      row.code_id === null || row.code_hash === null || row.attempts === null || row.channel === null
        ? null
        : { id: row.code_id, codeHash: row.code_hash, contextHash: row.context_hash, attempts: row.attempts, channel: channelOf(row.channel) };
    return { guess, reserved };
  }

  /**
   * Takes a send for the user: the interval and the sliding hour (as `users.takeSendInterval`),
   * then a slot of the clock hour's counter (as `counters.take`), and, with `code`, records the
   * code as SENDING; one statement on PostgreSQL. What was taken stays taken when a later
   * limit refused: the caller gives it back.
   */
  async function takeSend(userId: number, now: Date, limits: SendLimits, code?: NewCode): Promise<TakenSend> {
    const { earliest, hour, counter } = limits;
    if (sql.dialect === 'sqlite') {
      if (!(await users.takeSendInterval(userId, now, earliest, hour))) return { spaced: false, counted: false, codeId: null };
      if (!(await counters.take(counter.name, counter.max, now))) return { spaced: true, counted: false, codeId: null };
      return { spaced: true, counted: true, codeId: code ? await codes.insertSending(code) : null };
    }
    const [row] = await sql.rows<{ spaced: boolean; counted: boolean; code_id: number | null }>`
      WITH spaced AS (
        UPDATE users SET last_send_at = ${now}::timestamp
         WHERE id = ${userId}::int AND (last_send_at IS NULL OR last_send_at <= ${earliest}::timestamp)
           AND (SELECT COUNT(*) FROM otp_logs
                 WHERE user_id = ${userId}::int AND created_at > ${hour.since}::timestamp AND status <> 'FAILED') < ${hour.max}::int
        RETURNING id
      ), counted AS (
        INSERT INTO send_counters (name, window_start, count)
        SELECT ${counter.name}::text, ${windowOf(now)}::timestamp, 1 FROM spaced WHERE ${counter.max}::int >= 1
        ON CONFLICT (name, window_start) DO UPDATE SET count = send_counters.count + 1 WHERE send_counters.count < ${counter.max}::int
        RETURNING count
      ), recorded AS (
        INSERT INTO otp_logs (user_id, code_hash, channel, destination, country, context_hash, status, attempts, verified, expires_at, created_at)
        SELECT ${userId}::int, ${code?.codeHash ?? null}::text, ${code?.channel ?? null}::text, ${code?.destination ?? null}::text,
               ${code?.country ?? null}::text, ${code?.contextHash ?? null}::text, 'SENDING', 0, FALSE,
               ${code?.expiresAt ?? null}::timestamp, ${code?.createdAt ?? null}::timestamp
          FROM counted WHERE ${code !== undefined}::boolean
        RETURNING id
      )
      SELECT EXISTS (SELECT 1 FROM spaced) AS spaced, EXISTS (SELECT 1 FROM counted) AS counted, (SELECT id FROM recorded) AS code_id`;
    return { spaced: row?.spaced === true, counted: row?.counted === true, codeId: row?.code_id ?? null };
  }

  /**
   * Writes a judgment (or a send's activation): false, having written nothing, when
   * `consumeCode` was used up by another request first. One statement on PostgreSQL; on SQLite
   * the code is used up first, then the rest as one atomic set.
   */
  async function settle(settlement: Settlement): Promise<boolean> {
    const { at, consumeCode, activateCode, clearGuessesOf, audits, events } = settlement;
    if (sql.dialect === 'sqlite') {
      if (consumeCode !== undefined && !(await codes.consume(consumeCode, at))) return false;
      await sql.atomic([
        ...(activateCode ? [codes.activateStatement(activateCode.userId, activateCode.codeId, activateCode)] : []),
        ...(clearGuessesOf === undefined ? [] : [users.clearGuessesStatement(clearGuessesOf)]),
        ...audits.map((row) => audit.insertStatement(row)),
        ...outbox.statements(events),
      ]);
      return true;
    }
    // Rows travel as JSON, in whatever number: one prepared statement for every settlement.
    // The user's row is locked before the code's, the order `takeGuess` takes them in: the
    // other order deadlocks against a concurrent guess (`locked`, which `used` waits for).
    const [row] = await sql.rows<{ settled: boolean }>`
      WITH locked AS (
        SELECT id FROM users WHERE id = ${clearGuessesOf ?? null}::int FOR NO KEY UPDATE
      ), used AS (
        UPDATE otp_logs SET status = 'USED', verified = TRUE, used_at = ${at}::timestamp
         WHERE id = ${consumeCode ?? null}::int AND status = 'ACTIVE' AND (SELECT COUNT(*) FROM locked) >= 0
        RETURNING id
      ), settled AS (
        SELECT 1 AS ok WHERE ${consumeCode ?? null}::int IS NULL OR EXISTS (SELECT 1 FROM used)
      ), activated AS (
        UPDATE otp_logs
           SET status = CASE WHEN id = ${activateCode?.codeId ?? null}::int THEN 'ACTIVE' ELSE 'SUPERSEDED' END,
               provider_message_id = CASE WHEN id = ${activateCode?.codeId ?? null}::int
                                          THEN ${activateCode?.providerMessageId ?? null}::text ELSE provider_message_id END,
               -- a receipt that overtook the send's answer has already set the delivery status: it stands
               delivery_status = CASE WHEN id = ${activateCode?.codeId ?? null}::int AND delivery_status IS NULL
                                      THEN ${activateCode?.status ?? null}::text ELSE delivery_status END,
               delivery_rank = CASE WHEN id = ${activateCode?.codeId ?? null}::int AND delivery_status IS NULL
                                    THEN ${activateCode?.status === 'SENT' ? 1 : 0}::int ELSE delivery_rank END,
               receipt_expected = CASE WHEN id = ${activateCode?.codeId ?? null}::int
                                       THEN ${activateCode?.receiptExpected ?? false}::boolean ELSE receipt_expected END
         WHERE user_id = ${activateCode?.userId ?? null}::int
           AND ((id = ${activateCode?.codeId ?? null}::int AND status = 'SENDING') OR status = 'ACTIVE')
      ), cleared AS (
        UPDATE users SET failed_verifications = 0, consecutive_failures = 0, locked_until = NULL, suspended_at = NULL
         WHERE id = ${clearGuessesOf ?? null}::int AND EXISTS (SELECT 1 FROM settled)
      ), events AS (
        INSERT INTO outbox_events (id, type, user_id, username, data, occurred_at, created_at, traceparent)
        SELECT e.id, e.type, e."userId", e.username, e.data, e."occurredAt", e."occurredAt", e.traceparent
          FROM json_to_recordset(${asJson(events.map((event) => ({ ...outbox.row(event), notice: isNotice(event) })))}::json)
               AS e(id text, type text, "userId" int, username text, data text, "occurredAt" timestamp, traceparent text, notice boolean)
         WHERE EXISTS (SELECT 1 FROM settled)
           AND (e.notice OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.disabled_at IS NULL AND w.events LIKE '%,' || e.type || ',%'))
        RETURNING id, type, user_id, created_at
      ), hooks AS (
        INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
        SELECT e.id, w.id, 'WEBHOOK', 'PENDING', 0, e.created_at, e.created_at
          FROM events e JOIN webhook_endpoints w ON w.disabled_at IS NULL AND w.events LIKE '%,' || e.type || ',%'
      ), notices AS (
        INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
        SELECT e.id, NULL, 'NOTICE', 'PENDING', 0, e.created_at, e.created_at
          FROM events e WHERE e.user_id IS NOT NULL AND ${NOTICE_TYPES}::text LIKE '%,' || e.type || ',%'
      ), audited AS (
        INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
        SELECT a."createdAt", a.event, a.outcome, a.reason, a.method, a.channel, a."userId", a.username, a.caller, a.ip, a."userAgent", a."requestId"
          FROM json_to_recordset(${asJson(audits)}::json)
               AS a("createdAt" timestamp, event text, outcome text, reason text, method text, channel text, "userId" int,
                    username text, caller text, ip text, "userAgent" text, "requestId" text)
         WHERE EXISTS (SELECT 1 FROM settled)
      )
      SELECT EXISTS (SELECT 1 FROM settled) AS settled`;
    return row?.settled === true;
  }

  return { takeGuess, takeSend, settle };
}

/**
 * Rows as JSON, dates as ISO text, for json_to_recordset (columns named as the keys): text that
 * PostgreSQL's json type reads back the same, no lone surrogate and no NUL (which it refuses).
 */
function asJson(rows: readonly object[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'string' ? storableText(value) : value));
}
