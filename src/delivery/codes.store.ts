import type { Channel } from '../vocabulary/channel.js';
import { boolOf, composeStatement, dateOf, sqlText, type SqlBool, type Sql, type SqlDate, type SqlResult, type SqlStatement, type SqlText } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';
import { deliveryRank, type DeliveryStatus } from '../vocabulary/delivery-status.js';

/**
 * Life of a delivered code (otp_logs.status):
 *   SENDING ──delivered──▶ ACTIVE ──right code──▶ USED
 *      │                    └──newer code delivered──▶ SUPERSEDED
 *      └──delivery failed──▶ FAILED
 */
export type CodeStatus = 'SENDING' | 'ACTIVE' | 'USED' | 'SUPERSEDED' | 'FAILED';

export interface NewCode {
  userId: number;
  codeHash: string;
  channel: string;
  /** masked */
  destination: string;
  country: string | null;
  /** the phone number's range (`+49151`), null for email */
  dialPrefix: string | null;
  /** base64url SHA-256 of the action the code is for (`context`), null for none */
  contextHash: string | null;
  expiresAt: Date;
  createdAt: Date;
}

/** The user's newest delivered code, as verification sees it. */
export interface NewestCode {
  status: CodeStatus;
  channel: Channel;
  attempts: number;
  expiresAt: Date;
  codeHash: string;
}

/** What a verify could be judged against, before any guess is taken (see `verifyStateOf`). */
export interface VerifyState {
  userId: number;
  otpEnabled: boolean;
  suspended: boolean;
  lockedUntil: Date | null;
  hasApp: boolean;
  newest: NewestCode | null;
}

/** An attempt reserved on the user's newest delivered code: the code, and its attempts so far (this one included). */
export interface ReservedCode {
  id: number;
  codeHash: string;
  contextHash: string | null;
  attempts: number;
  /** where it went: what its proof is worth (an emailed code is weaker than an SMS) */
  channel: Channel;
}

/** What the provider accepted a code with, written when the code becomes usable. */
export interface SendOutcome {
  providerMessageId: string | null;
  status: 'QUEUED' | 'SENT' | null;
  receiptExpected: boolean;
}

/** A provider's receipt that moved a code's delivery status forward. */
export interface AppliedReceipt {
  codeId: number;
  userId: number;
  channel: string;
}

/** A recent code of a user as the channel choice sees it. */
export interface RecentDelivery {
  channel: string;
  status: CodeStatus;
  deliveryStatus: DeliveryStatus | null;
  receiptExpected: boolean;
  createdAt: Date;
}

/** SMS sends in the last hour and in the hours before it, overall and to one country. */
export interface RecentSms {
  hourTotal: number;
  hourCountry: number;
  baselineTotal: number;
  baselineCountry: number;
}

/** Codes sent to a number range since some time (not counting failed sends), and how many of them were verified. */
export interface PrefixConversion {
  sends: number;
  verified: number;
}

/** Codes sent, delivered (by the provider's receipt) and verified, for one country, number range and channel. */
export interface InsightRow {
  country: string | null;
  prefix: string | null;
  channel: string;
  hour: { sent: number; delivered: number; verified: number };
  day: { sent: number; delivered: number; verified: number };
}

/**
 * A new code recorded as SENDING, when `when` holds (usable only once delivered, see
 * `codeActivatedSql`). A piece for statements that span tables (verification.store.ts) as for
 * `insertSending`.
 */
export function codeRecordedSql(v: {
  userId: SqlText;
  codeHash: SqlText;
  channel: SqlText;
  destination: SqlText;
  country: SqlText;
  dialPrefix: SqlText;
  contextHash: SqlText;
  expiresAt: SqlText;
  createdAt: SqlText;
  when: SqlText;
}): SqlText {
  return sqlText`
    INSERT INTO otp_logs (user_id, code_hash, channel, destination, country, dial_prefix, context_hash, status, attempts, verified, expires_at, created_at)
    SELECT ${v.userId}, ${v.codeHash}, ${v.channel}, ${v.destination}, ${v.country}, ${v.dialPrefix}, ${v.contextHash},
           'SENDING', 0, FALSE, ${v.expiresAt}, ${v.createdAt}
     WHERE ${v.when}
    RETURNING id`;
}

