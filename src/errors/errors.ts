import { factorWords, levelWords, type AssuranceLevel, type FactorKind } from '../vocabulary/assurance.js';

/** A field an error carries besides `code` and `message`, as its GraphQL type shows it. */
export interface ErrorField {
  /** a GraphQL scalar, or one of the types graphql/error-types.ts defines for errors' fields */
  type: 'Int' | 'String' | 'Channel' | 'SmsRefusal' | '[FieldIssue]' | 'AssuranceLevel' | '[FactorKind]';
  description: string;
}

/**
 * One entry per failure the service answers: `status` and `message` are REST's status and
 * `detail` (and the GraphQL error's message and HTTP status), `description` documents its GraphQL
 * type. The flags:
 * - `guess`: a verification refusal that judged a code and found it wrong (it spends its slot of
 *   the guess budget; every other refusal gives it back);
 * - `failure`: what the audit trail records as FAILURE (a wrong guess) rather than REFUSED;
 * - `nothingDelivered`: no delivered code is waiting, so an authenticator app's miss is the answer;
 * - `fields`: what the error's class carries besides code and message, shown on its GraphQL type;
 * - `examples`: `detail`s OpenAPI shows, for an error whose message is written per answer;
 * - `transport`: answered by the HTTP layer (a status, a GraphQL error's `extensions.code`),
 *   never as a typed GraphQL error, so it has no GraphQL type; it has a class only where a
 *   service throws it (the database), and is then a fault, not an expected answer;
 * - `restOnly`: an expected answer of a REST-only route (the delivery provider's status
 *   callback): a class, REST's status and message, but no GraphQL type, since no field answers it.
 */
export interface CatalogueEntry {
  status: number;
  message: string;
  description: string;
  guess?: true;
  failure?: true;
  nothingDelivered?: true;
  fields?: Readonly<Record<string, ErrorField>>;
  examples?: readonly string[];
  transport?: true;
  restOnly?: true;
}

/** Checks each entry's shape and keeps its literal types (codes, flags) for the helpers below. */
function defineErrors<const Entries extends Record<string, CatalogueEntry>>(entries: Entries): Entries {
  return entries;
}

/**
 * The one catalogue of failures: one entry per error, the only place it is declared. Services
 * throw the classes below (one line each, made from the entry); the GraphQL error types, the REST
 * status and `detail`, OpenAPI's examples, the audit outcome and the guess budget's notion of a
 * guess are all read from here. Messages never contain a code, a secret or a token.
 */
