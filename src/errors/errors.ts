import { factorWords, levelWords, type AssuranceLevel, type FactorKind } from '../verification/assurance.js';

/**
 * One entry per expected failure: `status` and `message` are REST's status and `detail` (and
 * the GraphQL error's message), `description` documents its GraphQL type, `guess` marks a
 * verification refusal that judged a code and found it wrong (it spends its slot of the
 * guess budget; every other refusal gives it back), and `failure` marks what the audit trail
 * records as FAILURE (a wrong guess) rather than REFUSED.
 */
interface CatalogueEntry {
  status: number;
  message: string;
  description: string;
  guess?: true;
  failure?: true;
}

/**
 * The one catalogue of expected failures. Services throw the classes below; the GraphQL error
 * types, the REST status and `detail`, the audit outcome and the guess budget's notion of a
 * guess are all read from here. Messages never contain a code, a secret or a token.
 */
export const errorCatalogue = {
  USER_NOT_FOUND: { status: 400, message: 'User not found', description: 'No user has this username.' },
  USERNAME_TAKEN: { status: 409, message: 'A user with this username already exists', description: 'Another user already has this username.' },
  USERNAME_CONFUSABLE: {
    status: 409,
    message: 'A user with a username that looks the same already exists',
    description:
      'Another user’s username is the same after Unicode compatibility normalisation (NFKC) and case folding ' +
      '(Alice and alice, fullwidth ａｌｉｃｅ): one identity per visible name.',
  },
  TWO_FACTOR_DISABLED: {
    status: 400,
    message: 'Two-factor authentication is not enabled for this user',
    description: 'Two-factor authentication is switched off for this user.',
  },
  TWO_FACTOR_SUSPENDED: {
    status: 400,
    message: 'Two-factor authentication is suspended for this user after too many failed verifications; an operator must reinstate it',
    description:
      'MAX_CONSECUTIVE_FAILURES failed verifications in a row suspended the user’s second factors; an operator must call reinstateTwoFactor.',
  },
  NO_DELIVERY_DESTINATION: {
    status: 400,
    message: 'The user has no destination for the chosen delivery method',
    description: 'The user has no email address or phone number for their delivery method.',
  },
  NO_PENDING_CODE: {
    status: 400,
    message: 'No code is pending for this user; request a new one',
    description: 'No code is waiting to be verified; generate one first.',
  },
  INVALID_CODE: {
    status: 400,
    message: 'Invalid code',
    description: 'The code is wrong. It stays usable while attempts are left.',
    guess: true,
    failure: true,
  },
  CODE_EXPIRED: {
    status: 400,
    message: 'The code has expired; request a new one',
    description: 'The code is older than OTP_EXPIRATION_MINUTES; generate a new one.',
  },
  CODE_ALREADY_USED: {
    status: 400,
    message: 'The code has already been used; request a new one',
    description: 'The code was accepted already (a retry spends no guess); each code works once.',
  },
  TOO_MANY_ATTEMPTS: {
    status: 400,
    message: 'Too many wrong attempts for this code; request a new one',
    description: 'The code took too many wrong guesses and no longer works; generate a new one.',
    guess: true,
    failure: true,
  },
  VALIDATION_FAILED: { status: 400, message: 'The input is not valid', description: 'The input has field-level problems; nothing was changed.' },
  DELIVERY_FAILED: {
    status: 502,
    message: 'The code could not be delivered; no code was issued',
    description: 'The provider refused or did not answer in time; no code was issued.',
  },
  DELIVERY_NOT_CONFIGURED: {
    status: 503,
    message: 'No delivery channel is configured for this method',
    description: 'No provider is configured for this delivery method.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The database is unavailable; try again shortly',
    description: 'The database cannot be reached, is not migrated or cannot take writes (read-only, a privilege missing); nothing was changed.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many requests; try again later',
    description: 'A throttle refused the request (too many sends, the SMS budget); retry later.',
  },
  USER_LOCKED: {
    status: 429,
    message: 'Too many failed verifications; the user is locked for a while',
    description: 'Too many consecutive failed verifications: the user is locked for a while.',
  },
  UNAUTHENTICATED: {
    status: 401,
    message: 'A valid bearer token is required',
    description: 'The request has no valid bearer token, and anonymous callers are not allowed.',
  },
  FORBIDDEN: {
    status: 403,
    message: 'The token does not grant the scope this needs',
    description: 'The caller’s token does not grant the scope this field needs.',
  },
  FRESH_VERIFICATION_REQUIRED: {
    status: 403,
    message: 'Adding or removing a factor with a self token needs a recent verification of the user: verify first, then try again',
    description:
      'A `self` token adds or removes a factor only within ENROLMENT_MAX_AGE_SECONDS of a successful verification of its ' +
      'user (NIST SP 800-63B rev 4 §4.1), unless the user has no factor yet: run a challenge (verifyOtp, verifyPasskey) first.',
  },
  TOTP_NOT_ENROLLED: {
    status: 400,
    message: 'No authenticator app enrolment is pending for this user',
    description: 'confirmTotp was called without a pending enrolment; call enrollTotp first.',
  },
  CODE_REPLAYED: {
    status: 400,
    message: 'This authenticator code was used already; wait for the next one',
    description: 'The authenticator code (its time step) was accepted before (a retry spends no guess); each step works once.',
  },
  INVALID_PHONE_NUMBER: {
    status: 400,
    message: 'The phone number is not valid',
    description: 'The phone number cannot be read as a valid number.',
  },
  SMS_REFUSED: {
    status: 400,
    message: 'Codes are not sent by SMS to this number',
    description: 'Codes are not sent by SMS to this number; the refusal is audited.',
  },
  CONTEXT_MISMATCH: {
    status: 400,
    message: 'The code was generated for another action (context); it is not accepted for this one',
    description:
      'The delivered code was generated with another `context`, or with one where none was given, or without one where one ' +
      'was given. It counts as a wrong guess, against the code’s attempts and the user’s budget, whatever the digits.',
    guess: true,
    failure: true,
  },
  CONTEXT_TOO_LONG_FOR_SMS: {
    status: 400,
    message: 'The context does not fit in one text message with the code; shorten it or send by email',
    description:
      'With this `context` the SMS would take more than one GSM-7 segment (160 characters, fewer for characters such as € ' +
      'or {}; characters outside GSM-7 are not sent). Nothing was sent and no send slot was taken.',
  },
  PASSKEYS_NOT_CONFIGURED: {
    status: 503,
    message: 'Passkeys are not configured on this service',
    description: 'Passkeys are off: WEBAUTHN_RP_ID is not set (production).',
  },
  NO_PASSKEY: {
    status: 400,
    message: 'The user has no passkey; register one first',
    description: 'The user has registered no passkey, so there is nothing to verify with.',
  },
  PASSKEY_NOT_FOUND: {
    status: 400,
    message: 'The user has no passkey with this id',
    description: 'No passkey of this user has this id (renamePasskey, removePasskey).',
  },
  PASSKEY_ALREADY_REGISTERED: {
    status: 409,
    message: 'This passkey is registered already',
    description: 'The authenticator’s credential is registered already (a credential id belongs to one user).',
  },
  PASSKEY_CHALLENGE_EXPIRED: {
    status: 400,
    message: 'The passkey challenge has expired; start again',
    description: 'The challenge is older than OTP_EXPIRATION_MINUTES; start the ceremony again. Nothing was judged.',
  },
  PASSKEY_CHALLENGE_INVALID: {
    status: 400,
    message: 'The passkey answer is not for a challenge issued to this user, or was used already; start again',
    description:
      'The signed challenge is unknown, was answered already (a replay), or was issued to another user or for the other ' +
      'ceremony. In verifyPasskey it counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_ORIGIN_MISMATCH: {
    status: 400,
    message: 'The passkey answer was made on a website this service does not serve',
    description: 'The browser signed for an origin not in WEBAUTHN_ORIGINS (a phishing page, or a misconfiguration). In verifyPasskey it counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_RP_ID_MISMATCH: {
    status: 400,
    message: 'The passkey answer was made for another relying party',
    description: 'The authenticator signed for a relying party id other than WEBAUTHN_RP_ID. In verifyPasskey it counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_USER_NOT_VERIFIED: {
    status: 400,
    message: 'The authenticator did not verify the user',
    description:
      'WEBAUTHN_USER_VERIFICATION is required and the authenticator did not verify the user (PIN, fingerprint, face). ' +
      'In verifyPasskey it counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_UNKNOWN_CREDENTIAL: {
    status: 400,
    message: 'This passkey is not registered for this user',
    description: 'The assertion names a credential that is not one of this user’s passkeys (unknown, removed, or another user’s). It counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_COUNTER_REGRESSED: {
    status: 400,
    message: 'The passkey’s signature counter went backwards; the authenticator may have been cloned',
    description:
      'The authenticator keeps a signature counter and it did not increase since the last use (a cloned authenticator, or ' +
      'a replayed assertion). It counts as a guess.',
    guess: true,
    failure: true,
  },
  PASSKEY_INVALID: {
    status: 400,
    message: 'The passkey answer is not valid',
    description: 'The answer is malformed or its signature does not verify with the registered public key. In verifyPasskey it counts as a guess.',
    guess: true,
    failure: true,
  },
  INSUFFICIENT_ASSURANCE: {
    status: 400,
    message: 'This needs a stronger proof than the method chosen',
    description:
      'The caller asked for a minimum assurance that the chosen channel or method does not reach. Refused before anything ' +
      'was sent or judged (no guess is spent); `sufficientFactors` lists the user’s factors that would reach it.',
  },
  DEVICE_TOKEN_INVALID: {
    status: 400,
    message: 'This device is not remembered for this user',
    description:
      'The device token is not one of this user’s remembered devices (unknown, malformed, or another user’s: the same ' +
      'answer). It counts as a guess towards the user’s lockout, as a wrong code does.',
    guess: true,
    failure: true,
  },
  DEVICE_REVOKED: {
    status: 400,
    message: 'This device was revoked; verify with a second factor',
    description: 'The remembered device was revoked (by the user, or when a factor was removed, two-factor switched off or the user suspended).',
  },
  DEVICE_EXPIRED: {
    status: 400,
    message: 'This device is no longer remembered; verify with a second factor',
    description: 'The remembered device is older than REMEMBER_DEVICE_DAYS.',
  },
  DEVICE_PROOF_TOO_OLD: {
    status: 400,
    message: 'The verification this device remembers is older than allowed; verify with a second factor',
    description: 'The factor was presented longer ago than the maximum age the caller asked for (`maxAgeSeconds`).',
  },
  DEVICE_NOT_FOUND: {
    status: 404,
    message: 'The user has no remembered device with this id',
    description: 'No live remembered device of this user has this id (revokeDevice).',
  },
  WEBHOOK_ENDPOINT_NOT_FOUND: {
    status: 404,
    message: 'No webhook endpoint has this id',
    description: 'No webhook endpoint has this id (it may have been deleted).',
  },
  WEBHOOK_URL_REFUSED: {
    status: 400,
    message: 'This webhook URL is not allowed',
    description:
      'The URL is not absolute http(s), or (in production, unless WEBHOOK_ALLOW_PRIVATE_NETWORKS) not https or on a private, ' +
      'loopback or link-local address. Names are checked again on every send, on the address they resolve to.',
  },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof errorCatalogue;

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

/** Whether a verification refused with `error` judged a code and found it wrong. */
export function isGuess(error: DomainError): boolean {
  return 'guess' in errorCatalogue[error.code];
}

/** How the audit trail records a refusal: FAILURE when a code was tried, else REFUSED. */
export function auditOutcomeOf(error: DomainError): 'FAILURE' | 'REFUSED' {
  return 'failure' in errorCatalogue[error.code] ? 'FAILURE' : 'REFUSED';
}

function domainError<C extends ErrorCode>(code: C, name: string) {
  const ErrorClass = class extends DomainError {
    /** the catalogue entry of every error of this class */
    static readonly code: C = code;
    readonly code: C = code;
    constructor(message: string = errorCatalogue[code].message) {
      // An expected outcome (a wrong code, an unknown user), answered and counted, never
      // debugged: capturing its stack cost more than the rest of a wrong-code verify.
      const { stackTraceLimit } = Error;
      Error.stackTraceLimit = 0;
      super(message);
      Error.stackTraceLimit = stackTraceLimit;
      this.name = name;
    }
  };
  Object.defineProperty(ErrorClass, 'name', { value: name });
  return ErrorClass;
}

export class UserNotFoundError extends domainError('USER_NOT_FOUND', 'UserNotFoundError') {}
export class UsernameTakenError extends domainError('USERNAME_TAKEN', 'UsernameTakenError') {}
export class UsernameConfusableError extends domainError('USERNAME_CONFUSABLE', 'UsernameConfusableError') {}
export class TwoFactorDisabledError extends domainError('TWO_FACTOR_DISABLED', 'TwoFactorDisabledError') {}
export class TwoFactorSuspendedError extends domainError('TWO_FACTOR_SUSPENDED', 'TwoFactorSuspendedError') {}
export class NoDeliveryDestinationError extends domainError('NO_DELIVERY_DESTINATION', 'NoDeliveryDestinationError') {}
export class NoPendingCodeError extends domainError('NO_PENDING_CODE', 'NoPendingCodeError') {}
export class CodeExpiredError extends domainError('CODE_EXPIRED', 'CodeExpiredError') {}
export class CodeAlreadyUsedError extends domainError('CODE_ALREADY_USED', 'CodeAlreadyUsedError') {}
export class TooManyAttemptsError extends domainError('TOO_MANY_ATTEMPTS', 'TooManyAttemptsError') {}
export class DeliveryNotConfiguredError extends domainError('DELIVERY_NOT_CONFIGURED', 'DeliveryNotConfiguredError') {}
export class DatabaseUnavailableError extends domainError('DATABASE_UNAVAILABLE', 'DatabaseUnavailableError') {}

export class InvalidCodeError extends domainError('INVALID_CODE', 'InvalidCodeError') {
  constructor(readonly attemptsLeft: number) {
    super();
  }
}

export class DeliveryFailedError extends domainError('DELIVERY_FAILED', 'DeliveryFailedError') {
  /** `reason`: what went wrong in words safe to show, e.g. "the phone is switched off or out of reach" */
  constructor(
    readonly channel: string,
    reason?: string,
  ) {
    super(`The code could not be delivered by ${channel === 'SMS' ? 'SMS' : channel.toLowerCase()}${reason ? `: ${reason}` : ''}; no code was issued`);
  }
}

/** A field-level input problem, e.g. `{ path: ['email'], message: 'must be an email address' }`. */
export interface FieldIssue {
  path: string[];
  message: string;
}

export class ValidationFailedError extends domainError('VALIDATION_FAILED', 'ValidationFailedError') {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; '));
  }
}

