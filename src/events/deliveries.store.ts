import { composeStatement, dateOf, sqlText, type Sql, type SqlDate, type SqlText } from '../db/sql.js';
import type { EventData, EventType } from './events.js';
import { subscribedSql } from './endpoints.store.js';

interface ListedRecord {
  id: number;
  event_id: string;
  type: string;
  endpoint_id: number | null;
  kind: string;
  status: string;
  attempts: number;
  response_code: number | null;
  last_error: string | null;
  last_attempt_at: SqlDate | null;
  next_attempt_at: SqlDate;
  delivered_at: SqlDate | null;
  created_at: SqlDate;
}

/**
 * The deliveries a listing shows, a page of them in id order from a cursor: newest first, or oldest
 * first when a page is read backwards; a null filter matches every delivery.
 */
const listing = (order: SqlText) =>
  composeStatement({ id: 'int', endpointId: 'int', status: 'text', kind: 'text', below: 'int', above: 'int', limit: 'int' }, (v) => sqlText`
  SELECT d.id, d.event_id, e.type, d.endpoint_id, d.kind, d.status, d.attempts, d.response_code, d.last_error,
         d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.created_at
    FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
   WHERE (${v.id} IS NULL OR d.id = ${v.id})
     AND (${v.endpointId} IS NULL OR d.endpoint_id = ${v.endpointId})
     AND (${v.status} IS NULL OR d.status = ${v.status})
     AND (${v.kind} IS NULL OR d.kind = ${v.kind})
     AND (${v.below} IS NULL OR d.id < ${v.below})
     AND (${v.above} IS NULL OR d.id > ${v.above})
   ORDER BY d.id ${order} LIMIT ${v.limit}`);
const LIST = { newestFirst: listing(sqlText`DESC`), oldestFirst: listing(sqlText`ASC`) };

/** Which deliveries a listing reads: a filter, and a page of ids below or above a cursor. */
export interface DeliveryFilter {
  endpointId?: number;
  status?: DeliveryStatus;
  kind?: DeliveryKind;
  /** only ids below this one */
  below?: number;
  /** only ids above this one */
  above?: number;
  /** the page's end nearest `above` first, rather than the newest */
  oldestFirst?: boolean;
  limit: number;
}

interface AttemptRecord {
  delivery_id: number;
  attempted_at: SqlDate;
  outcome: string;
  response_code: number | null;
  error: string | null;
  next_attempt_at: SqlDate | null;
}

export type DeliveryKind = 'WEBHOOK' | 'NOTICE';
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED';

/** A delivery a dispatcher holds the lease on, with its event and destination. */
export interface ClaimedDelivery {
  id: number;
  kind: DeliveryKind;
  attempts: number;
  createdAt: Date;
  event: { id: string; type: EventType; userId: number | null; occurredAt: Date; data: EventData; /** the W3C trace context stored with the event, if it was caused inside a trace */ traceparent: string | null };
  /** null for a NOTICE */
  endpoint: { id: number; url: string; secret: string; previousSecret: string | null; previousSecretExpiresAt: Date | null; disabled: boolean } | null;
}

export interface DeliveryView {
  id: number;
  eventId: string;
  eventType: string;
  endpointId: number | null;
  kind: string;
  status: string;
  attempts: number;
  responseCode: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  /** every attempt, oldest first */
  history: AttemptView[];
}

/** One attempt of a delivery. */
export interface AttemptView {
  attemptedAt: Date;
  outcome: string;
  responseCode: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
}

export type DeliveriesStore = ReturnType<typeof createDeliveriesStore>;

/**
 * The one INSERT INTO webhook_deliveries: the deliveries of the events of `events` (a relation
 * with `id`, `type`, `user_id` and `created_at`), one per enabled endpoint subscribed to the
 * event's type, and one NOTICE for the user when the type is in `noticeTypes` (`,a,b,`).
 * Written in the same transaction as the events (see outbox.store.ts).
 */
