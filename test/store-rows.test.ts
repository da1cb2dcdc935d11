// The stores write through the `sql` executor what Prisma used to write (src/db/sql.ts): a row
// written by Prisma, as the earlier code and a database it left behind hold it, reads the same
// through the stores, and a store's row reads the same through Prisma, which the Pothos schema
// still reads with. Timestamps written by either compare with those of the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { createAuditStore } from '../src/audit/audit.store.js';
import { createDevicesStore } from '../src/devices/devices.store.js';
import { createOutboxStore } from '../src/events/outbox.store.js';
import { createPasskeysStore } from '../src/passkeys/passkeys.store.js';
import { createRecoveryStore } from '../src/recovery/recovery.store.js';
import { createUsersStore } from '../src/users/users.store.js';
import { clearedWithTwoFactor } from '../src/services.js';
import { uniqueName } from './support/app.js';
import { insertUser, openTestDatabase } from './support/db.js';

describe('rows written by Prisma and by the stores read the same through both', () => {
  let database: Database;
  let stores: {
    users: ReturnType<typeof createUsersStore>;
    passkeys: ReturnType<typeof createPasskeysStore>;
    devices: ReturnType<typeof createDevicesStore>;
    recovery: ReturnType<typeof createRecoveryStore>;
    audit: ReturnType<typeof createAuditStore>;
  };
  beforeAll(async () => {
    database = await openTestDatabase();
    const { sql } = database;
    const outbox = createOutboxStore({ sql });
    stores = {
      users: createUsersStore({ sql, outbox, clearedWithTwoFactor }),
      passkeys: createPasskeysStore({ sql, outbox }),
      devices: createDevicesStore({ sql, outbox }),
      recovery: createRecoveryStore({ sql, outbox }),
      audit: createAuditStore({ sql, outbox }),
    };
  });
  afterAll(() => database.close());

  it('a user: Prisma\'s row through the store, the store\'s row through Prisma, every column', async () => {
    const byPrisma = await database.db.user.create({
      data: { username: uniqueName('old'), email: 'old@example.com', lockedUntil: new Date('2030-01-02T03:04:05.678Z'), totpLastStep: 7 },
    });
    expect(await stores.users.findByName(byPrisma.username)).toEqual(byPrisma);
    expect(await stores.users.findById(byPrisma.id)).toEqual(byPrisma);

    const username = uniqueName('new');
    const byStore = await stores.users.create({
      username,
      usernameKey: username,
      email: null,
      phoneNumber: '+15555550100',
      deliveryMethod: 'SMS',
      channelOrder: 'SMS,EMAIL',
      locale: 'de',
      otpEnabled: false,
    });
    expect(await database.db.user.findUnique({ where: { id: byStore.id } })).toEqual(byStore);
    const reinstated = await stores.users.reinstate(byStore.id);
    expect(reinstated.updatedAt.getTime()).toBeGreaterThanOrEqual(byStore.updatedAt.getTime());
    expect(await database.db.user.findUnique({ where: { id: byStore.id } })).toEqual(reinstated);
  });

  it('a passkey the store registered reads the same through Prisma, its counter a BigInt', async () => {
    const user = await insertUser(database);
    const created = await stores.passkeys.create({
      userId: user.id,
      credentialId: uniqueName('cred'),
      publicKey: 'pk',
      counter: 41,
      transports: ['internal', 'hybrid'],
      backedUp: true,
      deviceType: 'multiDevice',
      name: 'Laptop',
      createdAt: new Date('2030-03-04T05:06:07.089Z'),
    });
    expect(created?.counter).toBe(41n);
    expect(await database.db.passkey.findUnique({ where: { id: created?.id ?? -1 } })).toEqual(created);
    expect(await stores.passkeys.ownerOf(created?.id ?? -1)).toBe(user.id);
  });

  it('a remembered device: Prisma\'s row through the store, the store\'s through Prisma', async () => {
    const user = await insertUser(database);
    const at = new Date('2030-05-06T07:08:09.010Z');
    const old = await database.db.rememberedDevice.create({
      data: { userId: user.id, tokenHash: uniqueName('hash'), name: 'Old', method: 'otp', assurance: 'EMAIL_CODE', amr: 'otp,mfa', authTime: at, createdAt: at, expiresAt: new Date(at.getTime() + 60_000) },
    });
    expect(await stores.devices.findByTokenHash(old.tokenHash)).toEqual({
      id: old.id,
      userId: user.id,
      name: 'Old',
      method: 'otp',
      assurance: 'EMAIL_CODE',
      amr: ['otp', 'mfa'],
      authTime: at,
      createdAt: at,
      lastUsedAt: null,
      expiresAt: old.expiresAt,
      revokedAt: null,
    });
    const made = await stores.devices.create(
      { userId: user.id, tokenHash: uniqueName('hash'), name: 'New', method: 'totp', assurance: 'AUTHENTICATOR', amr: ['otp'], authTime: at, createdAt: at, expiresAt: at },
      () => [],
    );
    const read = await database.db.rememberedDevice.findUniqueOrThrow({ where: { id: made.id } });
    expect([read.authTime, read.createdAt, read.expiresAt, read.amr]).toEqual([at, at, at, 'otp']);
    // the revocation compares and stamps beside Prisma's row: both revoked, each once
    const revoked = await stores.devices.revoke(user.id, new Date(at.getTime() + 1), 'ALL', () => []);
    expect(revoked.map((device) => device.id)).toEqual([old.id, made.id]);
    expect(await stores.devices.revoke(user.id, new Date(at.getTime() + 2), 'ALL', () => [])).toEqual([]);
  });

  it('compares a time it is given with times Prisma wrote: at, before and after', async () => {
    const user = await insertUser(database);
    const at = new Date('2030-07-08T09:10:11.120Z');
    await database.db.auditEvent.create({ data: { createdAt: at, event: 'OTP_VERIFY', outcome: 'SUCCESS', userId: user.id, username: user.username } });
    expect(await stores.audit.verifiedSince(user.id, at)).toBe(true);
    expect(await stores.audit.verifiedSince(user.id, new Date(at.getTime() - 1))).toBe(true);
    expect(await stores.audit.verifiedSince(user.id, new Date(at.getTime() + 1))).toBe(false);

    await database.db.recoveryCode.createMany({ data: [{ userId: user.id, codeHash: 'a', createdAt: at }, { userId: user.id, codeHash: 'b', createdAt: at, usedAt: at }] });
    expect(await stores.recovery.remaining(user.id)).toBe(1);
    expect(await stores.recovery.isUsed(user.id, 'b')).toBe(true);
    expect(await stores.recovery.consume(user.id, 'a', at)).toBe(true);
    expect(await database.db.recoveryCode.findFirstOrThrow({ where: { userId: user.id, codeHash: 'a' } })).toMatchObject({ usedAt: at });
  });
});
