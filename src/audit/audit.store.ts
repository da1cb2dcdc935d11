import { sqlText, type Sql, type SqlStatement, type SqlText } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import { createOutboxStore, type OutboxStore } from '../events/outbox.store.js';

export interface AuditRow {
  createdAt: Date;
  event: string;
  outcome: string;
  reason: string | null;
  method: string | null;
  channel: string | null;
  userId: number | null;
  username: string | null;
  caller: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Audit rows, when `when` holds, from `rows`: a JSON array of {@link AuditRow}s (PostgreSQL's
 * json_to_recordset), for a statement spanning tables (verification.store.ts).
 */
export function auditRowsInsertSql(rows: SqlText, when: SqlText): SqlText {
  return sqlText`
    INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
    SELECT a."createdAt", a.event, a.outcome, a.reason, a.method, a.channel, a."userId", a.username, a.caller, a.ip, a."userAgent", a."requestId"
      FROM json_to_recordset(${rows})
           AS a("createdAt" timestamp, event text, outcome text, reason text, method text, channel text, "userId" int,
                username text, caller text, ip text, "userAgent" text, "requestId" text)
     WHERE ${when}`;
}

export type AuditStore = ReturnType<typeof createAuditStore>;

/** Every statement on `audit_events`: one insert per event on the driver (every generate and verify writes one). */
/** A user's audit rows keep `pseudonym` in place of their name (erasure). */
export function auditPseudonymisedSql(v: { userId: SqlText; pseudonym: SqlText }): SqlText {
  return sqlText`UPDATE audit_events SET username = ${v.pseudonym} WHERE user_id = ${v.userId}`;
}

export function createAuditStore({ sql, outbox = createOutboxStore({ sql }) }: { sql: Sql; outbox?: OutboxStore }) {
  /** One event; `events` (the outbox's) are written with it, atomically. */
  async function insert(row: AuditRow, events: readonly SecurityEvent[] = []): Promise<void> {
    await sql.atomic(statements(row, events));
  }

  /** One event and its outbox events, for a unit that writes them with the change they record. */
  function statements(row: AuditRow, events: readonly SecurityEvent[] = []): SqlStatement[] {
    return [insertStatement(row), ...outbox.statements(events)];
  }

  /** One event's insert, for an atomic set of several tables' writes (see verification.store.ts). */
  function insertStatement(row: AuditRow): SqlStatement {
    return sql.statement`
      INSERT INTO audit_events (created_at, event, outcome, reason, method, channel, user_id, username, caller, ip, user_agent, request_id)
      VALUES (${row.createdAt}, ${row.event}, ${row.outcome}, ${row.reason}, ${row.method}, ${row.channel}, ${row.userId},
              ${row.username}, ${row.caller}, ${row.ip}, ${row.userAgent}, ${row.requestId})`;
  }

  /** Deletes the events recorded before `before`. */
  async function purge(before: Date): Promise<number> {
    return sql.run`DELETE FROM audit_events WHERE created_at < ${before}`;
  }

  /** Whether the user was verified successfully (by any method) at or after `since`. */
  async function verifiedSince(userId: number, since: Date): Promise<boolean> {
    const rows = await sql.rows<{ id: number }>`
      SELECT id FROM audit_events
       WHERE user_id = ${userId} AND event = 'OTP_VERIFY' AND outcome = 'SUCCESS' AND created_at >= ${since}
       LIMIT 1`;
    return rows.length > 0;
  }

  return { insert, statements, insertStatement, purge, verifiedSince };
}