/** A throttle said no: try again in `retryAfter` seconds (REST sends it as Retry-After). */
export class RateLimitedError extends domainError('RATE_LIMITED', 'RateLimitedError') {
  constructor(
    readonly retryAfter: number,
    message?: string,
  ) {
    super(message);
  }
}

export class UserLockedError extends domainError('USER_LOCKED', 'UserLockedError') {
  constructor(readonly retryAfter: number) {
    super(`Too many failed verifications; the user is locked for ${Math.ceil(retryAfter / 60)} more minute(s)`);
  }
}

export class UnauthenticatedError extends domainError('UNAUTHENTICATED', 'UnauthenticatedError') {}

export class ForbiddenError extends domainError('FORBIDDEN', 'ForbiddenError') {
  constructor(readonly requiredScope: string) {
    super(`The token does not grant the scope ${requiredScope}`);
  }
}

export class FreshVerificationRequiredError extends domainError('FRESH_VERIFICATION_REQUIRED', 'FreshVerificationRequiredError') {}

export class TotpNotEnrolledError extends domainError('TOTP_NOT_ENROLLED', 'TotpNotEnrolledError') {}
export class CodeReplayedError extends domainError('CODE_REPLAYED', 'CodeReplayedError') {}
export class InvalidPhoneNumberError extends domainError('INVALID_PHONE_NUMBER', 'InvalidPhoneNumberError') {}

