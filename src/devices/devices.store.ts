import { dateOf, type Sql, type SqlDate } from '../db/sql.js';
import type { SecurityEvent } from '../events/events.js';
import type { OutboxStore } from '../events/outbox.store.js';

/** Why a remembered device stopped working before it expired. */
export type RevocationReason = 'USER' | 'ALL' | 'FACTOR_REMOVED' | 'TWO_FACTOR_DISABLED' | 'SUSPENDED';

/** A remembered device as the service speaks of it (never its token, nor the token's hash). */
export interface RememberedDevice {
  id: number;
  userId: number;
  name: string;
  method: string;
  assurance: string;
  amr: string[];
  authTime: Date;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A device to remember: what it will show, and the hash of the token that proves it. */
export interface NewDevice extends Omit<RememberedDevice, 'id' | 'lastUsedAt' | 'revokedAt'> {
  tokenHash: string;
}

export type DevicesStore = ReturnType<typeof createDevicesStore>;

interface DeviceRow {
  id: number;
  user_id: number;
  name: string;
  method: string;
  assurance: string;
  amr: string;
  auth_time: SqlDate;
  created_at: SqlDate;
  last_used_at: SqlDate | null;
  expires_at: SqlDate;
  revoked_at: SqlDate | null;
}

const deviceOf = (row: DeviceRow): RememberedDevice => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  method: row.method,
  assurance: row.assurance,
  amr: row.amr.split(',').filter(Boolean),
  authTime: dateOf(row.auth_time),
  createdAt: dateOf(row.created_at),
  lastUsedAt: dateOf(row.last_used_at),
  expiresAt: dateOf(row.expires_at),
  revokedAt: dateOf(row.revoked_at),
});

/**
 * Every statement on `remembered_devices`. The token is never stored, only its keyed hash
 * (unique, so a lookup is one index probe); `amr` is kept comma-separated (SQLite has no
 * arrays). A device's creation and its revocations are written with their outbox events, as one
 * transaction.
 */
export function createDevicesStore({ sql, outbox }: { sql: Sql; outbox: OutboxStore }) {
  async function create(device: NewDevice, events: (id: number) => readonly SecurityEvent[]): Promise<RememberedDevice> {
    return sql.unit(function* () {
      const { rows } = yield sql.statement`
        INSERT INTO remembered_devices (user_id, token_hash, name, method, assurance, amr, auth_time, created_at, expires_at)
        VALUES (${device.userId}, ${device.tokenHash}, ${device.name}, ${device.method}, ${device.assurance}, ${device.amr.join(',')},
                ${device.authTime}, ${device.createdAt}, ${device.expiresAt})
        RETURNING id, user_id, name, method, assurance, amr, auth_time, created_at, last_used_at, expires_at, revoked_at`;
      const created = deviceOf(rows[0] as DeviceRow);
      for (const statement of outbox.statements(events(created.id))) yield statement;
      return created;
    });
  }

  /** The device whose token has this hash, whoever's it is, revoked or expired: the caller says which it is. */
  async function findByTokenHash(tokenHash: string): Promise<RememberedDevice | null> {
    const [row] = await sql.rows<DeviceRow>`
      SELECT id, user_id, name, method, assurance, amr, auth_time, created_at, last_used_at, expires_at, revoked_at
        FROM remembered_devices WHERE token_hash = ${tokenHash}`;
    return row ? deviceOf(row) : null;
  }

  /** Records a check, unless the device was revoked meanwhile: false then. */
  async function markUsed(id: number, now: Date): Promise<boolean> {
    return (await sql.run`UPDATE remembered_devices SET last_used_at = ${now} WHERE id = ${id} AND revoked_at IS NULL`) === 1;
  }

  async function listOf(userId: number): Promise<RememberedDevice[]> {
    const rows = await sql.rows<DeviceRow>`
      SELECT id, user_id, name, method, assurance, amr, auth_time, created_at, last_used_at, expires_at, revoked_at
        FROM remembered_devices WHERE user_id = ${userId} ORDER BY id`;
    return rows.map(deviceOf);
  }

  /**
   * Revokes the user's live devices (one with `id`, or all), with an event per device revoked:
   * in one transaction, whose conditional update decides which were still live, so a device
   * revoked twice at once has one event. Returns the devices revoked.
   */
  async function revoke(
    userId: number,
    now: Date,
    reason: RevocationReason,
    events: (device: RememberedDevice) => SecurityEvent[],
    id?: number,
  ): Promise<RememberedDevice[]> {
    return sql.unit(function* () {
      const { rows } =
        id === undefined
          ? yield sql.statement`
              UPDATE remembered_devices SET revoked_at = ${now}, revoked_reason = ${reason}
               WHERE user_id = ${userId} AND revoked_at IS NULL
              RETURNING id, user_id, name, method, assurance, amr, auth_time, created_at, last_used_at, expires_at, revoked_at`
          : yield sql.statement`
              UPDATE remembered_devices SET revoked_at = ${now}, revoked_reason = ${reason}
               WHERE user_id = ${userId} AND id = ${id} AND revoked_at IS NULL
              RETURNING id, user_id, name, method, assurance, amr, auth_time, created_at, last_used_at, expires_at, revoked_at`;
      // in id order, as they were listed
      const revoked = (rows as DeviceRow[]).map(deviceOf).sort((a, b) => a.id - b.id);
      for (const device of revoked) for (const statement of outbox.statements(events(device))) yield statement;
      return revoked;
    });
  }

  return { create, findByTokenHash, markUsed, listOf, revoke };
}