export const errorCatalogue = defineErrors({
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
    nothingDelivered: true,
  },
  INVALID_CODE: {
    status: 400,
    message: 'Invalid code',
    description: 'The code is wrong. It stays usable while attempts are left.',
    guess: true,
    failure: true,
    fields: {
      attemptsLeft: {
        type: 'Int',
        description:
          'Wrong guesses left before this answer can no longer work: the smaller of the code’s own allowance ' +
          '(OTP_MAX_ATTEMPTS, delivered codes) and the user’s guess budget before the lock (LOCKOUT_THRESHOLD).',
      },
    },
  },
  CODE_EXPIRED: {
    status: 400,
    message: 'The code has expired; request a new one',
    description: 'The code is older than OTP_EXPIRATION_MINUTES; generate a new one.',
    nothingDelivered: true,
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
  VALIDATION_FAILED: {
    status: 400,
    message: 'The input is not valid',
    description: 'The input has field-level problems; nothing was changed.',
    fields: { issues: { type: '[FieldIssue]', description: 'Every problem found.' } },
  },
  DELIVERY_FAILED: {
    status: 502,
    message: 'The code could not be delivered; no code was issued',
    description: 'The provider refused or did not answer in time; no code was issued.',
    fields: { channel: { type: 'Channel', description: 'The channel that failed.' } },
    examples: ['The code could not be delivered by email; no code was issued'],
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
    transport: true,
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many requests; try again later',
    description: 'A throttle refused the request (too many sends, the SMS budget); retry later.',
    fields: { retryAfter: { type: 'Int', description: 'Seconds to wait before trying again.' } },
    examples: ['A code was sent moments ago; wait 30 s before asking for another', 'At most 5 codes per hour; try again in 41 min'],
  },
  USER_LOCKED: {
    status: 429,
    message: 'Too many failed verifications; the user is locked for a while',
    description: 'Too many consecutive failed verifications: the user is locked for a while.',
    fields: { retryAfter: { type: 'Int', description: 'Seconds until the lock ends.' } },
    examples: ['Too many failed verifications; the user is locked for 15 more minute(s)'],
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
    fields: { requiredScope: { type: 'String', description: 'The scope that is missing.' } },
    examples: ['The token does not grant the scope otp:generate'],
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
    fields: { reason: { type: 'SmsRefusal', description: 'Which rule refused it.' } },
  },
  PREFIX_BLOCKED: {
    status: 403,
    message: 'Codes are not sent to numbers in this range for now',
    description:
      'Many codes went to numbers in this range lately and few were verified (SMS pumping): sends there are paused until ' +
      'the block expires or an operator lifts it. Nothing was sent, and no send slot or SMS budget was taken.',
    fields: { retryAfter: { type: 'Int', description: 'Seconds until the block expires.' } },
  },
  CONTEXT_MISMATCH: {
    status: 400,
    message: 'The code was generated for another action (context); it is not accepted for this one',
    description:
      'The delivered code was generated with another `context`, or with one where none was given, or without one where one ' +
      'was given. It counts as a wrong guess, against the code’s attempts and the user’s budget, whatever the digits.',
    guess: true,
    failure: true,
    fields: { attemptsLeft: { type: 'Int', description: 'Wrong guesses left, as InvalidCodeError counts them: a mismatched context is one.' } },
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
    fields: {
      required: { type: 'AssuranceLevel', description: 'The minimum the caller asked for.' },
      sufficientFactors: {
        type: '[FactorKind]',
        description: 'The user’s factors that would reach it, strongest first (e.g. [PASSKEY]); empty when none does.',
      },
    },
    examples: ['This needs a phishing-resistant proof; the user can give one with a passkey'],
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
    fields: { reason: { type: 'String', description: 'Why the URL is refused, e.g. "must use https in production".' } },
  },
  CALLBACK_SIGNATURE_INVALID: {
    status: 403,
    message: 'The request is not signed by the delivery provider',
    description: 'A status callback without a valid X-Twilio-Signature for this service’s URL and TWILIO_AUTH_TOKEN; nothing was changed.',
    restOnly: true,
  },
  CALLBACK_INVALID: {
    status: 400,
    message: 'The status callback is not one this service understands',
    description: 'A signed status callback that names no message or call, another account, or a status this service does not know.',
    examples: ['The status callback is not one this service understands: another account'],
    restOnly: true,
  },
  PERSISTED_QUERY_ONLY: {
    status: 400,
    message: 'Only persisted operations are accepted here: send a known operation or its sha256Hash',
    description: 'PERSISTED_OPERATIONS_ONLY is on and the document is not one of the known operations (a caller without a verified token).',
    transport: true,
  },
  PERSISTED_QUERY_NOT_FOUND: {
    // Apollo's automatic persisted queries: clients retry with the full text on this message,
    // which the protocol answers with 200.
    status: 200,
    message: 'PersistedQueryNotFound',
    description: 'The persisted query’s sha256Hash is not known; send the operation’s text with it.',
    transport: true,
  },
  BAD_USER_INPUT: {
    status: 400,
    message: 'The input contains a NUL character or an unpaired surrogate, which no field can hold',
    description: 'A string in the document or the variables cannot be stored (a NUL character, an unpaired surrogate); nothing ran.',
    transport: true,
  },
});

export type ErrorCode = keyof typeof errorCatalogue;

/** The codes answered as typed errors: each has a class and a GraphQL type of the same name. */
export type TypedErrorCode = { [C in ErrorCode]: (typeof errorCatalogue)[C] extends { transport: true } ? never : C }[ErrorCode];

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
}

/** The class and GraphQL type name of a code: INVALID_CODE is InvalidCodeError. */
export function errorTypeName(code: string): string {
  return `${code
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('')}Error`;
}