/** Why an SMS destination is refused (SMS-pumping defence). */
export type SmsRefusal = 'COUNTRY_NOT_ALLOWED' | 'PREMIUM_OR_SHORT_NUMBER' | 'PREFIX_VELOCITY';

/** A delivered code verified for an action (`context`) other than the one it was generated for: a wrong guess. */
export class ContextMismatchError extends domainError('CONTEXT_MISMATCH', 'ContextMismatchError') {
  constructor(readonly attemptsLeft: number) {
    super();
  }
}

export class ContextTooLongForSmsError extends domainError('CONTEXT_TOO_LONG_FOR_SMS', 'ContextTooLongForSmsError') {}

export class SmsRefusedError extends domainError('SMS_REFUSED', 'SmsRefusedError') {
  constructor(
    readonly reason: SmsRefusal,
    message?: string,
  ) {
    super(message);
  }
}

export class PasskeysNotConfiguredError extends domainError('PASSKEYS_NOT_CONFIGURED', 'PasskeysNotConfiguredError') {}
export class NoPasskeyError extends domainError('NO_PASSKEY', 'NoPasskeyError') {}
export class PasskeyNotFoundError extends domainError('PASSKEY_NOT_FOUND', 'PasskeyNotFoundError') {}
export class PasskeyAlreadyRegisteredError extends domainError('PASSKEY_ALREADY_REGISTERED', 'PasskeyAlreadyRegisteredError') {}
export class PasskeyChallengeExpiredError extends domainError('PASSKEY_CHALLENGE_EXPIRED', 'PasskeyChallengeExpiredError') {}
export class PasskeyChallengeInvalidError extends domainError('PASSKEY_CHALLENGE_INVALID', 'PasskeyChallengeInvalidError') {}
export class PasskeyOriginMismatchError extends domainError('PASSKEY_ORIGIN_MISMATCH', 'PasskeyOriginMismatchError') {}
export class PasskeyRpIdMismatchError extends domainError('PASSKEY_RP_ID_MISMATCH', 'PasskeyRpIdMismatchError') {}
export class PasskeyUserNotVerifiedError extends domainError('PASSKEY_USER_NOT_VERIFIED', 'PasskeyUserNotVerifiedError') {}
export class PasskeyUnknownCredentialError extends domainError('PASSKEY_UNKNOWN_CREDENTIAL', 'PasskeyUnknownCredentialError') {}
export class PasskeyCounterRegressedError extends domainError('PASSKEY_COUNTER_REGRESSED', 'PasskeyCounterRegressedError') {}
export class PasskeyInvalidError extends domainError('PASSKEY_INVALID', 'PasskeyInvalidError') {}
/**
 * A minimum assurance the chosen channel or method does not reach: what was asked for, and
 * which of the user's factors would reach it (strongest first; empty when none does).
 */
