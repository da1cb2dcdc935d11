import { createHmac, randomBytes } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { isStorableText } from '../db/storable-text.js';
import {
  DeviceExpiredError,
  DeviceNotFoundError,
  DeviceProofTooOldError,
  DeviceRevokedError,
  DeviceTokenInvalidError,
  UserNotFoundError,
  ValidationFailedError,
} from '../errors/errors.js';
import { securityEvent, type SecurityEvent } from '../events/events.js';
import { fitsLength } from '../limits/input-limits.js';
import type { UsersStore } from '../users/users.store.js';
import { assuranceLevels, meets, type Assurance, type AssuranceLevel } from '../vocabulary/assurance.js';
import type { DevicesStore, RememberedDevice, RevocationReason } from './devices.store.js';

/** The longest name a remembered device may be given. */
export const DEVICE_NAME_MAX_LENGTH = 64;

/** `fdt_` and 32 random bytes, base64url: 256 bits, which no guess budget lets anyone find. */
const TOKEN_SHAPE = /^fdt_[A-Za-z0-9_-]{43}$/;

/** A device just remembered: the token (shown once, to be kept by the caller's frontend) and the device. */
export interface Remembered {
  token: string;
  device: RememberedDevice;
}

/** What a device check judged: the device and the proof it vouches for. */
export interface CheckedDevice {
  device: RememberedDevice;
  assurance: Assurance;
}

export type DevicesService = ReturnType<typeof createDevicesService>;

/**
 * "Remember this device": after a verification that asked for it, the caller's frontend keeps
 * an opaque token that later vouches for that verification (its level and its time) without a
 * factor being presented again, until it expires (REMEMBER_DEVICE_DAYS) or is revoked. The token
 * is kept only as a keyed hash, bound to its user; a check is judged through the verification's
 * guess budget (the verification service calls `check` inside `judged`).
 */
export function createDevicesService({
  store,
  users,
  clock,
  config,
  audit,
}: {
  store: DevicesStore;
  users: Pick<UsersStore, 'idOf'>;
  clock: Clock;
  config: Pick<Config, 'security'>;
  audit: AuditService;
}) {
  const key = createHmac('sha256', config.security.secretKey).update('remembered-device').digest();
  const lifetimeMs = config.security.rememberDeviceDays * 86_400_000;
  const hashOf = (token: string) => createHmac('sha256', key).update(token).digest('base64url');

  /** Checks a name before anything is judged: trimmed, text, short. */
  function nameOf(name: string | null | undefined): string | undefined {
    const trimmed = name?.trim();
    if (!trimmed) return undefined;
    if (!isStorableText(trimmed) || !fitsLength(trimmed, DEVICE_NAME_MAX_LENGTH)) {
      throw new ValidationFailedError([{ path: ['deviceName'], message: `must be at most ${String(DEVICE_NAME_MAX_LENGTH)} characters of text` }]);
    }
    return trimmed;
  }

  /** Remembers the device of a verification that just succeeded, with its event (and the user's notice) in the same transaction. */
  async function remember(
    who: { userId: number; username: string },
    proof: { method: string; assurance: Assurance; authTime: Date },
    name: string | undefined,
  ): Promise<Remembered> {
    const now = clock.now();
    const token = `fdt_${randomBytes(32).toString('base64url')}`;
    const device = await store.create(
      {
        userId: who.userId,
        tokenHash: hashOf(token),
        name: name ?? 'Remembered device',
        method: proof.method,
        assurance: proof.assurance.level,
        amr: proof.assurance.amr,
        authTime: proof.authTime,
        createdAt: now,
        expiresAt: new Date(now.getTime() + lifetimeMs),
      },
      (id) => [securityEvent('device.remembered', who.userId, { username: who.username, method: proof.method, deviceId: id }, now)],
    );
    return { token, device };
  }

  /**
   * Judges a device token for `userId`, whose guess is taken. A token that is not one of this
   * user's devices (unknown, malformed, or another user's: the same answer, which says nothing
   * about other users) is a wrong guess; a revoked or expired one of theirs, or one whose proof
   * is older than `maxAgeSeconds`, is refused without being a guess. A device below `minimum`
   * is returned unused, for the caller to refuse.
   */
  async function check(userId: number, token: string, now: Date, options: { maxAgeSeconds?: number; minimum?: AssuranceLevel }): Promise<CheckedDevice> {
    const device = TOKEN_SHAPE.test(token) ? await store.findByTokenHash(hashOf(token)) : null;
    if (!device || device.userId !== userId) throw new DeviceTokenInvalidError();
    if (device.revokedAt) throw new DeviceRevokedError();
    if (device.expiresAt <= now) throw new DeviceExpiredError();
    if (options.maxAgeSeconds !== undefined && now.getTime() - device.authTime.getTime() > options.maxAgeSeconds * 1000) {
      throw new DeviceProofTooOldError();
    }
    const level = levelOf(device.assurance);
    const assurance = { level, amr: device.amr };
    if (!meets(level, options.minimum)) return { device, assurance };
    if (!(await store.markUsed(device.id, now))) throw new DeviceRevokedError();
    return { device: { ...device, lastUsedAt: now }, assurance };
  }

  async function userIdOf(username: string): Promise<number> {
    const userId = isStorableText(username) ? await users.idOf(username) : null;
    if (userId === null) throw new UserNotFoundError();
    return userId;
  }

  const revokedEvents = (username: string, reason: RevocationReason, now: Date) => (device: RememberedDevice): SecurityEvent[] => [
    securityEvent('device.revoked', device.userId, { username, method: device.method, deviceId: device.id, reason }, now),
  ];

  /** The user revokes one of their devices (or an operator does for them); returns the device. */
  async function revoke(username: string, deviceId: number, context: CallContext): Promise<RememberedDevice> {
    const userId = await userIdOf(username);
    const now = clock.now();
    const [revoked] = await store.revoke(userId, now, 'USER', revokedEvents(username, 'USER', now), deviceId);
    if (!revoked) {
      const error = new DeviceNotFoundError();
      await audit.record({ event: 'DEVICE_REVOKE', outcome: 'REFUSED', reason: error.code, userId, username }, context);
      throw error;
    }
    await audit.record({ event: 'DEVICE_REVOKE', outcome: 'SUCCESS', userId, username }, context);
    return revoked;
  }

  /** Revokes every device of the user; returns how many were live. */
  async function revokeAll(username: string, context: CallContext): Promise<number> {
    const userId = await userIdOf(username);
    const revoked = await revokeAllOf(userId, username, 'ALL');
    await audit.record({ event: 'DEVICE_REVOKE', outcome: 'SUCCESS', reason: 'ALL', userId, username }, context);
    return revoked;
  }

  /** What other services call when the proofs a device vouches for no longer stand: a factor removed, two-factor off, a suspension. */
  async function revokeAllOf(userId: number, username: string, reason: RevocationReason): Promise<number> {
    const now = clock.now();
    return (await store.revoke(userId, now, reason, revokedEvents(username, reason, now))).length;
  }

  function list(userId: number): Promise<RememberedDevice[]> {
    return store.listOf(userId);
  }

  return { nameOf, remember, check, revoke, revokeAll, revokeAllOf, list };
}

/** A stored level; one this version does not know counts as the lowest. */
export function levelOf(stored: string): AssuranceLevel {
  return assuranceLevels.find((level) => level === stored) ?? 'EMAIL_CODE';
}