/** An entry as its interface says, for code that reads the flags of any code. */
export function entryOf(code: ErrorCode): CatalogueEntry {
  return errorCatalogue[code];
}

/** Every code, in the catalogue's order. */
export const errorCodes = Object.keys(errorCatalogue).filter((code): code is ErrorCode => code in errorCatalogue);

/** Whether a verification refused with `error` judged a code and found it wrong. */
export function isGuess(error: DomainError): boolean {
  return entryOf(error.code).guess === true;
}

/** How the audit trail records a refusal: FAILURE when a code was tried, else REFUSED. */
export function auditOutcomeOf(error: DomainError): 'FAILURE' | 'REFUSED' {
  return entryOf(error.code).failure === true ? 'FAILURE' : 'REFUSED';
}

/** Whether `error` says no delivered code is waiting (none pending, or it expired). */
export function isNothingDelivered(error: unknown): boolean {
  return error instanceof DomainError && entryOf(error.code).nothingDelivered === true;
}

/** The `detail`s OpenAPI shows for a code: its examples, or its message. */
export function examplesOf(code: ErrorCode): readonly string[] {
  return entryOf(code).examples ?? [entryOf(code).message];
}

/**
 * The base of an error's class, made from its entry: `class XError extends errorClass('X') {}`.
 * Its name, default message and code come from the catalogue; a class with fields declares them
 * in its entry and takes them in its constructor.
 */