export function fanOutSql(events: SqlText, noticeTypes: SqlText): SqlText {
  return sqlText`
    INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
    SELECT e.id, w.id, 'WEBHOOK', 'PENDING', 0, e.created_at, e.created_at
      FROM ${events} e JOIN webhook_endpoints w ON ${subscribedSql(sqlText`w`, sqlText`e.type`)}
    UNION ALL
    SELECT e.id, NULL, 'NOTICE', 'PENDING', 0, e.created_at, e.created_at
      FROM ${events} e WHERE e.user_id IS NOT NULL AND ${noticeTypes} LIKE '%,' || e.type || ',%'`;
}

/** What keeps two instances' claims apart: PostgreSQL skips the rows another is claiming; SQLite has one writer. */
const claimLocks = { postgres: sqlText`FOR UPDATE SKIP LOCKED`, sqlite: sqlText`` };
const claimParams = { leaseUntil: 'timestamp', token: 'text', now: 'timestamp', limit: 'int' } as const;
/** the claim's own clause: a due, pending delivery of `kind` that no live lease holds */
const claimable = (kind: SqlText, now: SqlText) =>
  sqlText`kind = ${kind} AND status = 'PENDING' AND next_attempt_at <= ${now} AND (claimed_until IS NULL OR claimed_until <= ${now})`;

/** Notices: the oldest `limit` due. */
const claimNotices = (lock: SqlText) =>
  composeStatement(claimParams, (v) => sqlText`
    UPDATE webhook_deliveries SET claimed_until = ${v.leaseUntil}, claim_token = ${v.token}
     WHERE id IN (SELECT id FROM webhook_deliveries
                   WHERE ${claimable(sqlText`'NOTICE'`, v.now)}
                   ORDER BY next_attempt_at LIMIT ${v.limit}
                     ${lock})`);

/**
 * Webhooks: `held`, the live claims per endpoint of every instance. Endpoints at their cap are
 * left out before the window is cut; within it, each endpoint gets its oldest up to what it has free.
 */
const claimWebhooks = (lock: SqlText) =>
  composeStatement({ ...claimParams, window: 'int', perEndpoint: 'int' }, (v) => sqlText`
    UPDATE webhook_deliveries SET claimed_until = ${v.leaseUntil}, claim_token = ${v.token}
     WHERE id IN (
       SELECT ranked.id FROM (
         SELECT candidates.id, candidates.next_attempt_at, COALESCE(held.n, 0) AS held,
                ROW_NUMBER() OVER (PARTITION BY candidates.endpoint_id ORDER BY candidates.next_attempt_at, candidates.id) AS n
           FROM (SELECT id, endpoint_id, next_attempt_at FROM webhook_deliveries
                  WHERE ${claimable(sqlText`'WEBHOOK'`, v.now)}
                    AND endpoint_id NOT IN (SELECT endpoint_id FROM webhook_deliveries
                                             WHERE kind = 'WEBHOOK' AND status = 'PENDING' AND claimed_until > ${v.now} AND endpoint_id IS NOT NULL
                                             GROUP BY endpoint_id HAVING COUNT(*) >= ${v.perEndpoint})
                  ORDER BY next_attempt_at LIMIT ${v.window}
                    ${lock}) candidates
           LEFT JOIN (SELECT endpoint_id, COUNT(*) AS n FROM webhook_deliveries
                       WHERE kind = 'WEBHOOK' AND status = 'PENDING' AND claimed_until > ${v.now}
                       GROUP BY endpoint_id) held ON held.endpoint_id = candidates.endpoint_id) ranked
        WHERE ranked.n + ranked.held <= ${v.perEndpoint}
        ORDER BY ranked.next_attempt_at LIMIT ${v.limit})`);

const CLAIM_NOTICES = { postgres: claimNotices(claimLocks.postgres), sqlite: claimNotices(claimLocks.sqlite) };
const CLAIM_WEBHOOKS = { postgres: claimWebhooks(claimLocks.postgres), sqlite: claimWebhooks(claimLocks.sqlite) };

/**
 * Every statement on `webhook_deliveries`. A dispatcher claims due deliveries with a lease
 * (`claimed_until`) under its own token; every later write is conditional on the token, so a
 * dispatcher whose lease ran out (and whose delivery another claimed) changes nothing. On
 * PostgreSQL the claim skips rows another instance is claiming (`FOR UPDATE SKIP LOCKED`), so
 * instances never wait on each other; SQLite has one writer, the one process.
 */