export class InsufficientAssuranceError extends domainError('INSUFFICIENT_ASSURANCE', 'InsufficientAssuranceError') {
  constructor(
    readonly required: AssuranceLevel,
    readonly sufficientFactors: FactorKind[],
  ) {
    super(
      `This needs ${levelWords[required]}; ` +
        (sufficientFactors.length === 0
          ? 'the user has no factor that gives one'
          : `the user can give one with ${sufficientFactors.map((kind) => factorWords[kind]).join(' or ')}`),
    );
  }
}

export class DeviceTokenInvalidError extends domainError('DEVICE_TOKEN_INVALID', 'DeviceTokenInvalidError') {}
export class DeviceRevokedError extends domainError('DEVICE_REVOKED', 'DeviceRevokedError') {}
export class DeviceExpiredError extends domainError('DEVICE_EXPIRED', 'DeviceExpiredError') {}
export class DeviceProofTooOldError extends domainError('DEVICE_PROOF_TOO_OLD', 'DeviceProofTooOldError') {}
export class DeviceNotFoundError extends domainError('DEVICE_NOT_FOUND', 'DeviceNotFoundError') {}
export class WebhookEndpointNotFoundError extends domainError('WEBHOOK_ENDPOINT_NOT_FOUND', 'WebhookEndpointNotFoundError') {}
export class WebhookUrlRefusedError extends domainError('WEBHOOK_URL_REFUSED', 'WebhookUrlRefusedError') {
  /** `reason`: why, e.g. "must be https in production" */
  constructor(readonly reason: string) {
    super(`This webhook URL is not allowed: ${reason}`);
  }
}