export function errorClass<C extends ErrorCode>(code: C) {
  const name = errorTypeName(code);
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

// One line per typed error; a constructor only where the error carries fields (its entry's
// `fields`) or writes its message per answer. graphql/error-types.ts finds these classes by export.
export class UserNotFoundError extends errorClass('USER_NOT_FOUND') {}
export class UsernameTakenError extends errorClass('USERNAME_TAKEN') {}
export class UsernameConfusableError extends errorClass('USERNAME_CONFUSABLE') {}
export class TwoFactorDisabledError extends errorClass('TWO_FACTOR_DISABLED') {}
export class TwoFactorSuspendedError extends errorClass('TWO_FACTOR_SUSPENDED') {}
export class NoDeliveryDestinationError extends errorClass('NO_DELIVERY_DESTINATION') {}
export class NoPendingCodeError extends errorClass('NO_PENDING_CODE') {}
export class CodeExpiredError extends errorClass('CODE_EXPIRED') {}
export class CodeAlreadyUsedError extends errorClass('CODE_ALREADY_USED') {}
export class TooManyAttemptsError extends errorClass('TOO_MANY_ATTEMPTS') {}
export class DeliveryNotConfiguredError extends errorClass('DELIVERY_NOT_CONFIGURED') {}
export class DatabaseUnavailableError extends errorClass('DATABASE_UNAVAILABLE') {}

export class InvalidCodeError extends errorClass('INVALID_CODE') {
  constructor(readonly attemptsLeft: number) {
    super();
  }
}

export class DeliveryFailedError extends errorClass('DELIVERY_FAILED') {
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

export class ValidationFailedError extends errorClass('VALIDATION_FAILED') {
  constructor(readonly issues: FieldIssue[]) {
    super(issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; '));
  }
}

/** A throttle said no: try again in `retryAfter` seconds (REST sends it as Retry-After). */
export class RateLimitedError extends errorClass('RATE_LIMITED') {
  constructor(
    readonly retryAfter: number,
    message?: string,
  ) {
    super(message);
  }
}

export class UserLockedError extends errorClass('USER_LOCKED') {
  constructor(readonly retryAfter: number) {
    super(`Too many failed verifications; the user is locked for ${Math.ceil(retryAfter / 60)} more minute(s)`);
  }
}

export class UnauthenticatedError extends errorClass('UNAUTHENTICATED') {}

export class ForbiddenError extends errorClass('FORBIDDEN') {
  constructor(readonly requiredScope: string) {
    super(`The token does not grant the scope ${requiredScope}`);
  }
}

export class FreshVerificationRequiredError extends errorClass('FRESH_VERIFICATION_REQUIRED') {}

export class TotpNotEnrolledError extends errorClass('TOTP_NOT_ENROLLED') {}
export class CodeReplayedError extends errorClass('CODE_REPLAYED') {}
export class InvalidPhoneNumberError extends errorClass('INVALID_PHONE_NUMBER') {}

/** Why an SMS destination is refused (SMS-pumping defence). */
export type SmsRefusal = 'COUNTRY_NOT_ALLOWED' | 'PREMIUM_OR_SHORT_NUMBER' | 'PREFIX_VELOCITY';

/** A delivered code verified for an action (`context`) other than the one it was generated for: a wrong guess. */
export class ContextMismatchError extends errorClass('CONTEXT_MISMATCH') {
  constructor(readonly attemptsLeft: number) {
    super();
  }
}

export class ContextTooLongForSmsError extends errorClass('CONTEXT_TOO_LONG_FOR_SMS') {}

export class SmsRefusedError extends errorClass('SMS_REFUSED') {
  constructor(
    readonly reason: SmsRefusal,
    message?: string,
  ) {
    super(message);
  }
}

/** A send to a number range the conversion rule blocked; `retryAfter`, seconds until the block expires. */
export class PrefixBlockedError extends errorClass('PREFIX_BLOCKED') {
  constructor(readonly retryAfter: number) {
    super();
  }
}

export class PasskeysNotConfiguredError extends errorClass('PASSKEYS_NOT_CONFIGURED') {}
export class NoPasskeyError extends errorClass('NO_PASSKEY') {}
export class PasskeyNotFoundError extends errorClass('PASSKEY_NOT_FOUND') {}
export class PasskeyAlreadyRegisteredError extends errorClass('PASSKEY_ALREADY_REGISTERED') {}
export class PasskeyChallengeExpiredError extends errorClass('PASSKEY_CHALLENGE_EXPIRED') {}
export class PasskeyChallengeInvalidError extends errorClass('PASSKEY_CHALLENGE_INVALID') {}
export class PasskeyOriginMismatchError extends errorClass('PASSKEY_ORIGIN_MISMATCH') {}
export class PasskeyRpIdMismatchError extends errorClass('PASSKEY_RP_ID_MISMATCH') {}
export class PasskeyUserNotVerifiedError extends errorClass('PASSKEY_USER_NOT_VERIFIED') {}
export class PasskeyUnknownCredentialError extends errorClass('PASSKEY_UNKNOWN_CREDENTIAL') {}
export class PasskeyCounterRegressedError extends errorClass('PASSKEY_COUNTER_REGRESSED') {}
export class PasskeyInvalidError extends errorClass('PASSKEY_INVALID') {}
/**
 * A minimum assurance the chosen channel or method does not reach: what was asked for, and
 * which of the user's factors would reach it (strongest first; empty when none does).
 */
export class InsufficientAssuranceError extends errorClass('INSUFFICIENT_ASSURANCE') {
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

export class DeviceTokenInvalidError extends errorClass('DEVICE_TOKEN_INVALID') {}
export class DeviceRevokedError extends errorClass('DEVICE_REVOKED') {}
export class DeviceExpiredError extends errorClass('DEVICE_EXPIRED') {}
export class DeviceProofTooOldError extends errorClass('DEVICE_PROOF_TOO_OLD') {}
export class DeviceNotFoundError extends errorClass('DEVICE_NOT_FOUND') {}
export class CallbackSignatureInvalidError extends errorClass('CALLBACK_SIGNATURE_INVALID') {}
export class CallbackInvalidError extends errorClass('CALLBACK_INVALID') {
  constructor(reason: string) {
    super(`The status callback is not one this service understands: ${reason}`);
  }
}
export class WebhookEndpointNotFoundError extends errorClass('WEBHOOK_ENDPOINT_NOT_FOUND') {}
export class WebhookUrlRefusedError extends errorClass('WEBHOOK_URL_REFUSED') {
  /** `reason`: why, e.g. "must be https in production" */
  constructor(readonly reason: string) {
    super(`This webhook URL is not allowed: ${reason}`);
  }
}
