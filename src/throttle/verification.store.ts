import { auditRowsInsertSql, type AuditRow, type AuditStore } from '../audit/audit.store.js';
import { storableText } from '../db/storable-text.js';
import { composeStatement, sqlText, type Sql } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { eventsFromJsonSql, eventsInsertSql, NOTICE_TYPES, type OutboxStore } from '../events/outbox.store.js';
import {
  attemptReservedSql,
  channelOf,
  codeActivatedSql,
  codeRecordedSql,
  codeUsedSql,
  newCodeParams,
  newCodeValues,
  type CodesStore,
  type NewCode,
  type ReservedCode,
  type SendOutcome,
} from '../delivery/codes.store.js';
import { deliveryRank } from '../vocabulary/delivery-status.js';
import { counterTakenSql, windowOf, type CountersStore } from './counters.store.js';
import {
  guessesClearedSql,
  guessTakenSql,
  sendIntervalTakenSql,
  takenGuessOf,
  type GuessLimits,
  type TakenGuess,
  type TakenGuessRecord,
  type UsersStore,
} from '../users/users.store.js';
import { fanOutSql } from '../events/deliveries.store.js';

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
  /** the username of the user whose rows it locks (`clearGuessesOf`, `activateCode`): orders it in a write group (`Sql.forUser`) */
  username?: string;
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

/**
 * PostgreSQL's statements, each composed once from the pieces the tables' own stores export
 * (no table's SQL is written here): a data-modifying CTE per step, one transaction and one
 * round trip.
 */
const TAKE_GUESS = composeStatement(
  { username: 'text', now: 'timestamp', lockEnd: 'timestamp', threshold: 'int', maxConsecutive: 'int', reserve: 'boolean', maxAttempts: 'int' },
  (v) => sqlText`
    WITH taken AS (${guessTakenSql(v)}
    ), reserved AS (${attemptReservedSql({ user: sqlText`(SELECT id FROM taken WHERE ${v.reserve} AND totp_secret IS NULL)`, now: v.now, maxAttempts: v.maxAttempts })}
    )
    SELECT t.id, t.failed_verifications, t.consecutive_failures, t.totp_secret, t.totp_last_step,
           r.id AS code_id, r.code_hash, r.context_hash, r.attempts, r.channel
      FROM taken t LEFT JOIN reserved r ON TRUE`,
);

const TAKE_SEND = composeStatement(
  {
    now: 'timestamp',
    earliest: 'timestamp',
    hourSince: 'timestamp',
    hourMax: 'int',
    counterName: 'text',
    windowStart: 'timestamp',
    counterMax: 'int',
    hasCode: 'boolean',
    ...newCodeParams,
  },
  (v) => sqlText`
    WITH spaced AS (${sendIntervalTakenSql({ userId: v.userId, now: v.now, earliest: v.earliest, since: v.hourSince, max: v.hourMax })}
      RETURNING id
    ), counted AS (${counterTakenSql({ name: v.counterName, windowStart: v.windowStart, max: v.counterMax, when: sqlText`EXISTS (SELECT 1 FROM spaced)` })}
    ), recorded AS (${codeRecordedSql({ ...v, when: sqlText`${v.hasCode} AND EXISTS (SELECT 1 FROM counted)` })}
    )
    SELECT EXISTS (SELECT 1 FROM spaced) AS spaced, EXISTS (SELECT 1 FROM counted) AS counted, (SELECT id FROM recorded) AS code_id`,
);

/**
 * Rows travel as JSON, in whatever number: one prepared statement for every settlement. The
 * user's row is locked before the code's, the order `takeGuess` takes them in: the other order
 * deadlocks against a concurrent guess (`locked`, which `used` and `activated` wait for; a send's
 * activation locks its user's row too, since in a write group its locks are held to the group's commit).
 */