/** The errors whose GraphQL type carries nothing but `code` and `message`. */
export const errorsWithoutFields = [
  UserNotFoundError,
  FreshVerificationRequiredError,
  UsernameTakenError,
  UsernameConfusableError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  NoDeliveryDestinationError,
  NoPendingCodeError,
  CodeExpiredError,
  CodeAlreadyUsedError,
  TooManyAttemptsError,
  DeliveryNotConfiguredError,
  UnauthenticatedError,
  TotpNotEnrolledError,
  CodeReplayedError,
  InvalidPhoneNumberError,
  PasskeysNotConfiguredError,
  NoPasskeyError,
  PasskeyNotFoundError,
  PasskeyAlreadyRegisteredError,
  PasskeyChallengeExpiredError,
  PasskeyChallengeInvalidError,
  PasskeyOriginMismatchError,
  PasskeyRpIdMismatchError,
  PasskeyUserNotVerifiedError,
  PasskeyUnknownCredentialError,
  PasskeyCounterRegressedError,
  PasskeyInvalidError,
  ContextTooLongForSmsError,
  WebhookEndpointNotFoundError,
  DeviceTokenInvalidError,
  DeviceRevokedError,
  DeviceExpiredError,
  DeviceProofTooOldError,
  DeviceNotFoundError,
];
