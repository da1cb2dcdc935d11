import { createAuditService } from './audit/audit.service.js';
import { createAuditStore } from './audit/audit.store.js';
import type { CallContext } from './auth/caller.js';
import { rotateSecrets } from './crypto/rotate-keys.js';
import { createCodesStore } from './delivery/codes.store.js';
import { createRecoveryStore, recoveryCodesDeletedSql } from './recovery/recovery.store.js';
import { createRetentionService } from './retention/retention.service.js';
import { createUsersStore } from './users/users.store.js';
import { createPasskeysStore, passkeyChallengesDeletedSql, passkeysDeletedSql } from './passkeys/passkeys.store.js';
import { createPasskeysService } from './passkeys/passkeys.service.js';
import { createSigningKeysStore } from './tokens/signing-keys.store.js';
import { createSigningKeys } from './tokens/signing-keys.js';
import { createResultTokens } from './verification/result-token.js';
import type { Clock } from './clock/clock.js';
import type { Config } from './config/config.js';
import type { Sql } from './db/sql.js';
import type { Delivery } from './vocabulary/channel.js';
import { createSmsGuard } from './throttle/sms-guard.js';
import { createPrefixBlocks } from './delivery/prefix-blocks.js';
import { createPrefixBlocksStore } from './delivery/prefix-blocks.store.js';
import { createReceiptsService } from './delivery/receipts.service.js';
import type { Logger } from './logging/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { createOtpService } from './otp/otp.service.js';
import { createSecretBox } from './crypto/secret-box.js';
import { createRecoveryService } from './recovery/recovery.service.js';
import { createTotpService } from './totp/totp.service.js';
import { createGuessBudget } from './throttle/guess-budget.js';
import { createCountersStore } from './throttle/counters.store.js';
import { createThrottleService } from './throttle/throttle.service.js';
import { createUsersService } from './users/users.service.js';
import { createVerificationService } from './verification/verification.service.js';
import { createVerificationStore } from './throttle/verification.store.js';
import { createFactors } from './step-up/factors.js';
import { createDevicesStore } from './devices/devices.store.js';
import { createDevicesService } from './devices/devices.service.js';
import { createFreshVerification } from './step-up/fresh-verification.js';
import { createOutboxStore } from './events/outbox.store.js';
import { createDispatcher } from './webhooks/dispatcher.js';
import { createEndpointsStore } from './events/endpoints.store.js';
import { createDeliveriesStore } from './events/deliveries.store.js';
import { createWebhooksService } from './webhooks/webhooks.service.js';
import type { Resolver } from './webhooks/address-guard.js';
import { noTracing, type Tracing } from './tracing/tracing.js';

export interface ServiceDeps {
  /** every store's statements: the one way in to the database (docs/development.md) */
  sql: Sql;
  clock: Clock;
  delivery: Delivery;
  config: Config;
  logger: Logger;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled' | 'passkeys' | 'outbox' | 'observeInsights'>;
  /** how webhook hosts are resolved; the system's resolver when absent */
  resolver?: Resolver;
  /** spans for webhook attempts, and the trace context stored with each event */
  tracing?: Tracing;
}

export type Services = ReturnType<typeof createServices>;
export type Stores = ReturnType<typeof createStores>;

/** What switching two-factor off clears in the stores that build on the users store (users.store.ts's `disableTwoFactor`). */
export const clearedWithTwoFactor = [recoveryCodesDeletedSql, passkeysDeletedSql, passkeyChallengesDeletedSql];

/** One store per table, and a verification's writes across them: the only code that speaks SQL (see each store). */
export function createStores({ sql, tracing = noTracing }: Pick<ServiceDeps, 'sql' | 'tracing'>) {
  // the outbox's writes ride in the transactions of the stores whose changes cause events
  const outbox = createOutboxStore({ sql, traceparent: () => tracing.traceparent() });
  const users = createUsersStore({ sql, outbox, clearedWithTwoFactor });
  const codes = createCodesStore({ sql, outbox });
  const audit = createAuditStore({ sql, outbox });
  const counters = createCountersStore({ sql });
  return {
    outbox,
    webhookEndpoints: createEndpointsStore({ sql }),
    webhookDeliveries: createDeliveriesStore({ sql }),
    users,
    codes,
    recovery: createRecoveryStore({ sql, outbox }),
    audit,
    // the one store across tables: a verification's two writes, one statement each on PostgreSQL
    verification: createVerificationStore({ sql, users, codes, counters, audit, outbox }),
    counters,
    passkeys: createPasskeysStore({ sql, outbox }),
    devices: createDevicesStore({ sql, outbox }),
    signingKeys: createSigningKeysStore({ sql }),
    prefixBlocks: createPrefixBlocksStore({ sql }),
  };
}

