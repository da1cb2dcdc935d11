import { composeStatement, dateOf, sqlText, type Sql, type SqlDate, type SqlResult, type SqlStatement, type SqlText } from '../db/sql.js';
import { fanOutSql } from './deliveries.store.js';
import { subscribedSql } from './endpoints.store.js';
import { noticeEventTypes, type SecurityEvent } from './events.js';

export type OutboxStore = ReturnType<typeof createOutboxStore>;

/** The notice types as one comma-framed list, as `fanOutSql` matches an event's type against them. */
export const NOTICE_TYPES = `,${[...noticeEventTypes].join(',')},`;

/**
 * The one INSERT INTO outbox_events: the events of `source` (a relation with `id`, `type`,
 * `user_id`, `username`, `data`, `occurred_at`, `traceparent` and `notice`), when `when` holds,
 * that someone is to be sent: the user (a notice) or an endpoint subscribed to the type. An
 * event no one is to be sent is not stored: its audit row is written either way, and an event
 * without deliveries would only wait for `logs:purge`.
 */
export function eventsInsertSql(source: SqlText, when: SqlText): SqlText {
  return sqlText`
    INSERT INTO outbox_events (id, type, user_id, username, data, occurred_at, created_at, traceparent)
    SELECT s.id, s.type, s.user_id, s.username, s.data, s.occurred_at, s.occurred_at, s.traceparent FROM ${source} s
     WHERE ${when} AND (s.notice OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE ${subscribedSql(sqlText`w`, sqlText`s.type`)}))`;
}

/** `eventsInsertSql`'s source on PostgreSQL for any number of events: `rows`, a JSON array of {@link jsonRow}s. */
export function eventsFromJsonSql(rows: SqlText): SqlText {
  return sqlText`(SELECT * FROM json_to_recordset(${rows})
    AS r(id text, type text, user_id int, username text, data text, occurred_at timestamp, traceparent text, notice boolean))`;
}

/** One event, written when someone is to be sent it (works on both databases). */
const EVENT = composeStatement(
  { id: 'text', type: 'text', userId: 'int', username: 'text', data: 'text', occurredAt: 'timestamp', traceparent: 'text', notice: 'boolean' },
  (v) =>
    eventsInsertSql(
      sqlText`(SELECT ${v.id} AS id, ${v.type} AS type, ${v.userId} AS user_id, ${v.username} AS username, ${v.data} AS data,
                      ${v.occurredAt} AS occurred_at, ${v.traceparent} AS traceparent, ${v.notice} AS notice)`,
      sqlText`TRUE`,
    ),
);

/** One stored event's deliveries. */
const FAN_OUT = composeStatement({ id: 'text', noticeTypes: 'text' }, (v) =>
  fanOutSql(sqlText`(SELECT id, type, user_id, created_at FROM outbox_events WHERE id = ${v.id})`, v.noticeTypes),
);

/**
 * Every statement that writes `outbox_events`, and the fan-out of an event to its deliveries
 * (deliveries.store.ts's `fanOutSql`) inside the same transaction, so an event never exists
 * without its deliveries, nor they without it. Each event is two statements: the event, then
 * its deliveries.
 *
 * `statements(events)` go with the change that causes them, in `Sql.atomic([change, ...statements])`
 * or a `Sql.unit`; `record(events)` writes events that have no change of their own.
 */
export function createOutboxStore({ sql, traceparent = () => null }: { sql: Sql; traceparent?: () => string | null }) {
  /** An event as `eventsInsertSql` reads it, with the trace context of the work that caused it (read now, inside that work). */
  function jsonRow(event: SecurityEvent) {
    return {
      id: event.id,
      type: event.type,
      user_id: event.userId,
      username: event.data.username,
      data: JSON.stringify(event.data),
      occurred_at: event.occurredAt,
      traceparent: traceparent(),
      notice: isNotice(event),
    };
  }

  function args(event: SecurityEvent): [insert: Parameters<Sql['statement']>, fanOut: Parameters<Sql['statement']>] {
    const row = jsonRow(event);
    return [
      EVENT.args(sql.dialect, { ...row, userId: row.user_id, occurredAt: row.occurred_at }),
      FAN_OUT.args(sql.dialect, { id: event.id, noticeTypes: NOTICE_TYPES }),
    ];
  }

  function statements(events: readonly SecurityEvent[]): SqlStatement[] {
    return events.flatMap((event) => args(event).map((call) => sql.statement(...call)));
  }

  /**
   * `statements(events)` as steps of a {@link Sql.unit}: an event no one is to be sent is not
   * stored (see `eventsInsertSql`), and then its fan-out, which would find no event, is not sent.
   */
  function* writing(events: readonly SecurityEvent[]): Generator<SqlStatement, void, SqlResult> {
    for (const event of events) {
      const [insert, fanOut] = args(event);
      const stored = yield sql.statement(...insert);
      if (stored.count > 0) yield sql.statement(...fanOut);
    }
  }

  /** Events with no change of their own to ride with (still one transaction for event and fan-out). */
  async function record(events: readonly SecurityEvent[]): Promise<void> {
    if (events.length > 0) await sql.atomic(statements(events));
  }

  /** Deliveries waiting (PENDING), and when the oldest was written: the outbox's backlog. */
  async function backlog(): Promise<{ pending: number; oldest: Date | null }> {
    const [row] = await sql.rows<{ pending: number | string; oldest: SqlDate | null }>`
      SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM webhook_deliveries WHERE status = 'PENDING'`;
    return { pending: Number(row?.pending ?? 0), oldest: dateOf(row?.oldest ?? null) };
  }

  /** Deletes the events created before `before` that have nothing left to send (their deliveries go with them). */
  async function purge(before: Date): Promise<number> {
    return sql.run`
      DELETE FROM outbox_events
       WHERE created_at < ${before}
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = outbox_events.id AND d.status = 'PENDING')`;
  }

  return { jsonRow, statements, writing, record, backlog, purge };
}

/** Whether the user is told of the event (a NOTICE delivery). */
export function isNotice(event: SecurityEvent): boolean {
  return noticeEventTypes.has(event.type) && event.userId !== null;
}
