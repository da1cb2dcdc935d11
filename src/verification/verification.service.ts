import type { CallContext } from '../auth/caller.js';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../clock/clock.js';
import { boolOf, dateOf, type Sql, type SqlBool, type SqlDate } from '../db/sql.js';
import type { Channel } from '../delivery/delivery.js';
import {
  CodeAlreadyUsedError,
  CodeExpiredError,
  CodeReplayedError,
  NoPendingCodeError,
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
import type { ResultTokens } from '../auth/result-token.js';
import type { Config } from '../config/config.js';
import { looksLikeRecoveryCode, type RecoveryService } from '../recovery/recovery.service.js';
import type { TotpService } from '../totp/totp.service.js';

/** How the user proved it: a delivered code, an authenticator app, or a recovery code (RFC 8176 style). */
export type VerificationMethod = 'otp' | 'totp' | 'recovery';

export interface Verified {
  username: string;
  method: VerificationMethod;
  verifiedAt: Date;
  token: string;
}

export interface VerificationDeps {
  sql: Sql;
  clock: Clock;
  otp: OtpService;
  throttle: ThrottleService;
  audit: AuditService;
  totp: Pick<TotpService, 'verifyCode'>;
  recovery: Pick<RecoveryService, 'consume'>;
  resultTokens: ResultTokens;
  metrics: Pick<Metrics, 'generated' | 'verified' | 'lockouts' | 'throttled'>;
  config: Pick<Config, 'throttle'>;
}

export type VerificationService = ReturnType<typeof createVerificationService>;

interface VerifyingUser {
  id: number;
  otpEnabled: boolean;
  lockedUntil: Date | null;
  failedVerifications: number;
  totpSecret: string | null;
  totpLastStep: number | null;
}

interface VerifyingUserRow {
  id: number;
  otp_enabled: SqlBool;
  locked_until: SqlDate | null;
  failed_verifications: number;
  totp_secret: string | null;
  totp_last_step: number | null;
}

/** Failures that are guesses: they count towards the user's lockout. */
const guessFailures = [InvalidCodeError, TooManyAttemptsError, CodeReplayedError, CodeAlreadyUsedError];

/**
 * The two operations both surfaces offer: send a code, and check what the user typed. This
 * is where the user-level rules meet the methods: the lockout, the audit trail of every
 * attempt, and the choice of method. REST routes and GraphQL resolvers call only this.
 */
export function createVerificationService(deps: VerificationDeps) {
  const { sql, clock, otp, throttle, audit, totp, recovery, resultTokens, metrics, config } = deps;
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

  /**
   * Checks what the user typed against each method they have, refusing a locked user first.
   * A wrong guess, by any method, counts towards the lockout; a success resets the count and
   * returns a result token other services can check offline.
   */
  async function verify(username: string, code: string, context: CallContext): Promise<Verified> {
    const now = clock.now();
    const user = await verifyingUser(username);
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

    let method: VerificationMethod;
    try {
      method = await check(user, code.trim(), now);
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
    metrics.verified.inc({ outcome: 'SUCCESS', method });
    await audit.record({ event: 'OTP_VERIFY', outcome: 'SUCCESS', method, userId: user.id, username }, context);
    if (method === 'recovery') {
      await audit.record({ event: 'RECOVERY_CODE_USE', outcome: 'SUCCESS', method, userId: user.id, username }, context);
    }
    const token = await resultTokens.issue({ username, method });
    return { username, method, verifiedAt: now, token };
  }

  /**
   * Which method accepts the code. A recovery code has its own shape; six digits may be the
   * authenticator app's (tried first: no write unless it matches) or a delivered code's. When
   * the user has an app and no delivered code is pending, a miss is reported as the app's.
   */
  async function check(
    user: { id: number; failedVerifications: number; totpSecret: string | null; totpLastStep: number | null },
    code: string,
    now: Date,
  ): Promise<VerificationMethod> {
    const guessesLeft = Math.max(0, config.throttle.lockoutThreshold - user.failedVerifications - 1);
    if (looksLikeRecoveryCode(code)) {
      if (await recovery.consume(user.id, code, now)) return 'recovery';
      throw new InvalidCodeError(guessesLeft);
    }
    const app = user.totpSecret ? await totp.verifyCode(user, code, now) : 'INVALID';
    if (app === 'OK') return 'totp';
    try {
      await otp.verify(user.id, code, now);
      return 'otp';
    } catch (error) {
      const nothingDelivered = error instanceof NoPendingCodeError || error instanceof CodeExpiredError;
      if (user.totpSecret && nothingDelivered) {
        throw app === 'REPLAYED' ? new CodeReplayedError() : new InvalidCodeError(guessesLeft);
      }
      if (app === 'REPLAYED' && error instanceof InvalidCodeError) throw new CodeReplayedError();
      throw error;
    }
  }

  async function verifyingUser(username: string): Promise<VerifyingUser | undefined> {
    const [row] = await sql.rows<VerifyingUserRow>`
      SELECT id, otp_enabled, locked_until, failed_verifications, totp_secret, totp_last_step
        FROM users WHERE username = ${username}`;
    return row && {
      id: row.id,
      otpEnabled: boolOf(row.otp_enabled),
      lockedUntil: dateOf(row.locked_until),
      failedVerifications: row.failed_verifications,
      totpSecret: row.totp_secret,
      totpLastStep: row.totp_last_step,
    };
  }

  async function userIdOf(username: string): Promise<number | null> {
    const [user] = await sql.rows<{ id: number }>`SELECT id FROM users WHERE username = ${username}`;
    return user?.id ?? null;
  }

  return { requestCode, verify };
}

function outcomeOf(error: DomainError): 'FAILURE' | 'REFUSED' {
  return error instanceof InvalidCodeError || error instanceof TooManyAttemptsError || error instanceof CodeReplayedError
    ? 'FAILURE'
    : 'REFUSED';
}
