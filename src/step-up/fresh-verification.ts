import { isSelfCaller, type CallContext } from '../auth/caller.js';
import type { AuditService } from '../audit/audit.service.js';
import type { AuditStore } from '../audit/audit.store.js';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { FreshVerificationRequiredError } from '../errors/errors.js';
import type { Factors } from './factors.js';

export type FreshVerification = ReturnType<typeof createFreshVerification>;

/** What every service that binds or unbinds a factor is given besides its own parts: this rule, the audit trail, the clock. */
export interface FactorServiceDeps {
  clock: Clock;
  audit: AuditService;
  fresh: FreshVerification;
}

/**
 * The rule for binding and unbinding factors through a `self` token (NIST SP 800-63B rev 4
 * §4.1: binding an authenticator needs authentication at the level it grants). A user's own
 * frontend holds such a token for as long as the user's session, so the token alone proves no
 * second factor: a successful verification of the same user within ENROLMENT_MAX_AGE_SECONDS
 * must. A user with no factor at all has nothing to verify with, so their first is let in.
 * A calling service (any other scope) is trusted to have checked the user itself, as before.
 *
 * The proof is read from the audit trail (a successful OTP_VERIFY, which every method writes
 * in the same atomic set as the verification's settlement) on its (user_id, created_at) index:
 * no write on the hot path, and enrolment is rare enough to afford one read.
 */
export function createFreshVerification({
  audit,
  factors,
  clock,
  config,
}: {
  audit: Pick<AuditStore, 'verifiedSince'>;
  factors: Pick<Factors, 'of'>;
  clock: Clock;
  config: Pick<Config, 'security'>;
}) {
  const maxAgeMs = config.security.enrolmentMaxAgeSeconds * 1000;

  /**
   * The refusal a caller gets for adding or removing a factor of the user now, or undefined
   * when it may: returned, not thrown, so that each service audits it as its own refusals.
   */
  async function refusal(username: string, userId: number, context: CallContext): Promise<FreshVerificationRequiredError | undefined> {
    if (!isSelfCaller(context)) return undefined;
    const now = clock.now();
    if (await audit.verifiedSince(userId, new Date(now.getTime() - maxAgeMs))) return undefined;
    const inventory = await factors.of(username, now);
    if (inventory?.factors.length === 0) return undefined;
    return new FreshVerificationRequiredError();
  }

  return { refusal };
}
