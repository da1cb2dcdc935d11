import type { SealedValue } from '../crypto/secret-box.js';
import { composeStatement, dateOf, sqlText, type Sql, type SqlDate, type SqlText } from '../db/sql.js';

export interface EndpointRow {
  id: number;
  url: string;
  description: string;
  events: string[];
  /** sealed */
  secret: string;
  /** sealed, while the rotation's grace period lasts */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  disabledAt: Date | null;
  disabledReason: string | null;
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewEndpoint {
  url: string;
  description: string;
  events: string[];
  sealedSecret: string;
  now: Date;
}

export type EndpointChanges = Partial<Pick<EndpointRow, 'url' | 'description' | 'events'>> & { enabled?: boolean };

export type EndpointsStore = ReturnType<typeof createEndpointsStore>;

/**
 * The subscription rule, the one place it is written: endpoint `endpoint` (an alias of
 * `webhook_endpoints`) is enabled and receives events of type `type` (SQL text: a column or a
 * hole). Event types are stored as `,a,b,` so that this is one LIKE.
 */
export function subscribedSql(endpoint: SqlText, type: SqlText): SqlText {
  return sqlText`${endpoint}.disabled_at IS NULL AND ${endpoint}.events LIKE '%,' || ${type} || ',%'`;
}

interface EndpointRecord {
  id: number;
  url: string;
  description: string;
  events: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: SqlDate | null;
  disabled_at: SqlDate | null;
  disabled_reason: string | null;
  failing_since: SqlDate | null;
  created_at: SqlDate;
  updated_at: SqlDate;
}

const toRow = (row: EndpointRecord): EndpointRow => ({
  id: row.id,
  url: row.url,
  description: row.description,
  events: row.events.split(',').filter(Boolean),
  secret: row.secret,
  previousSecret: row.previous_secret,
  previousSecretExpiresAt: dateOf(row.previous_secret_expires_at),
  disabledAt: dateOf(row.disabled_at),
  disabledReason: row.disabled_reason,
  failingSince: dateOf(row.failing_since),
  createdAt: dateOf(row.created_at),
  updatedAt: dateOf(row.updated_at),
});
const stored = (events: string[]) => `,${events.join(',')},`;

/**
 * An endpoint's changes in one statement: a null value leaves its column as it is. Switched
 * back on, an endpoint's failures so far are forgiven; switched off, it says it was the caller.
 */
const UPDATE = composeStatement(
  { id: 'int', url: 'text', description: 'text', events: 'text', enabled: 'boolean', now: 'timestamp' },
  (v) => sqlText`
    UPDATE webhook_endpoints
       SET url = COALESCE(${v.url}, url), description = COALESCE(${v.description}, description), events = COALESCE(${v.events}, events),
           disabled_at = CASE WHEN ${v.enabled} IS NULL THEN disabled_at WHEN ${v.enabled} THEN NULL ELSE ${v.now} END,
           disabled_reason = CASE WHEN ${v.enabled} IS NULL THEN disabled_reason WHEN ${v.enabled} THEN NULL ELSE 'DISABLED_BY_CALLER' END,
           failing_since = CASE WHEN ${v.enabled} THEN NULL ELSE failing_since END,
           updated_at = ${v.now}
     WHERE id = ${v.id}
    RETURNING *`,
);

/** Every statement on `webhook_endpoints`. */
export function createEndpointsStore({ sql }: { sql: Sql }) {
  async function create(endpoint: NewEndpoint): Promise<EndpointRow> {
    const [row] = await sql.rows<EndpointRecord>`
      INSERT INTO webhook_endpoints (url, description, events, secret, created_at, updated_at)
      VALUES (${endpoint.url}, ${endpoint.description}, ${stored(endpoint.events)}, ${endpoint.sealedSecret}, ${endpoint.now}, ${endpoint.now})
      RETURNING *`;
    if (!row) throw new Error('the new endpoint was not recorded');
    return toRow(row);
  }

  async function find(id: number): Promise<EndpointRow | null> {
    const [row] = await sql.rows<EndpointRecord>`SELECT * FROM webhook_endpoints WHERE id = ${id}`;
    return row ? toRow(row) : null;
  }

  async function list(): Promise<EndpointRow[]> {
    return (await sql.rows<EndpointRecord>`SELECT * FROM webhook_endpoints ORDER BY id`).map(toRow);
  }

  async function update(id: number, changes: EndpointChanges, now: Date): Promise<EndpointRow | null> {
    const [row] = await sql.rows<EndpointRecord>(
      ...UPDATE.args(sql.dialect, {
        id,
        url: changes.url ?? null,
        description: changes.description ?? null,
        events: changes.events ? stored(changes.events) : null,
        enabled: changes.enabled ?? null,
        now,
      }),
    );
    return row ? toRow(row) : null;
  }

  /** The new secret signs from now on; the old one also signs until `graceUntil` (in SET, `secret` is still the old one). */
  async function rotateSecret(id: number, sealedSecret: string, graceUntil: Date, now: Date): Promise<EndpointRow | null> {
    const [row] = await sql.rows<EndpointRecord>`
      UPDATE webhook_endpoints
         SET previous_secret = secret, secret = ${sealedSecret}, previous_secret_expires_at = ${graceUntil}, updated_at = ${now}
       WHERE id = ${id}
      RETURNING *`;
    return row ? toRow(row) : null;
  }

  /** Deletes the endpoint and (cascade) its deliveries. */
  async function remove(id: number): Promise<boolean> {
    return (await sql.run`DELETE FROM webhook_endpoints WHERE id = ${id}`) === 1;
  }

  /** An attempt failed: the run of failures starts now unless it had started already. */
  async function failed(id: number, now: Date): Promise<void> {
    await sql.run`UPDATE webhook_endpoints SET failing_since = ${now} WHERE id = ${id} AND failing_since IS NULL`;
  }

  async function succeeded(id: number): Promise<void> {
    await sql.run`UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${id} AND failing_since IS NOT NULL`;
  }

  /** Disables an endpoint that has failed every attempt since `since`; true when this call disabled it. */
  async function disableIfFailingSince(id: number, since: Date, now: Date): Promise<boolean> {
    const written = await sql.run`
      UPDATE webhook_endpoints SET disabled_at = ${now}, disabled_reason = 'FAILING', updated_at = ${now}
       WHERE id = ${id} AND disabled_at IS NULL AND failing_since <= ${since}`;
    return written === 1;
  }

  /** Every endpoint's sealed signing secrets (current, and previous during a rotation's grace), for a key rotation. */
  async function* sealedSecrets(): AsyncIterable<SealedValue> {
    const rows = await sql.rows<{ id: number; secret: string; previous_secret: string | null }>`
      SELECT id, secret, previous_secret FROM webhook_endpoints ORDER BY id`;
    for (const row of rows) {
      yield {
        owner: `webhook endpoint ${row.id}`,
        stored: row.secret,
        replace: async (resealed) => (await sql.run`UPDATE webhook_endpoints SET secret = ${resealed} WHERE id = ${row.id} AND secret = ${row.secret}`) === 1,
      };
      const previous = row.previous_secret;
      if (previous === null) continue;
      yield {
        owner: `webhook endpoint ${row.id}`,
        stored: previous,
        replace: async (resealed) =>
          (await sql.run`UPDATE webhook_endpoints SET previous_secret = ${resealed} WHERE id = ${row.id} AND previous_secret = ${previous}`) === 1,
      };
    }
  }

  return { create, find, list, update, rotateSecret, remove, failed, succeeded, disableIfFailingSince, sealedSecrets };
}
