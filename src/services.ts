import { createAuditService } from './audit/audit.service.js';
import type { Clock } from './clock/clock.js';
import type { Config } from './config/config.js';
import type { Db } from './db/client.js';
import type { Delivery } from './delivery/delivery.js';
import type { Logger } from './logging/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { createOtpService } from './otp/otp.service.js';
import { createThrottleService } from './throttle/throttle.service.js';
import { createUsersService } from './users/users.service.js';
import { createVerificationService } from './verification/verification.service.js';

export interface ServiceDeps {
  db: Db;
  clock: Clock;
  delivery: Delivery;
  config: Config;
  logger: Logger;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
}

export type Services = ReturnType<typeof createServices>;

/** The composition root of the domain: every service, wired to its dependencies once. */
export function createServices({ db, clock, delivery, config, logger, metrics }: ServiceDeps) {
  const audit = createAuditService({ db, clock, logger });
  const throttle = createThrottleService({ db, config });
  const otp = createOtpService({ db, throttle, clock, delivery, config, logger });
  const users = createUsersService({ db });
  const verification = createVerificationService({ db, clock, otp, throttle, audit, metrics });
  return { audit, throttle, otp, users, verification };
}