export function createDeliveriesStore({ sql }: { sql: Sql }) {
  /**
   * Claims due deliveries of one lane kind under `token`. Notices: the oldest `limit`. Webhooks:
   * the oldest `limit` too, but at most `perEndpoint` held at once for any one endpoint, counting
   * every instance's live claims, so a hanging receiver holds a few claims while the others'
   * deliveries go on being claimed.
   */
  async function claim(
    token: string,
    now: Date,
    leaseUntil: Date,
    lane: { kind: 'NOTICE'; limit: number } | { kind: 'WEBHOOK'; limit: number; perEndpoint: number },
  ): Promise<ClaimedDelivery[]> {
    // the candidates are read past the limit so that one busy endpoint's backlog cannot fill them
    const window = lane.limit * 10;
    const values = { leaseUntil, token, now, limit: lane.limit };
    const claimed =
      lane.kind === 'NOTICE'
        ? await sql.run(...CLAIM_NOTICES[sql.dialect].args(sql.dialect, values))
        : await sql.run(...CLAIM_WEBHOOKS[sql.dialect].args(sql.dialect, { ...values, window, perEndpoint: lane.perEndpoint }));
    if (claimed === 0) return [];
    const rows = await sql.rows<{
      id: number;
      kind: DeliveryKind;
      attempts: number;
      created_at: SqlDate;
      event_id: string;
      type: EventType;
      user_id: number | null;
      occurred_at: SqlDate;
      data: string;
      traceparent: string | null;
      endpoint_id: number | null;
      url: string | null;
      secret: string | null;
      previous_secret: string | null;
      previous_secret_expires_at: SqlDate | null;
      disabled_at: SqlDate | null;
    }>`
      SELECT d.id, d.kind, d.attempts, d.created_at, e.id AS event_id, e.type, e.user_id, e.occurred_at, e.data, e.traceparent,
             w.id AS endpoint_id, w.url, w.secret, w.previous_secret, w.previous_secret_expires_at, w.disabled_at
        FROM webhook_deliveries d
        JOIN outbox_events e ON e.id = d.event_id
        LEFT JOIN webhook_endpoints w ON w.id = d.endpoint_id
       WHERE d.claim_token = ${token} AND d.status = 'PENDING'
       ORDER BY d.id`;
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      attempts: row.attempts,
      createdAt: dateOf(row.created_at),
      event: { id: row.event_id, type: row.type, userId: row.user_id, occurredAt: dateOf(row.occurred_at), data: JSON.parse(row.data) as EventData, traceparent: row.traceparent },
      endpoint:
        row.endpoint_id !== null && row.url !== null && row.secret !== null
          ? {
              id: row.endpoint_id,
              url: row.url,
              secret: row.secret,
              previousSecret: row.previous_secret,
              previousSecretExpiresAt: dateOf(row.previous_secret_expires_at),
              disabled: row.disabled_at !== null,
            }
          : null,
    }));
  }

  /**
   * The attempt's record, written before the delivery's own change in one atomic set: only for
   * a claim still held (`token`), which that change then clears.
   */
  function attemptRecord(id: number, token: string, now: Date, outcome: 'DELIVERED' | 'FAILED', responseCode: number | null, error: string | null, nextAttemptAt: Date | null) {
    return sql.statement`
      INSERT INTO webhook_attempts (delivery_id, attempted_at, outcome, response_code, error, next_attempt_at)
      SELECT id, ${now}, ${outcome}, ${responseCode}, ${error}, ${nextAttemptAt} FROM webhook_deliveries
       WHERE id = ${id} AND claim_token = ${token}`;
  }

  async function delivered(id: number, token: string, now: Date, responseCode: number | null): Promise<boolean> {
    const [, written] = await sql.atomic([
      attemptRecord(id, token, now, 'DELIVERED', responseCode, null, null),
      sql.statement`
      UPDATE webhook_deliveries
         SET status = 'DELIVERED', attempts = attempts + 1, last_attempt_at = ${now}, delivered_at = ${now},
             response_code = ${responseCode}, last_error = NULL, claimed_until = NULL, claim_token = NULL
       WHERE id = ${id} AND claim_token = ${token}`,
    ]);
    return written === 1;
  }

  /** A failed attempt: tried again at `nextAttemptAt`, or FAILED for good when that is null. */
  async function attemptFailed(
    id: number,
    token: string,
    now: Date,
    outcome: { responseCode: number | null; error: string; nextAttemptAt: Date | null },
  ): Promise<boolean> {
    const status = outcome.nextAttemptAt ? 'PENDING' : 'FAILED';
    const error = outcome.error.slice(0, 500);
    const [, written] = await sql.atomic([
      attemptRecord(id, token, now, 'FAILED', outcome.responseCode, error, outcome.nextAttemptAt),
      sql.statement`
      UPDATE webhook_deliveries
         SET status = ${status}, attempts = attempts + 1, last_attempt_at = ${now},
             next_attempt_at = COALESCE(${outcome.nextAttemptAt}, next_attempt_at),
             response_code = ${outcome.responseCode}, last_error = ${error},
             claimed_until = NULL, claim_token = NULL
       WHERE id = ${id} AND claim_token = ${token}`,
    ]);
    return written === 1;
  }

  /** Gives the claim back untried (the dispatcher is stopping). */
  async function release(id: number, token: string): Promise<void> {
    await sql.run`UPDATE webhook_deliveries SET claimed_until = NULL, claim_token = NULL WHERE id = ${id} AND claim_token = ${token}`;
  }

  /**
   * A page of deliveries, newest first unless `oldestFirst`, of one endpoint or of all (notices
   * included when no endpoint is named), with their attempts: two reads, the deliveries and then
   * their attempts.
   */
  async function list(filter: DeliveryFilter): Promise<DeliveryView[]> {
    const values = { id: null, endpointId: null, status: null, kind: null, below: null, above: null, ...filter };
    return viewsOf(await sql.rows<ListedRecord>(...LIST[filter.oldestFirst ? 'oldestFirst' : 'newestFirst'].args(sql.dialect, values)));
  }

  /** One delivery by its id, with its attempts; null when there is none. */
  async function find(id: number): Promise<DeliveryView | null> {
    const [delivery] = await viewsOf(await sql.rows<ListedRecord>(...LIST.newestFirst.args(sql.dialect, { id, endpointId: null, status: null, kind: null, below: null, above: null, limit: 1 })));
    return delivery ?? null;
  }

  /** The rows as callers see them, each with its attempts, read in one statement for the lot. */
  async function viewsOf(rows: ListedRecord[]): Promise<DeliveryView[]> {
    const history = new Map<number, AttemptView[]>(rows.map((row) => [row.id, []]));
    if (rows.length > 0) {
      const ids = JSON.stringify(rows.map((row) => row.id));
      const attempts = await (sql.dialect === 'postgres'
        ? sql.rows<AttemptRecord>`
            SELECT delivery_id, attempted_at, outcome, response_code, error, next_attempt_at FROM webhook_attempts
             WHERE delivery_id IN (SELECT value::int FROM json_array_elements_text(${ids}::json)) ORDER BY id`
        : sql.rows<AttemptRecord>`
            SELECT delivery_id, attempted_at, outcome, response_code, error, next_attempt_at FROM webhook_attempts
             WHERE delivery_id IN (SELECT value FROM json_each(${ids})) ORDER BY id`);
      for (const attempt of attempts) {
        history.get(attempt.delivery_id)?.push({
          attemptedAt: dateOf(attempt.attempted_at),
          outcome: attempt.outcome,
          responseCode: attempt.response_code,
          error: attempt.error,
          nextAttemptAt: dateOf(attempt.next_attempt_at),
        });
      }
    }
    return rows.map((row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.type,
      endpointId: row.endpoint_id,
      kind: row.kind,
      status: row.status,
      attempts: row.attempts,
      responseCode: row.response_code,
      lastError: row.last_error,
      lastAttemptAt: dateOf(row.last_attempt_at),
      nextAttemptAt: row.status === 'PENDING' ? dateOf(row.next_attempt_at) : null,
      deliveredAt: dateOf(row.delivered_at),
      createdAt: dateOf(row.created_at),
      history: history.get(row.id) ?? [],
    }));
  }

  return { claim, delivered, attemptFailed, release, list, find };
}