/**
 * The delivered code `codeId` becomes ACTIVE and the user's previous ACTIVE one SUPERSEDED, where
 * `when` holds. A receipt that overtook the send's answer has already set the delivery status: it stands.
 */
export function codeActivatedSql(v: {
  userId: SqlText;
  codeId: SqlText;
  providerMessageId: SqlText;
  status: SqlText;
  rank: SqlText;
  receiptExpected: SqlText;
  when: SqlText;
}): SqlText {
  return sqlText`
    UPDATE otp_logs
       SET status = CASE WHEN id = ${v.codeId} THEN 'ACTIVE' ELSE 'SUPERSEDED' END,
           provider_message_id = CASE WHEN id = ${v.codeId} THEN ${v.providerMessageId} ELSE provider_message_id END,
           delivery_status = CASE WHEN id = ${v.codeId} AND delivery_status IS NULL THEN ${v.status} ELSE delivery_status END,
           delivery_rank = CASE WHEN id = ${v.codeId} AND delivery_status IS NULL THEN ${v.rank} ELSE delivery_rank END,
           receipt_expected = CASE WHEN id = ${v.codeId} THEN ${v.receiptExpected} ELSE receipt_expected END
     WHERE user_id = ${v.userId}
       AND ((id = ${v.codeId} AND status = 'SENDING') OR status = 'ACTIVE')
       AND ${v.when}`;
}

/**
 * One attempt reserved on the newest delivered code of `user` (a value, or a scalar subquery),
 * if it is ACTIVE, unexpired and has attempts left.
 */
export function attemptReservedSql(v: { user: SqlText; now: SqlText; maxAttempts: SqlText }): SqlText {
  return sqlText`
    UPDATE otp_logs
       SET attempts = attempts + 1
     WHERE id = (SELECT id FROM otp_logs
                  WHERE user_id = ${v.user} AND status IN ('ACTIVE', 'USED')
                  ORDER BY id DESC LIMIT 1)
       AND status = 'ACTIVE' AND attempts < ${v.maxAttempts} AND expires_at > ${v.now}
    RETURNING id, code_hash, context_hash, attempts, channel`;
}

/** The code used up, once (only while ACTIVE), when `when` holds. */
export function codeUsedSql(v: { codeId: SqlText; now: SqlText; when: SqlText }): SqlText {
  return sqlText`
    UPDATE otp_logs SET status = 'USED', verified = TRUE, used_at = ${v.now}
     WHERE id = ${v.codeId} AND status = 'ACTIVE' AND ${v.when}`;
}

/** The values of a new code, as `codeRecordedSql`'s holes (for a statement composed around it). */
export const newCodeParams = {
  userId: 'int',
  codeHash: 'text',
  channel: 'text',
  destination: 'text',
  country: 'text',
  dialPrefix: 'text',
  contextHash: 'text',
  expiresAt: 'timestamp',
  createdAt: 'timestamp',
} as const;

/** A new code's values for {@link newCodeParams}; all null without a code. */
export function newCodeValues(code: NewCode | undefined): { [K in keyof typeof newCodeParams]: NewCode[K] | null } {
  const { userId = null, codeHash = null, channel = null, destination = null, country = null, dialPrefix = null, contextHash = null, expiresAt = null, createdAt = null } =
    code ?? {};
  return { userId, codeHash, channel, destination, country, dialPrefix, contextHash, expiresAt, createdAt };
}

/** A user's codes still pending (being sent or live) superseded: none of them can be used any more. */
export function pendingCodesSupersededSql(v: { userId: SqlText }): SqlText {
  return sqlText`UPDATE otp_logs SET status = 'SUPERSEDED' WHERE user_id = ${v.userId} AND status IN ('SENDING', 'ACTIVE')`;
}

