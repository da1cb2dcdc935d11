import type { CallContext } from '../auth/caller.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../clock/clock.js';
import type { Db } from '../db/client.js';
import type { Channel } from '../delivery/delivery.js';
import {
  CodeAlreadyUsedError,
  CodeReplayedError,
  DomainError,
  InvalidCodeError,
  RateLimitedError,
  TooManyAttemptsError,
  TwoFactorDisabledError,
  UserLockedError,
  UserNotFoundError,
} from '../errors/errors.js';
import type { GeneratedCode, OtpService } from '../otp/otp.service.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ThrottleService } from '../throttle/throttle.service.js';

export type VerificationMethod = 'otp';

export interface Verified {
  username: string;
  method: VerificationMethod;
  verifiedAt: Date;
}

export interface VerificationDeps {
  db: Db;
  clock: Clock;
  otp: OtpService;
  throttle: ThrottleService;
  audit: AuditService;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

/** Failures that are guesses: they count towards the user's lockout. */
const guessFailures = [InvalidCodeError, TooManyAttemptsError, CodeReplayedError, CodeAlreadyUsedError];

/**
 * The two operations both surfaces offer: send a code, and check what the user typed. This
 * is where the user-level rules meet the methods: the lockout, the audit trail of every
 * attempt, and the choice of method. REST routes and GraphQL resolvers call only this.
 */
export function createVerificationService({ db, clock, otp, throttle, audit, metrics }: VerificationDeps) {
  async function requestCode(username: string, context: CallContext, options: { channel?: Channel } = {}): Promise<GeneratedCode> {
    try {
      const generated = await otp.generate(username, options);
      metrics.generated.inc({ outcome: 'SUCCESS', channel: generated.channel });
      await audit.record(
        { event: 'OTP_GENERATE', outcome: 'SUCCESS', channel: generated.channel, userId: generated.userId, username },
        context,
      );
      return generated;
    } catch (error) {
      if (error instanceof DomainError) {
        metrics.generated.inc({ outcome: error.code, channel: options.channel ?? 'DEFAULT' });
        if (error instanceof RateLimitedError) metrics.throttled.inc({ kind: 'send' });
        const userId = await userIdOf(username);
        await audit.record(
          { event: error instanceof RateLimitedError ? 'THROTTLE' : 'OTP_GENERATE', outcome: outcomeOf(error), reason: error.code, userId, username },
          context,
        );
      }
      throw error;
    }
  }

  async function verify(username: string, code: string, context: CallContext): Promise<Verified> {
    const now = clock.now();
    const user = await db.user.findUnique({
      where: { username },
      select: { id: true, otpEnabled: true, lockedUntil: true, failedVerifications: true },
    });
    const refuse = async (error: DomainError, userId: number | null = user?.id ?? null) => {
      metrics.verified.inc({ outcome: error.code, method: 'unknown' });
      await audit.record({ event: 'OTP_VERIFY', outcome: outcomeOf(error), reason: error.code, userId, username }, context);
      return error;
    };
    if (!user) throw await refuse(new UserNotFoundError(), null);
    if (user.lockedUntil && user.lockedUntil > now) {
      throw await refuse(new UserLockedError(Math.ceil((user.lockedUntil.getTime() - now.getTime()) / 1000)));
    }
    if (!user.otpEnabled) throw await refuse(new TwoFactorDisabledError());

    try {
      await otp.verify(user.id, code, now);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (!guessFailures.some((kind) => error instanceof kind)) throw await refuse(error);
      const lockedUntil = await throttle.recordFailure(user.id, now);
      if (!lockedUntil) throw await refuse(error);
      await refuse(error);
      metrics.lockouts.inc();
      await audit.record({ event: 'LOCKOUT', outcome: 'SUCCESS', reason: 'USER_LOCKED', userId: user.id, username }, context);
      throw new UserLockedError(Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
    }

    if (user.failedVerifications > 0) await throttle.recordSuccess(user.id);
    metrics.verified.inc({ outcome: 'SUCCESS', method: 'otp' });
    await audit.record({ event: 'OTP_VERIFY', outcome: 'SUCCESS', method: 'otp', userId: user.id, username }, context);
    return { username, method: 'otp', verifiedAt: now };
  }

  async function userIdOf(username: string): Promise<number | null> {
    const user = await db.user.findUnique({ where: { username }, select: { id: true } });
    return user?.id ?? null;
  }

  return { requestCode, verify };
}

function outcomeOf(error: DomainError): 'FAILURE' | 'REFUSED' {
  return error instanceof InvalidCodeError || error instanceof TooManyAttemptsError || error instanceof CodeReplayedError
    ? 'FAILURE'
    : 'REFUSED';
}