/** The composition root of the domain: every service, wired to its stores and dependencies once. */
export function createServices({ sql, clock, delivery, config, logger, metrics, resolver, tracing = noTracing }: ServiceDeps) {
  const stores = createStores({ sql, tracing });
  const { users: userStore, codes, counters } = stores;
  const audit = createAuditService({ store: stores.audit, clock, logger });
  const signingKeys = createSigningKeys({
    store: stores.signingKeys,
    box: createSecretBox(config.security.encryptionKeys, { purpose: 'signing-key' }),
    clock,
    config,
    logger,
  });
  const resultTokens = createResultTokens({ config, clock, keys: signingKeys });
  const throttle = createThrottleService({ users: userStore, codes, counters, store: stores.verification, config });
  const prefixBlocks = createPrefixBlocks({ store: stores.prefixBlocks, codes, audit, clock, config, logger });
  metrics.observeInsights(() => prefixBlocks.insights());
  const smsGuard = createSmsGuard({ codes, counters, prefixBlocks, config, logger });
  const otp = createOtpService({ users: userStore, codes, store: stores.verification, throttle, clock, delivery, smsGuard, config, logger });
  const devices = createDevicesService({ store: stores.devices, users: userStore, clock, config, audit });
  const users = createUsersService({
    users: userStore,
    audit,
    secretKey: config.security.secretKey,
    clock,
    devices,
    channelConfigured: (channel) => delivery.configured?.(channel) ?? true,
  });
  const receipts = createReceiptsService({ codes, users: userStore, audit, auditStore: stores.audit, clock, logger });
  const webhookBox = createSecretBox(config.security.encryptionKeys, { purpose: 'webhook-secret' });
  const webhooks = createWebhooksService({
    endpoints: stores.webhookEndpoints,
    deliveries: stores.webhookDeliveries,
    box: webhookBox,
    clock,
    config,
    audit,
    ...(resolver ? { resolver } : {}),
  });
  const dispatcher = createDispatcher({
    deliveries: stores.webhookDeliveries,
    endpoints: stores.webhookEndpoints,
    outbox: stores.outbox,
    users: userStore,
    box: webhookBox,
    delivery,
    clock,
    config,
    logger,
    audit,
    metrics,
    ...(resolver ? { resolver } : {}),
    tracing,
  });
  const box = createSecretBox(config.security.encryptionKeys);
  const factors = createFactors({ users: userStore, codes, recovery: stores.recovery, passkeys: stores.passkeys, config });
  const fresh = createFreshVerification({ audit: stores.audit, factors, clock, config });
  const totp = createTotpService({ users: userStore, clock, box, config, audit, fresh });
  const recovery = createRecoveryService({ users: userStore, store: stores.recovery, clock, config, audit, fresh });
  const guesses = createGuessBudget({ users: userStore, store: stores.verification, config });
  const verification = createVerificationService({
    users: userStore,
    store: stores.verification,
    clock,
    otp,
    guesses,
    audit,
    totp,
    recovery,
    resultTokens,
    factors,
    devices,
    metrics,
  });
  const passkeys = createPasskeysService({ users: userStore, store: stores.passkeys, verification, clock, config, audit, metrics, devices, fresh });
  const retention = createRetentionService({ codes, auditTrail: stores.audit, counters, outbox: stores.outbox, clock });
  const keys = {
    /**
     * Re-seals every stored secret under the newest ENCRYPTION_KEY: app secrets, result-token
     * signing keys, webhook secrets (the one rotation entry point: `npm run cli -- keys:rotate`).
     */
    rotate: (context: CallContext) =>
      rotateSecrets({
        sources: [() => userStore.sealedSecrets(), () => stores.signingKeys.sealedSecrets(), () => stores.webhookEndpoints.sealedSecrets()],
        box,
        audit,
        context,
      }),
    /** A new result-token signing key; the old one stays published until its tokens expire (`keys:rotate-signing`). */
    rotateSigning: async (context: CallContext) => {
      const rotated = await signingKeys.rotate();
      await audit.record({ event: 'SIGNING_KEY_ROTATION', outcome: 'SUCCESS' }, context);
      return rotated;
    },
  };
  return { audit, throttle, guesses, otp, users, receipts, prefixBlocks, verification, devices, totp, recovery, passkeys, resultTokens, signingKeys, retention, keys, webhooks, dispatcher };
}
