import { createAuditService } from './audit/audit.service.js';
import { createResultTokens } from './auth/result-token.js';
import type { Clock } from './clock/clock.js';
import type { Config } from './config/config.js';
import type { Db } from './db/client.js';
import type { Sql } from './db/sql.js';
import type { Delivery } from './delivery/delivery.js';
import { createSmsGuard } from './delivery/sms-guard.js';
import type { Logger } from './logging/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { createOtpService } from './otp/otp.service.js';
import { createSecretBox } from './crypto/secret-box.js';
import { createRecoveryService } from './recovery/recovery.service.js';
import { createTotpService } from './totp/totp.service.js';
import { createGuessBudget } from './throttle/guess-budget.js';
import { createSendCounters } from './throttle/send-counters.js';
import { createThrottleService } from './throttle/throttle.service.js';
import { createUsersService } from './users/users.service.js';
import { createVerificationService } from './verification/verification.service.js';

export interface ServiceDeps {
  db: Db;
  /** the hot path's statements (generate, verify, audit, throttles) */
  sql: Sql;
  clock: Clock;
  delivery: Delivery;
  config: Config;
  logger: Logger;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
}

export type Services = ReturnType<typeof createServices>;

/** The composition root of the domain: every service, wired to its dependencies once. */
export function createServices({ db, sql, clock, delivery, config, logger, metrics }: ServiceDeps) {
  const audit = createAuditService({ sql, clock, logger });
  const resultTokens = createResultTokens({ config, clock });
  const counters = createSendCounters({ sql });
  const throttle = createThrottleService({ sql, counters, config });
  const smsGuard = createSmsGuard({ db, counters, config, logger });
  const otp = createOtpService({ sql, throttle, clock, delivery, smsGuard, config, logger });
  const users = createUsersService({ db, audit, secretKey: config.security.secretKey });
  const totp = createTotpService({ db, clock, box: createSecretBox(config.security.encryptionKeys), config, audit });
  const recovery = createRecoveryService({ db, clock, config, audit });
  const guesses = createGuessBudget({ sql, config });
  const verification = createVerificationService({ sql, clock, otp, guesses, audit, totp, recovery, resultTokens, metrics });
  return { audit, throttle, guesses, otp, users, verification, totp, recovery, resultTokens };
}