const INSERT_SENDING = composeStatement(newCodeParams, (v) => codeRecordedSql({ ...v, when: sqlText`TRUE` }));
const ACTIVATE = composeStatement(
  { userId: 'int', codeId: 'int', providerMessageId: 'text', status: 'text', rank: 'int', receiptExpected: 'boolean' },
  (v) => codeActivatedSql({ ...v, when: sqlText`TRUE` }),
);
const RESERVE_ATTEMPT = composeStatement({ user: 'int', now: 'timestamp', maxAttempts: 'int' }, attemptReservedSql);
const CONSUME = composeStatement({ codeId: 'int', now: 'timestamp' }, (v) => codeUsedSql({ ...v, when: sqlText`TRUE` }));

/** What `attemptReservedSql` returns. */
interface ReservedRow {
  id: number;
  code_hash: string;
  context_hash: string | null;
  attempts: number;
  channel: string;
}

function reservedOf([row]: readonly ReservedRow[]): ReservedCode | null {
  return row ? { id: row.id, codeHash: row.code_hash, contextHash: row.context_hash, attempts: row.attempts, channel: channelOf(row.channel) } : null;
}

export type CodesStore = ReturnType<typeof createCodesStore>;

const HOUR_MS = 3_600_000;

/**
 * Every statement on `otp_logs`, the delivered codes. Only the user's newest code that was
 * delivered (ACTIVE or USED) can be verified: two generates racing on PostgreSQL can each
 * activate their code without seeing the other's, and the older of two ACTIVE codes must not
 * come back to life once the newer one is used.
 */
