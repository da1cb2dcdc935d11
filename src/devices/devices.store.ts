import type { Db } from '../db/client.js';
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

export interface NewDevice {
  userId: number;
  tokenHash: string;
  name: string;
  method: string;
  assurance: string;
  amr: string[];
  authTime: Date;
  createdAt: Date;
  expiresAt: Date;
}

export type DevicesStore = ReturnType<typeof createDevicesStore>;

const columns = {
  id: true,
  userId: true,
  name: true,
  method: true,
  assurance: true,
  amr: true,
  authTime: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

/**
 * Every statement on `remembered_devices`. The token is never stored, only its keyed hash
 * (unique, so a lookup is one index probe); `amr` is kept comma-separated (SQLite has no
 * arrays). A device's creation and its revocations are written with their outbox events, as one
 * transaction.
 */
export function createDevicesStore({ db, outbox }: { db: Db; outbox: OutboxStore }) {
  const deviceOf = (row: Omit<RememberedDevice, 'amr'> & { amr: string }): RememberedDevice => ({ ...row, amr: row.amr.split(',').filter(Boolean) });

  async function create(device: NewDevice, events: (id: number) => readonly SecurityEvent[]): Promise<RememberedDevice> {
    return db.$transaction(async (tx) => {
      const row = await tx.rememberedDevice.create({ data: { ...device, amr: device.amr.join(',') }, select: columns });
      for (const write of outbox.prismaWrites(events(row.id), tx)) await write;
      return deviceOf(row);
    });
  }

  /** The device whose token has this hash, whoever's it is, revoked or expired: the caller says which it is. */
  async function findByTokenHash(tokenHash: string): Promise<RememberedDevice | null> {
    const row = await db.rememberedDevice.findUnique({ where: { tokenHash }, select: columns });
    return row ? deviceOf(row) : null;
  }

  /** Records a check, unless the device was revoked meanwhile: false then. */
  async function markUsed(id: number, now: Date): Promise<boolean> {
    const { count } = await db.rememberedDevice.updateMany({ where: { id, revokedAt: null }, data: { lastUsedAt: now } });
    return count === 1;
  }

  async function listOf(userId: number): Promise<RememberedDevice[]> {
    return (await db.rememberedDevice.findMany({ where: { userId }, orderBy: { id: 'asc' }, select: columns })).map(deviceOf);
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
    return db.$transaction(async (tx) => {
      const live = await tx.rememberedDevice.findMany({ where: { userId, revokedAt: null, ...(id === undefined ? {} : { id }) }, select: columns });
      const revoked: RememberedDevice[] = [];
      for (const row of live) {
        const { count } = await tx.rememberedDevice.updateMany({ where: { id: row.id, revokedAt: null }, data: { revokedAt: now, revokedReason: reason } });
        if (count !== 1) continue;
        const device = deviceOf({ ...row, revokedAt: now });
        for (const write of outbox.prismaWrites(events(device), tx)) await write;
        revoked.push(device);
      }
      return revoked;
    });
  }

  return { create, findByTokenHash, markUsed, listOf, revoke };
}