const SETTLE = composeStatement(
  {
    at: 'timestamp',
    consumeCode: 'int',
    clearGuessesOf: 'int',
    activateUserId: 'int',
    activateCodeId: 'int',
    providerMessageId: 'text',
    deliveryStatus: 'text',
    deliveryRank: 'int',
    receiptExpected: 'boolean',
    events: 'json',
    noticeTypes: 'text',
    audits: 'json',
  },
  (v) => {
    const settled = sqlText`EXISTS (SELECT 1 FROM settled)`;
    return sqlText`
    WITH locked AS (
      SELECT id FROM users WHERE id = COALESCE(${v.clearGuessesOf}, ${v.activateUserId}) FOR NO KEY UPDATE
    ), used AS (${codeUsedSql({ codeId: v.consumeCode, now: v.at, when: sqlText`(SELECT COUNT(*) FROM locked) >= 0` })}
      RETURNING id
    ), settled AS (
      SELECT 1 AS ok WHERE ${v.consumeCode} IS NULL OR EXISTS (SELECT 1 FROM used)
    ), activated AS (${codeActivatedSql({
      userId: v.activateUserId,
      codeId: v.activateCodeId,
      providerMessageId: v.providerMessageId,
      status: v.deliveryStatus,
      rank: v.deliveryRank,
      receiptExpected: v.receiptExpected,
      when: sqlText`(SELECT COUNT(*) FROM locked) >= 0`,
    })}
    ), cleared AS (${guessesClearedSql({ userId: v.clearGuessesOf, when: settled })}
    ), events AS (${eventsInsertSql(eventsFromJsonSql(v.events), settled)}
      RETURNING id, type, user_id, created_at
    ), deliveries AS (${fanOutSql(sqlText`events`, v.noticeTypes)}
    ), audited AS (${auditRowsInsertSql(v.audits, settled)}
    )
    SELECT EXISTS (SELECT 1 FROM settled) AS settled`;
  },
);

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
 * inside WITH, each step of a verify is the per-table stores' statements in order as one unit
 * (`Sql.unit`): one entry of a group commit, so a verify waits for two commits, not one per
 * statement, and each commit writes a user's and a code's pages once for both.
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
  users: Pick<UsersStore, 'takingGuess' | 'clearGuessesStatement' | 'takeSendInterval'>;
  codes: Pick<CodesStore, 'reservingAttempt' | 'consumeStatement' | 'insertSending' | 'activateStatement'>;
  counters: Pick<CountersStore, 'take'>;
  audit: Pick<AuditStore, 'insertStatement'>;
  outbox: Pick<OutboxStore, 'writing' | 'jsonRow'>;
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
      // one entry of a group commit: the attempt is reserved in the same turn as the guess, not a group later
      return sql.unit(function* () {
        const guess = yield* users.takingGuess(username, now, lockEnd, limits);
        if (!guess) return null;
        if (!reserveCode || guess.totpSecret) return { guess };
        return { guess, reserved: yield* codes.reservingAttempt(guess.id, now, reserveCode.maxAttempts) };
      });
    }
    const reserve = reserveCode !== undefined;
    const [row] = await sql.forUser(username).rows<
      TakenGuessRecord & { code_id: number | null; code_hash: string | null; context_hash: string | null; attempts: number | null; channel: string | null }
    >(
      ...TAKE_GUESS.args(sql.dialect, {
        username,
        now,
        lockEnd,
        threshold: limits.threshold,
        maxConsecutive: limits.maxConsecutive,
        reserve,
        maxAttempts: reserveCode?.maxAttempts ?? 0,
      }),
    );
    if (!row) return null;
    const guess = takenGuessOf(row);
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
  async function takeSend(username: string, userId: number, now: Date, limits: SendLimits, code?: NewCode): Promise<TakenSend> {
    const { earliest, hour, counter } = limits;
    if (sql.dialect === 'sqlite') {
      if (!(await users.takeSendInterval(userId, now, earliest, hour))) return { spaced: false, counted: false, codeId: null };
      if (!(await counters.take(counter.name, counter.max, now))) return { spaced: true, counted: false, codeId: null };
      return { spaced: true, counted: true, codeId: code ? await codes.insertSending(code) : null };
    }
    const [row] = await sql.forUser(username).rows<{ spaced: boolean; counted: boolean; code_id: number | null }>(
      ...TAKE_SEND.args(sql.dialect, {
        now,
        earliest,
        hourSince: hour.since,
        hourMax: hour.max,
        counterName: counter.name,
        windowStart: windowOf(now),
        counterMax: counter.max,
        hasCode: code !== undefined,
        ...newCodeValues(code),
        // the user's, with or without a code (a code's own userId is the same)
        userId,
      }),
    );
    return { spaced: row?.spaced === true, counted: row?.counted === true, codeId: row?.code_id ?? null };
  }

  /**
   * Writes a judgment (or a send's activation): false, having written nothing, when
   * `consumeCode` was used up by another request first. One statement on PostgreSQL; on SQLite
   * one unit, the code used up first and the rest only if it was.
   */
  async function settle(settlement: Settlement): Promise<boolean> {
    const { at, consumeCode, activateCode, clearGuessesOf, username, audits, events } = settlement;
    if (sql.dialect === 'sqlite') {
      return sql.unit(function* () {
        if (consumeCode !== undefined && (yield codes.consumeStatement(consumeCode, at)).count !== 1) return false;
        if (activateCode) yield codes.activateStatement(activateCode.userId, activateCode.codeId, activateCode);
        if (clearGuessesOf !== undefined) yield users.clearGuessesStatement(clearGuessesOf);
        for (const row of audits) yield audit.insertStatement(row);
        yield* outbox.writing(events);
        return true;
      });
    }
    const [row] = await (username === undefined ? sql : sql.forUser(username)).rows<{ settled: boolean }>(
      ...SETTLE.args(sql.dialect, {
        at,
        consumeCode: consumeCode ?? null,
        clearGuessesOf: clearGuessesOf ?? null,
        activateUserId: activateCode?.userId ?? null,
        activateCodeId: activateCode?.codeId ?? null,
        providerMessageId: activateCode?.providerMessageId ?? null,
        deliveryStatus: activateCode?.status ?? null,
        deliveryRank: activateCode?.status === 'SENT' ? deliveryRank.SENT : 0,
        receiptExpected: activateCode?.receiptExpected ?? false,
        events: asJson(events.map((event) => outbox.jsonRow(event))),
        noticeTypes: NOTICE_TYPES,
        audits: asJson(audits),
      }),
    );
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
