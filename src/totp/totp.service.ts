import type { CallContext } from '../auth/caller.js';
import type { Config } from '../config/config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { FactorServiceDeps } from '../step-up/fresh-verification.js';
import type { UsersStore } from '../users/users.store.js';
import { isStorableText, storableText } from '../db/storable-text.js';
import { DomainError, InvalidCodeError, TotpNotEnrolledError, UserNotFoundError } from '../errors/errors.js';
import { matchStep, newTotpSecret, totpUri, type TotpParams } from './totp.js';
import { securityEvent } from '../events/events.js';
import { normaliseUsername } from '../vocabulary/username.js';

export interface TotpEnrollment {
  /** the new secret, base32: shown once, for typing in when the QR code cannot be scanned */
  secret: string;
  /** otpauth://totp/FountainAI:<username>?secret=…&issuer=FountainAI&algorithm=SHA1&digits=6&period=30 */
  uri: string;
  /** the URI as a QR code, a PNG data URL (data:image/png;base64,…) */
  qrCode: string;
}

export interface TotpConfirmation {
  username: string;
  enabledAt: Date;
}

/** What the orchestrator knows of a user when it asks for an app code to be checked. */
export interface TotpUser {
  id: number;
  totpSecret: string | null;
  totpLastStep: number | null;
}

/**
 * OK: the code is right and its time step is now used up. INVALID: no step in the window
 * has this code (or the user has no active app). REPLAYED: the code is right but its step,
 * or a later one, was accepted before.
 */
export type TotpCheck = 'OK' | 'INVALID' | 'REPLAYED';

export interface TotpServiceDeps extends FactorServiceDeps {
  users: Pick<UsersStore, 'idOf' | 'setPendingTotp' | 'pendingTotp' | 'activatePendingTotp' | 'acceptTotpStep' | 'windowGuesses'>;
  box: SecretBox;
  config: Pick<Config, 'totp' | 'throttle'>;
}

export type TotpService = ReturnType<typeof createTotpService>;

/**
 * Authenticator apps. An enrolment is a pending secret until a first valid code confirms
 * it; only then does it replace the active one, so a user who re-enrols keeps a working
 * app until the new one is proven. Secrets are stored sealed by the secret box only.
 */
export function createTotpService({ users, clock, box, config, audit, fresh }: TotpServiceDeps) {
  const params: TotpParams = { digits: config.totp.digits, periodSeconds: config.totp.periodSeconds };
  const unixSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

  async function enroll(given: string, context: CallContext): Promise<TotpEnrollment> {
    const username = normaliseUsername(given);
    // A name the databases cannot take (a lone surrogate, a NUL) belongs to nobody.
    const userId = isStorableText(username) ? await users.idOf(username) : null;
    if (userId === null) throw await refused('TOTP_ENROLL', new UserNotFoundError(), username, null, context);
    const stale = await fresh.refusal(username, userId, context);
    if (stale) throw await refused('TOTP_ENROLL', stale, username, userId, context);
    const secret = newTotpSecret();
    await users.setPendingTotp(userId, box.encrypt(secret));
    await audit.record({ event: 'TOTP_ENROLL', outcome: 'SUCCESS', method: 'totp', userId, username }, context);
    const uri = totpUri({ issuer: config.totp.issuer, account: username, secret, params });
    // qrcode (with its PNG encoder) is loaded on the first enrolment, not at start-up
    const { default: QRCode } = await import('qrcode');
    return { secret, uri, qrCode: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M' }) };
  }

  /**
   * Activates the pending secret if `code` is one of its codes. The matched step becomes
   * the last accepted one, so the confirming code cannot be replayed at verify. The move
   * is conditional on the pending value read, so a re-enrolment racing this confirmation
   * is never activated by a code of the secret it replaced.
   */
  async function confirm(given: string, code: string, context: CallContext): Promise<TotpConfirmation> {
    const username = normaliseUsername(given);
    const now = clock.now();
    const user = isStorableText(username) ? await users.pendingTotp(username) : null;
    if (!user) throw await refused('TOTP_CONFIRM', new UserNotFoundError(), username, null, context);
    const pending = user.sealedSecret;
    if (!pending) throw await refused('TOTP_CONFIRM', new TotpNotEnrolledError(), username, user.id, context);
    // Checked again: the verification that let the enrolment start may have aged meanwhile.
    const stale = await fresh.refusal(username, user.id, context);
    if (stale) throw await refused('TOTP_CONFIRM', stale, username, user.id, context);

    const step = matchStep(box.decrypt(pending), withoutSpaces(code), unixSeconds(now), config.totp.window, params);
    // The enrolment stays pending and may be retried: whoever can confirm could also have
    // enrolled and read the secret, so wrong codes here are not counted as guesses (the
    // answer says how many the user's budget still holds, untouched).
    if (step === null) {
      const left = Math.max(0, config.throttle.lockoutThreshold - (await users.windowGuesses(user.id, now)));
      throw await refused('TOTP_CONFIRM', new InvalidCodeError(left), username, user.id, context, 'FAILURE');
    }

    const added = securityEvent('factor.added', user.id, { username, method: 'totp' }, now);
    if (!(await users.activatePendingTotp(user.id, pending, step, now, [added]))) throw await refused('TOTP_CONFIRM', new TotpNotEnrolledError(), username, user.id, context);
    await audit.record({ event: 'TOTP_CONFIRM', outcome: 'SUCCESS', method: 'totp', userId: user.id, username }, context);
    return { username, enabledAt: now };
  }

  /**
   * Checks an app code for the orchestrator (which did the user lookup, lockout and audit).
   * A matching step is accepted by one conditional update, so of concurrent requests with
   * one code exactly one gets OK, on SQLite and PostgreSQL, in one instance or several.
   */
  async function verifyCode(user: TotpUser & { username: string }, code: string, now: Date): Promise<TotpCheck> {
    if (!user.totpSecret) return 'INVALID';
    const step = matchStep(box.decrypt(user.totpSecret), withoutSpaces(code), unixSeconds(now), config.totp.window, params);
    if (step === null) return 'INVALID';
    if (user.totpLastStep !== null && step <= user.totpLastStep) return 'REPLAYED';
    return (await users.acceptTotpStep(user.id, user.username, step)) ? 'OK' : 'REPLAYED';
  }

  /** Whether `code` is the app's code for a step accepted before: a retry, judged without writing. */
  function isReplay(user: TotpUser, code: string, now: Date): boolean {
    if (!user.totpSecret || user.totpLastStep === null) return false;
    const step = matchStep(box.decrypt(user.totpSecret), withoutSpaces(code), unixSeconds(now), config.totp.window, params);
    return step !== null && step <= user.totpLastStep;
  }

  async function refused(
    event: 'TOTP_ENROLL' | 'TOTP_CONFIRM',
    error: DomainError,
    username: string,
    userId: number | null,
    context: CallContext,
    outcome: 'FAILURE' | 'REFUSED' = 'REFUSED',
  ): Promise<DomainError> {
    await audit.record({ event, outcome, reason: error.code, method: 'totp', userId, username: storableText(username) }, context);
    return error;
  }

  return { enroll, confirm, verifyCode, isReplay };
}

/** Apps show "123 456"; what a user copies from one may keep the space. */
function withoutSpaces(code: string): string {
  return code.replace(/\s+/g, '');
}
