import type { Db } from '../db/client.js';
import { dateOf, type Sql, type SqlDate, type SqlStatement } from '../db/sql.js';
import { noticeEventTypes, type SecurityEvent } from './events.js';

/** A Prisma client or an interactive transaction's client: what `writeIn` writes with. */
type PrismaWriter = Pick<Db, 'outboxEvent' | '$executeRaw'>;

export type OutboxStore = ReturnType<typeof createOutboxStore>;

/**
 * Every statement that writes `outbox_events` and fans an event out to its deliveries: one
 * per enabled endpoint subscribed to its type, and one NOTICE for the user when the type is
 * one they are told of. The fan-out is an INSERT ... SELECT inside the same transaction as
 * the event, so an event never exists without its deliveries, nor they without it.
 *
 * On the hot path (`statements`, and verification.store.ts on PostgreSQL) an event that no one
 * is to be sent, no endpoint subscribed to its type and no notice for the user, is not stored:
 * a verification writes its audit row either way, and an event without deliveries would only
 * wait for `logs:purge`.
 *
 * Three ways in, one per kind of transaction the change that causes the event runs in:
 * - `statements(events)`: for `Sql.atomic([change, ...statements])` on the hot path;
 * - `prismaWrites(events)`: for Prisma's batch `db.$transaction([change, ...prismaWrites])`;
 * - `writeIn(tx, events)`: inside an interactive `db.$transaction(async (tx) => ...)`.
 */
export function createOutboxStore({ db, sql, traceparent = () => null }: { db: Db; sql: Sql; traceparent?: () => string | null }) {
  /** An event as stored, with the trace context of the work that caused it (read now, inside that work). */
  function row(event: SecurityEvent) {
    return outboxRow(event, traceparent());
  }

  function statements(events: readonly SecurityEvent[]): SqlStatement[] {
    return events.flatMap((event) => {
      const written = [
        sql.statement`
          INSERT INTO outbox_events (id, type, user_id, username, data, occurred_at, created_at, traceparent)
          SELECT ${event.id}, ${event.type}, ${event.userId}, ${event.data.username}, ${JSON.stringify(event.data)},
                 ${event.occurredAt}, ${event.occurredAt}, ${traceparent()}
           WHERE ${isNotice(event) ? 1 : 0} = 1
              OR EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.disabled_at IS NULL AND w.events LIKE '%,' || ${event.type} || ',%')`,
        sql.statement`
          INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
          SELECT e.id, w.id, 'WEBHOOK', 'PENDING', 0, e.created_at, e.created_at
            FROM outbox_events e, webhook_endpoints w
           WHERE e.id = ${event.id} AND w.disabled_at IS NULL AND w.events LIKE '%,' || e.type || ',%'`,
      ];
      if (isNotice(event)) {
        written.push(sql.statement`
          INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
          SELECT e.id, NULL, 'NOTICE', 'PENDING', 0, e.created_at, e.created_at FROM outbox_events e WHERE e.id = ${event.id}`);
      }
      return written;
    });
  }

  function prismaWrites(events: readonly SecurityEvent[], writer: PrismaWriter = db) {
    return events.flatMap((event) => {
      const written = [
        writer.outboxEvent.create({ data: row(event), select: { id: true } }),
        writer.$executeRaw`
          INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
          SELECT e.id, w.id, 'WEBHOOK', 'PENDING', 0, e.created_at, e.created_at
            FROM outbox_events e, webhook_endpoints w
           WHERE e.id = ${event.id} AND w.disabled_at IS NULL AND w.events LIKE '%,' || e.type || ',%'`,
      ];
      if (noticeEventTypes.has(event.type) && event.userId !== null) {
        written.push(writer.$executeRaw`
          INSERT INTO webhook_deliveries (event_id, endpoint_id, kind, status, attempts, next_attempt_at, created_at)
          SELECT e.id, NULL, 'NOTICE', 'PENDING', 0, e.created_at, e.created_at FROM outbox_events e WHERE e.id = ${event.id}`);
      }
      return written;
    });
  }

  /** Inside an interactive transaction, in order. */
  async function writeIn(tx: PrismaWriter, events: readonly SecurityEvent[]): Promise<void> {
    for (const write of prismaWrites(events, tx)) await write;
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
    const purged = await db.outboxEvent.deleteMany({
      where: { createdAt: { lt: before }, deliveries: { none: { status: 'PENDING' } } },
    });
    return purged.count;
  }

  return { row, statements, prismaWrites, writeIn, record, backlog, purge };
}

/** Whether the user is told of the event (a NOTICE delivery). */
export function isNotice(event: SecurityEvent): boolean {
  return noticeEventTypes.has(event.type) && event.userId !== null;
}

/** An event as `outbox_events` stores it, under the model's field names. */
export function outboxRow(event: SecurityEvent, traceparent: string | null) {
  return {
    traceparent,
    id: event.id,
    type: event.type,
    userId: event.userId,
    username: event.data.username,
    data: JSON.stringify(event.data),
    occurredAt: event.occurredAt,
    createdAt: event.occurredAt,
  };
}