export function createCodesStore({ sql, outbox = createOutboxStore({ sql }) }: { sql: Sql; outbox?: OutboxStore }) {
  async function insertSending(code: NewCode): Promise<number> {
    const [row] = await sql.rows<{ id: number }>(...INSERT_SENDING.args(sql.dialect, newCodeValues(code)));
    if (!row) throw new Error('the new code was not recorded');
    return row.id;
  }

  /**
   * The code never reached the user; `events` (delivery.failed) are written with it, atomically.
   * `providerCode` is the provider's own error code (Twilio's, SMTP's reply code) when it gave one.
   */
  async function markFailed(codeId: number, reason: string, events: readonly SecurityEvent[] = [], providerCode: string | null = null, at: Date | null = null): Promise<void> {
    await sql.atomic([
      sql.statement`
        UPDATE otp_logs SET status = 'FAILED', delivery_error = ${reason}, delivery_status = 'FAILED', delivery_rank = ${deliveryRank.FAILED},
                            delivery_error_code = ${providerCode}, delivery_updated_at = ${at}
         WHERE id = ${codeId}`,
      ...outbox.statements(events),
    ]);
  }

  /**
   * Applies a provider's receipt to the code it names, only if it moves the status forward:
   * a repeated or late receipt changes nothing, and of two racing ones the database lets one
   * win. The code is found by its id (the callback URL's `code`, so a receipt that overtakes
   * the send's own answer still lands) and must carry the provider's id or none yet; or, for a
   * callback without `code`, by the provider's id alone. `recorded` yields what records the
   * change (its audit row and events), in the same unit: both commit or neither does. Its answer,
   * or null when the receipt changed nothing.
   */
  async function applyReceipt<T>(
    receipt: { codeId: number | null; providerMessageId: string; status: DeliveryStatus; providerCode: string | null; at: Date },
    recorded: (applied: AppliedReceipt) => Generator<SqlStatement, T, SqlResult>,
  ): Promise<T | null> {
    const { codeId, providerMessageId, status, providerCode, at } = receipt;
    const rank = deliveryRank[status];
    return sql.unit(function* () {
      const { rows } =
        codeId === null
          ? yield sql.statement`
              UPDATE otp_logs
                 SET delivery_status = ${status}, delivery_rank = ${rank}, delivery_error_code = ${providerCode}, delivery_updated_at = ${at}
               WHERE provider_message_id = ${providerMessageId} AND delivery_rank < ${rank}
              RETURNING id, user_id, channel`
          : yield sql.statement`
              UPDATE otp_logs
                 SET delivery_status = ${status}, delivery_rank = ${rank}, delivery_error_code = ${providerCode}, delivery_updated_at = ${at},
                     provider_message_id = ${providerMessageId}
               WHERE id = ${codeId} AND (provider_message_id IS NULL OR provider_message_id = ${providerMessageId})
                 AND (delivery_rank < ${rank} OR (delivery_status IS NULL AND ${rank} = 0))
              RETURNING id, user_id, channel`;
      const row = rows[0] as { id: number; user_id: number; channel: string } | undefined;
      if (!row) return null;
      return yield* recorded({ codeId: row.id, userId: row.user_id, channel: row.channel });
    });
  }

  /** The user's codes of the last `since`, newest first: what the channel choice reads to skip a channel that failed them. */
  async function recentDeliveries(userId: number, since: Date): Promise<RecentDelivery[]> {
    const rows = await sql.rows<{ channel: string; status: CodeStatus; delivery_status: DeliveryStatus | null; receipt_expected: SqlBool; created_at: SqlDate }>`
      SELECT channel, status, delivery_status, receipt_expected, created_at FROM otp_logs
       WHERE user_id = ${userId} AND created_at > ${since}
       ORDER BY id DESC LIMIT 20`;
    return rows.map((row) => ({
      channel: row.channel,
      status: row.status,
      deliveryStatus: row.delivery_status,
      receiptExpected: boolOf(row.receipt_expected),
      createdAt: dateOf(row.created_at),
    }));
  }

  /**
   * One statement: the delivered code becomes ACTIVE and the user's previous ACTIVE one
   * SUPERSEDED. Written with the send's audit row (see verification.store.ts).
   */
  function activateStatement(userId: number, codeId: number, sent: SendOutcome): SqlStatement {
    return ACTIVATE.statement(sql, {
      userId,
      codeId,
      providerMessageId: sent.providerMessageId,
      status: sent.status,
      rank: sent.status === 'SENT' ? deliveryRank.SENT : 0,
      receiptExpected: sent.receiptExpected,
    });
  }

  /**
   * Reserves one attempt on the user's newest delivered code, if it is ACTIVE, unexpired and
   * has attempts left: its id, hash, context hash and attempts so far (this one included), or null.
   */
  async function reserveAttempt(userId: number, now: Date, maxAttempts: number): Promise<ReservedCode | null> {
    return reservedOf(await sql.rows<ReservedRow>(...RESERVE_ATTEMPT.args(sql.dialect, { user: userId, now, maxAttempts })));
  }

  /** `reserveAttempt` as a step of a {@link Sql.unit} (the guess's, see verification.store.ts). */
  function* reservingAttempt(userId: number, now: Date, maxAttempts: number): Generator<SqlStatement, ReservedCode | null, SqlResult> {
    const { rows } = yield RESERVE_ATTEMPT.statement(sql, { user: userId, now, maxAttempts });
    return reservedOf(rows as ReservedRow[]);
  }

  /** Uses the code up, once: false when another request did first. */
  async function consume(codeId: number, now: Date): Promise<boolean> {
    const consumed = await sql.run(...CONSUME.args(sql.dialect, { codeId, now }));
    return consumed === 1;
  }

  /** `consume` as a write for a {@link Sql.unit}: it changed one row, or another request used the code first. */
  function consumeStatement(codeId: number, now: Date): SqlStatement {
    return CONSUME.statement(sql, { codeId, now });
  }

  async function newest(userId: number): Promise<NewestCode | null> {
    const [row] = await sql.rows<{ status: CodeStatus; attempts: number; expires_at: SqlDate; code_hash: string; channel: string }>`
      SELECT status, attempts, expires_at, code_hash, channel FROM otp_logs
       WHERE user_id = ${userId} AND status IN ('ACTIVE', 'USED')
       ORDER BY id DESC LIMIT 1`;
    return row
      ? { status: row.status, channel: channelOf(row.channel), attempts: row.attempts, expiresAt: dateOf(row.expires_at), codeHash: row.code_hash }
      : null;
  }

  /**
   * What a verify of `username` could be judged against, read without writing: the user's
   * switch, suspension, lock and whether they have an app, and their newest delivered code
   * (as `newest`). Null when there is no such user.
   */
  async function verifyStateOf(username: string): Promise<VerifyState | null> {
    const [row] = await sql.rows<{
      id: number;
      otp_enabled: SqlBool;
      suspended_at: SqlDate | null;
      locked_until: SqlDate | null;
      has_app: SqlBool;
      status: CodeStatus | null;
      attempts: number | null;
      expires_at: SqlDate | null;
      code_hash: string | null;
      channel: string | null;
    }>`
      SELECT u.id, u.otp_enabled, u.suspended_at, u.locked_until, u.totp_secret IS NOT NULL AS has_app,
             o.status, o.attempts, o.expires_at, o.code_hash, o.channel
        FROM users u
        LEFT JOIN otp_logs o ON o.id = (SELECT id FROM otp_logs WHERE user_id = u.id AND status IN ('ACTIVE', 'USED') ORDER BY id DESC LIMIT 1)
       WHERE u.username = ${username}`;
    if (!row) return null;
    const newest =
      row.status === null || row.attempts === null || row.expires_at === null || row.code_hash === null || row.channel === null
        ? null
        : { status: row.status, channel: channelOf(row.channel), attempts: row.attempts, expiresAt: dateOf(row.expires_at), codeHash: row.code_hash };
    return {
      userId: row.id,
      otpEnabled: boolOf(row.otp_enabled),
      suspended: row.suspended_at !== null,
      lockedUntil: dateOf(row.locked_until),
      hasApp: boolOf(row.has_app),
      newest,
    };
  }

  /** When the user's sends of the last hour were made (delivered or in flight, not failed), oldest first, at most `limit`. */
  async function recentSendTimes(userId: number, now: Date, limit: number): Promise<Date[]> {
    const rows = await sql.rows<{ created_at: SqlDate }>`
      SELECT created_at FROM otp_logs
       WHERE user_id = ${userId} AND created_at > ${new Date(now.getTime() - HOUR_MS)} AND status <> 'FAILED'
       ORDER BY created_at LIMIT ${limit}`;
    return rows.map((row) => dateOf(row.created_at));
  }

  async function recentSms(country: string, now: Date, baselineHours: number): Promise<RecentSms> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const baselineStart = new Date(now.getTime() - (baselineHours + 1) * HOUR_MS);
    const rows = await sql.rows<Record<keyof RecentSms, number | bigint | string>>`
      SELECT COUNT(CASE WHEN created_at > ${hourAgo} THEN 1 END) AS "hourTotal",
             COUNT(CASE WHEN created_at > ${hourAgo} AND country = ${country} THEN 1 END) AS "hourCountry",
             COUNT(CASE WHEN created_at <= ${hourAgo} THEN 1 END) AS "baselineTotal",
             COUNT(CASE WHEN created_at <= ${hourAgo} AND country = ${country} THEN 1 END) AS "baselineCountry"
        FROM otp_logs
       WHERE channel IN ('SMS', 'WHATSAPP', 'VOICE') AND created_at > ${baselineStart} AND created_at <= ${now}`;
    const row = rows[0];
    return {
      hourTotal: Number(row?.hourTotal ?? 0),
      hourCountry: Number(row?.hourCountry ?? 0),
      baselineTotal: Number(row?.baselineTotal ?? 0),
      baselineCountry: Number(row?.baselineCountry ?? 0),
    };
  }

  /** When the `skip`-th oldest SMS of the last hour was sent (the one whose ageing frees a slot). */
  async function smsSentAt(now: Date, skip: number): Promise<Date | null> {
    const [freeing] = await sql.rows<{ created_at: SqlDate }>`
      SELECT created_at FROM otp_logs
       WHERE channel IN ('SMS', 'WHATSAPP', 'VOICE') AND created_at > ${new Date(now.getTime() - HOUR_MS)} AND created_at <= ${now}
       ORDER BY created_at, id LIMIT 1 OFFSET ${skip}`;
    return freeing ? dateOf(freeing.created_at) : null;
  }

  /** Phone sends to `prefix` created after `since` (failed ones cost nothing and are not counted), and the verified among them. */
  async function prefixConversion(prefix: string, since: Date, now: Date): Promise<PrefixConversion> {
    const [row] = await sql.rows<{ sends: number | bigint | string; verified: number | bigint | string | null }>`
      SELECT COUNT(*) AS sends, COUNT(CASE WHEN verified THEN 1 END) AS verified
        FROM otp_logs
       WHERE dial_prefix = ${prefix} AND created_at > ${since} AND created_at <= ${now} AND status <> 'FAILED'`;
    return { sends: Number(row?.sends ?? 0), verified: Number(row?.verified ?? 0) };
  }

  /**
   * Sent, delivered and verified codes of the last hour and the last 24 hours, per country,
   * number range and channel (email has neither country nor range). A send that failed counts
   * as sent, not delivered: it is what the provider was asked for.
   */
  async function insights(now: Date): Promise<InsightRow[]> {
    const hourAgo = new Date(now.getTime() - HOUR_MS);
    const dayAgo = new Date(now.getTime() - 24 * HOUR_MS);
    type Count = number | bigint | string | null;
    const rows = await sql.rows<{ country: string | null; dial_prefix: string | null; channel: string; hs: Count; hd: Count; hv: Count; ds: Count; dd: Count; dv: Count }>`
      SELECT country, dial_prefix, channel,
             COUNT(CASE WHEN created_at > ${hourAgo} THEN 1 END) AS hs,
             COUNT(CASE WHEN created_at > ${hourAgo} AND delivery_status = 'DELIVERED' THEN 1 END) AS hd,
             COUNT(CASE WHEN created_at > ${hourAgo} AND verified THEN 1 END) AS hv,
             COUNT(*) AS ds,
             COUNT(CASE WHEN delivery_status = 'DELIVERED' THEN 1 END) AS dd,
             COUNT(CASE WHEN verified THEN 1 END) AS dv
        FROM otp_logs
       WHERE created_at > ${dayAgo} AND created_at <= ${now}
       GROUP BY country, dial_prefix, channel
       ORDER BY COUNT(*) DESC, channel, dial_prefix`;
    return rows.map((row) => ({
      country: row.country,
      prefix: row.dial_prefix,
      channel: row.channel,
      hour: { sent: Number(row.hs ?? 0), delivered: Number(row.hd ?? 0), verified: Number(row.hv ?? 0) },
      day: { sent: Number(row.ds ?? 0), delivered: Number(row.dd ?? 0), verified: Number(row.dv ?? 0) },
    }));
  }

  /** Deletes the code records created before `before`. */
  async function purge(before: Date): Promise<number> {
    return sql.run`DELETE FROM otp_logs WHERE created_at < ${before}`;
  }

  return { insertSending, markFailed, applyReceipt, recentDeliveries, activateStatement, reserveAttempt, reservingAttempt, consume, consumeStatement, newest, verifyStateOf, recentSendTimes, recentSms, smsSentAt, prefixConversion, insights, purge };
}

/** A stored channel as the domain names it: SMS, or email (every other value the column ever held). */
export function channelOf(stored: string): Channel {
  return stored === 'SMS' ? 'SMS' : 'EMAIL';
}
