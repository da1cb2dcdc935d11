import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { createAuditService } from '../../src/audit/audit.service.js';
import type { Clock } from '../../src/clock/clock.js';
import { parseConfig } from '../../src/config/config.js';
import { createSecretBox, type EncryptionKey } from '../../src/crypto/secret-box.js';
import type { Database } from '../../src/db/client.js';
import { createRecoveryService } from '../../src/recovery/recovery.service.js';
import { createStores } from '../../src/services.js';
import { totpAt } from '../../src/totp/totp.js';
import { createTotpService } from '../../src/totp/totp.service.js';
import { createFactors } from '../../src/step-up/factors.js';
import { createFreshVerification } from '../../src/step-up/fresh-verification.js';
import { ConfirmTotpDocument, EnrollTotpDocument } from '../generated/graphql.js';
import { testEnv, type TestApp } from './app.js';
import { openTestDatabase, slowDatabase } from './db.js';
import { execute, expectType } from './graphql.js';

/**
 * A fresh encryption key as ENCRYPTION_KEY spells it (`id:base64`) and as the secret box
 * takes it. Apps that must read each other's secrets (or a service a test builds beside
 * the app) share one; without it every app gets a random key of its own.
 */
export function testEncryptionKey(id = 'test'): { env: string; key: EncryptionKey } {
  const key = randomBytes(32);
  return { env: `${id}:${key.toString('base64')}`, key: { id, key } };
}

/** The code an authenticator app holding `secret` shows at the clock's time. */
export function appCode(secret: string, at: Date): string {
  return totpAt(secret, Math.floor(at.getTime() / 1000));
}

/** A fixed start, halfway through a 30 s step, so ±15 s never crosses a step by accident. */
export function midStep(): Date {
  const step = Math.floor(Date.now() / 30_000);
  return new Date(step * 30_000 + 15_000);
}

/** Enrols and confirms an authenticator app through GraphQL; returns its base32 secret. */
export async function enrollAndConfirm(app: TestApp, username: string, clock: Clock): Promise<string> {
  const { enrollTotp } = await execute(app, EnrollTotpDocument, { username });
  const { secret } = expectType(enrollTotp, 'TotpEnrollment');
  const { confirmTotp } = await execute(app, ConfirmTotpDocument, { username, code: appCode(secret, clock.now()) });
  expect(expectType(confirmTotp, 'TotpConfirmation').username).toBe(username);
  return secret;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The TOTP and recovery services as the app wires them, built by the test on its own
 * connection, for the checks only the orchestrator calls (verifyCode, consume).
 */
export function buildSecurityServices(database: Database, clock: Clock, keys: EncryptionKey[]) {
  const config = parseConfig(testEnv());
  const stores = createStores(database);
  const audit = createAuditService({ store: stores.audit, clock, logger: silent });
  const box = createSecretBox(keys);
  const factors = createFactors({ users: stores.users, codes: stores.codes, recovery: stores.recovery, passkeys: stores.passkeys, config });
  const fresh = createFreshVerification({ audit: stores.audit, factors, clock, config });
  return {
    box,
    audit,
    totp: createTotpService({ users: stores.users, clock, box, config, audit, fresh }),
    recovery: createRecoveryService({ users: stores.users, store: stores.recovery, clock, config, audit, fresh }),
  };
}

/**
 * A connection of the test's own and the security services on it, for one `describe` block:
 * opened before its first test, closed after its last. Read `database` and `services` inside
 * tests (they throw before the block's hooks ran).
 */
export function useSecurityServices(clock: Clock, keys: EncryptionKey[]) {
  let built: { database: Database; services: SecurityServices } | undefined;
  beforeAll(async () => {
    const database = await openTestDatabase();
    built = { database, services: buildSecurityServices(database, clock, keys) };
  });
  afterAll(() => built?.database.close());
  const get = () => {
    if (!built) throw new Error('useSecurityServices: read before the block\'s beforeAll ran');
    return built;
  };
  return {
    get database() {
      return get().database;
    },
    get services() {
      return get().services;
    },
  };
}

/** The user's TOTP columns as the orchestrator reads them. */
export async function totpUser(database: Database, username: string) {
  const user = await database.db.user.findUniqueOrThrow({
    where: { username },
    select: { id: true, username: true, totpSecret: true, totpPendingSecret: true, totpLastStep: true, totpEnabledAt: true },
  });
  return user;
}

/** The links the race tests run over: statements at once, and each delayed so requests overlap. */
export const racingLinks = [
  { link: 'a fast database', delayMs: 0 },
  { link: 'a slow database', delayMs: 5 },
];

type SecurityServices = ReturnType<typeof buildSecurityServices>;

/**
 * Registers hooks that open two connections of the test's own (optionally slowed by
 * `delayMs` per statement) with the security services on each, and returns a picker: the
 * i-th racer of a concurrent burst, alternating connections, `fallback` before they exist.
 */
export function useRacingSecurityServices(
  delayMs: number,
  clock: Clock,
  keys: EncryptionKey[],
  fallback: () => SecurityServices,
): (i: number) => SecurityServices {
  const connections: Database[] = [];
  let racers: SecurityServices[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const connection = delayMs ? slowDatabase(delayMs) : await openTestDatabase();
      await connection.init();
      connections.push(connection);
    }
    racers = connections.map((connection) => buildSecurityServices(connection, clock, keys));
  });
  afterAll(() => Promise.all(connections.map((connection) => connection.close())));
  return (i) => racers[i % racers.length] ?? fallback();
}
