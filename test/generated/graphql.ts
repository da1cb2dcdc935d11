/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What a proof reaches, weakest first (docs/assurance.md). A minimum admits its own level and every one above it. */
export type AssuranceLevel =
  /** A second factor acceptable at AAL2 without restriction: an authenticator app, a recovery code, a passkey. acr "urn:fountainai:2fa:acr:aal2". */
  | 'AAL2'
  /** A second factor acceptable at AAL2, SMS included (a "restricted" authenticator). acr "urn:fountainai:2fa:acr:aal2:restricted". */
  | 'AAL2_RESTRICTED'
  /** Any second factor, an emailed code included (not an acceptable out-of-band authenticator in NIST SP 800-63B rev 4). acr "urn:fountainai:2fa:acr:email". */
  | 'EMAIL_CODE'
  /** A phishing-resistant proof: a passkey whose authenticator verified the user. acr "phr" (OpenID EAP). */
  | 'PHISHING_RESISTANT';

/** What an audit event records. */
export type AuditEventType =
  /** The provider’s receipt for a code: delivered to the phone (or the call was answered). */
  | 'DELIVERY_DELIVERED'
  /** The provider’s receipt for a code: the provider could not send it; delivery.failed was emitted. */
  | 'DELIVERY_FAILED'
  /** The provider’s receipt for a code: queued with the provider. */
  | 'DELIVERY_QUEUED'
  /** The provider’s receipt for a code: handed on to the carrier (or the call is ringing). */
  | 'DELIVERY_SENT'
  /** The provider’s receipt for a code: the carrier could not deliver it (or the call was not answered); delivery.failed was emitted. */
  | 'DELIVERY_UNDELIVERED'
  /** A remembered device (or all of the user’s) was revoked. */
  | 'DEVICE_REVOKE'
  /** Stored secrets were re-encrypted under the newest key. */
  | 'KEY_ROTATION'
  /** Too many consecutive failed verifications locked the user. */
  | 'LOCKOUT'
  /** A code was asked for (generateOtp, POST /auth/generate). */
  | 'OTP_GENERATE'
  /** A code was checked (verifyOtp, POST /auth/verify), by whichever method. */
  | 'OTP_VERIFY'
  /** A passkey registration was finished (or refused); its use is an OTP_VERIFY with method passkey. */
  | 'PASSKEY_REGISTER'
  /** A passkey was removed. */
  | 'PASSKEY_REMOVE'
  /** A passkey was renamed. */
  | 'PASSKEY_RENAME'
  /** The SMS-pumping defence blocked a number range (`reason`) for its low verification rate; prefix.blocked was emitted. */
  | 'PREFIX_BLOCK'
  /** An operator lifted the block of a number range (`reason`) before it expired. */
  | 'PREFIX_UNBLOCK'
  /** A new set of recovery codes was issued, replacing any earlier set. */
  | 'RECOVERY_CODES_GENERATE'
  /** A recovery code was used. */
  | 'RECOVERY_CODE_USE'
  /** A new result-token signing key became active; the previous one stays in the JWKS until its tokens expire. */
  | 'SIGNING_KEY_ROTATION'
  /** MAX_CONSECUTIVE_FAILURES failed verifications in a row suspended the user’s second factors until an operator reinstates them. */
  | 'SUSPENSION'
  /** A send throttle refused a request (resend interval, hourly cap, SMS limits). */
  | 'THROTTLE'
  /** An authenticator-app enrolment was confirmed with a first code. */
  | 'TOTP_CONFIRM'
  /** An authenticator-app enrolment was started. */
  | 'TOTP_ENROLL'
  /** Two-factor authentication was switched off for a user. */
  | 'TWO_FACTOR_DISABLE'
  /** An operator reinstated a user’s second factors: the suspension, the lock and the failure counts were cleared. */
  | 'TWO_FACTOR_REINSTATE'
  /** A user was created. */
  | 'USER_CREATE'
  /** A user was erased. */
  | 'USER_DELETE'
  /** A user was changed. */
  | 'USER_UPDATE'
  /** A webhook endpoint was added. */
  | 'WEBHOOK_ENDPOINT_CREATE'
  /** A webhook endpoint was deleted, with its deliveries. */
  | 'WEBHOOK_ENDPOINT_DELETE'
  /** A webhook endpoint was disabled: by a caller, or by the dispatcher after it failed for the whole retry schedule (reason FAILING). */
  | 'WEBHOOK_ENDPOINT_DISABLE'
  /** A webhook endpoint was changed. */
  | 'WEBHOOK_ENDPOINT_UPDATE'
  /** A webhook endpoint’s signing secret was replaced; the old one signs too until its grace period ends. */
  | 'WEBHOOK_SECRET_ROTATE';

/** How an audited request ended. */
export type AuditOutcome =
  /** A wrong guess: a code, an app code or a recovery code that did not match, or a passkey answer that failed a check. */
  | 'FAILURE'
  /** A rule refused it before any guess was judged (no such user, throttled, locked, no scope). */
  | 'REFUSED'
  /** It happened. */
  | 'SUCCESS';

/** The channel a code went out on. */
export type Channel =
  /** Only as generateOtp’s `channel`: the user’s first channel that has not failed them lately (the same as no channel). Never a code’s channel. */
  | 'AUTO'
  /** Email. */
  | 'EMAIL'
  /** Text message. */
  | 'SMS'
  /** A phone call that reads the code out. */
  | 'VOICE'
  /** WhatsApp message. */
  | 'WHATSAPP';

/** Why a code went by the channel it went by. */
export type ChannelReason =
  /** Every channel failed the user lately, so the first is tried again. */
  | 'ALL_FAILED'
  /** The channel before it had no delivery receipt for their last code within DELIVERY_FALLBACK_SECONDS. */
  | 'FALLBACK_NO_RECEIPT'
  /** The channel before it in the user’s order failed their last code there (refused, undelivered or failed). */
  | 'FALLBACK_UNDELIVERED'
  /** The user’s first reachable channel. */
  | 'PREFERRED'
  /** The caller named the channel. */
  | 'REQUESTED';

/** A new user. */
export type CreateUserInput = {
  /** The user’s own order of channels for codes; each needs its destination. Default: the delivery method, then SMS, WhatsApp, voice, email. At most 100 items. */
  channelOrder?: Array<DeliveryMethod> | null | undefined;
  /** Defaults to EMAIL, or SMS when only a phone number is given. */
  deliveryMethod?: DeliveryMethod | null | undefined;
  /** Destination for EMAIL codes. At most 254 characters. */
  email?: string | null | undefined;
  /** en (default), de, fr, es, pt or it, optionally with a region (e.g. pt-BR). At most 35 characters. */
  locale?: string | null | undefined;
  /** Defaults to true. */
  otpEnabled?: boolean | null | undefined;
  /** Destination for SMS codes (E.164). At most 32 characters. */
  phoneNumber?: string | null | undefined;
  /** Unique, 1 to 100 characters. */
  username: string;
};

/** How a user receives delivered codes. */
export type DeliveryMethod =
  /** By email, over SMTP. */
  | 'EMAIL'
  /** By text message. */
  | 'SMS'
  /** By a phone call that reads the code out (TWILIO_PHONE_NUMBER). */
  | 'VOICE'
  /** By WhatsApp message (TWILIO_WHATSAPP_FROM). */
  | 'WHATSAPP';

/** What the provider last reported of a code’s delivery; it only moves forward. */
export type DeliveryStatus =
  /** The carrier confirmed delivery to the phone (WhatsApp: delivered or read), or the call was answered. */
  | 'DELIVERED'
  /** The provider could not send it (or refused it at once). */
  | 'FAILED'
  /** Accepted by the provider, not yet handed on. */
  | 'QUEUED'
  /** Handed on: to the carrier (SMS, WhatsApp), ringing (voice), or accepted by the SMTP server (email, whose story ends here). */
  | 'SENT'
  /** The carrier could not deliver it, or the call was busy, unanswered or canceled. */
  | 'UNDELIVERED';

/** Stable codes of every expected failure; REST answers use the same catalogue. */
export type ErrorCode =
  /** The input contains a NUL character or an unpaired surrogate, which no field can hold */
  | 'BAD_USER_INPUT'
  /** The status callback is not one this service understands */
  | 'CALLBACK_INVALID'
  /** The request is not signed by the delivery provider */
  | 'CALLBACK_SIGNATURE_INVALID'
  /** The code has already been used; request a new one */
  | 'CODE_ALREADY_USED'
  /** The code has expired; request a new one */
  | 'CODE_EXPIRED'
  /** This authenticator code was used already; wait for the next one */
  | 'CODE_REPLAYED'
  /** The code was generated for another action (context); it is not accepted for this one */
  | 'CONTEXT_MISMATCH'
  /** The context does not fit in one text message with the code; shorten it or send by email */
  | 'CONTEXT_TOO_LONG_FOR_SMS'
  /** The database is unavailable; try again shortly */
  | 'DATABASE_UNAVAILABLE'
  /** The code could not be delivered; no code was issued */
  | 'DELIVERY_FAILED'
  /** No delivery channel is configured for this method */
  | 'DELIVERY_NOT_CONFIGURED'
  /** This device is no longer remembered; verify with a second factor */
  | 'DEVICE_EXPIRED'
  /** The user has no remembered device with this id */
  | 'DEVICE_NOT_FOUND'
  /** The verification this device remembers is older than allowed; verify with a second factor */
  | 'DEVICE_PROOF_TOO_OLD'
  /** This device was revoked; verify with a second factor */
  | 'DEVICE_REVOKED'
  /** This device is not remembered for this user */
  | 'DEVICE_TOKEN_INVALID'
  /** The token does not grant the scope this needs */
  | 'FORBIDDEN'
  /** Adding or removing a factor with a self token needs a recent verification of the user: verify first, then try again */
  | 'FRESH_VERIFICATION_REQUIRED'
  /** This needs a stronger proof than the method chosen */
  | 'INSUFFICIENT_ASSURANCE'
  /** Invalid code */
  | 'INVALID_CODE'
  /** The phone number is not valid */
  | 'INVALID_PHONE_NUMBER'
  /** The user has no destination for the chosen delivery method */
  | 'NO_DELIVERY_DESTINATION'
  /** The user has no passkey; register one first */
  | 'NO_PASSKEY'
  /** No code is pending for this user; request a new one */
  | 'NO_PENDING_CODE'
  /** Passkeys are not configured on this service */
  | 'PASSKEYS_NOT_CONFIGURED'
  /** This passkey is registered already */
  | 'PASSKEY_ALREADY_REGISTERED'
  /** The passkey challenge has expired; start again */
  | 'PASSKEY_CHALLENGE_EXPIRED'
  /** The passkey answer is not for a challenge issued to this user, or was used already; start again */
  | 'PASSKEY_CHALLENGE_INVALID'
  /** The passkey’s signature counter went backwards; the authenticator may have been cloned */
  | 'PASSKEY_COUNTER_REGRESSED'
  /** The passkey answer is not valid */
  | 'PASSKEY_INVALID'
  /** The user has no passkey with this id */
  | 'PASSKEY_NOT_FOUND'
  /** The passkey answer was made on a website this service does not serve */
  | 'PASSKEY_ORIGIN_MISMATCH'
  /** The passkey answer was made for another relying party */
  | 'PASSKEY_RP_ID_MISMATCH'
  /** This passkey is not registered for this user */
  | 'PASSKEY_UNKNOWN_CREDENTIAL'
  /** The authenticator did not verify the user */
  | 'PASSKEY_USER_NOT_VERIFIED'
  /** PersistedQueryNotFound */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** Only persisted operations are accepted here: send a known operation or its sha256Hash */
  | 'PERSISTED_QUERY_ONLY'
  /** Codes are not sent to numbers in this range for now */
  | 'PREFIX_BLOCKED'
  /** Too many requests; try again later */
  | 'RATE_LIMITED'
  /** Codes are not sent by SMS to this number */
  | 'SMS_REFUSED'
  /** Too many wrong attempts for this code; request a new one */
  | 'TOO_MANY_ATTEMPTS'
  /** No authenticator app enrolment is pending for this user */
  | 'TOTP_NOT_ENROLLED'
  /** Two-factor authentication is not enabled for this user */
  | 'TWO_FACTOR_DISABLED'
  /** Two-factor authentication is suspended for this user after too many failed verifications; an operator must reinstate it */
  | 'TWO_FACTOR_SUSPENDED'
  /** A valid bearer token is required */
  | 'UNAUTHENTICATED'
  /** A user with a username that looks the same already exists */
  | 'USERNAME_CONFUSABLE'
  /** A user with this username already exists */
  | 'USERNAME_TAKEN'
  /** Too many failed verifications; the user is locked for a while */
  | 'USER_LOCKED'
  /** User not found */
  | 'USER_NOT_FOUND'
  /** The input is not valid */
  | 'VALIDATION_FAILED'
  /** No webhook endpoint has this id */
  | 'WEBHOOK_ENDPOINT_NOT_FOUND'
  /** This webhook URL is not allowed */
  | 'WEBHOOK_URL_REFUSED';

/** A kind of second factor. */
export type FactorKind =
  /** Codes from an authenticator app (enrolled and confirmed). Reaches at most AAL2. */
  | 'AUTHENTICATOR_APP'
  /** Codes delivered by email (the user has an email address). Reaches at most EMAIL_CODE. */
  | 'EMAIL_CODE'
  /** A passkey (WebAuthn): the browser signs for the origin it runs on, so a look-alike site gets nothing to relay. Reaches at most PHISHING_RESISTANT. */
  | 'PASSKEY'
  /** Single-use recovery codes (some left). Reaches at most AAL2. */
  | 'RECOVERY_CODES'
  /** Codes delivered by SMS (the user has a phone number). Reaches at most AAL2_RESTRICTED. */
  | 'SMS_CODE'
  /** Codes read out by a phone call (a phone number, and voice configured). Reaches at most AAL2_RESTRICTED. */
  | 'VOICE_CODE'
  /** Codes delivered by WhatsApp (a phone number, and TWILIO_WHATSAPP_FROM configured). Reaches at most AAL2_RESTRICTED. */
  | 'WHATSAPP_CODE';

/** Where a delivered code is in its life. */
export type OtpStatus =
  /** Delivered and waiting to be verified. */
  | 'ACTIVE'
  /** Delivery failed; the code was never usable. */
  | 'FAILED'
  /** Being delivered; not usable yet. */
  | 'SENDING'
  /** Replaced by a newer code. */
  | 'SUPERSEDED'
  /** Verified; cannot be used again. */
  | 'USED';

/** Why an SMS destination is refused (SMS-pumping defence). */
export type SmsRefusal =
  /** The number’s country is not in SMS_ALLOWED_COUNTRIES. */
  | 'COUNTRY_NOT_ALLOWED'
  /** The number’s country prefix suddenly takes too large a share of sends. */
  | 'PREFIX_VELOCITY'
  /** Premium-rate, shared-cost or short numbers are never sent to. */
  | 'PREMIUM_OR_SHORT_NUMBER';

/** Changes to a user: fields left out keep their value, null clears email or phoneNumber. */
export type UpdateUserInput = {
  /** A new order of channels for codes (each needs its destination), or null for the default. At most 100 items. */
  channelOrder?: Array<DeliveryMethod> | null | undefined;
  /** New delivery method. */
  deliveryMethod?: DeliveryMethod | null | undefined;
  /** New email address, or null. At most 254 characters. */
  email?: string | null | undefined;
  /** en, de, fr, es, pt or it, optionally with a region (e.g. pt-BR). At most 35 characters. */
  locale?: string | null | undefined;
  /** Switch code generation on or off. */
  otpEnabled?: boolean | null | undefined;
  /** New phone number, or null. At most 32 characters. */
  phoneNumber?: string | null | undefined;
  /** Which user to change. At most 256 characters. */
  username: string;
};

export type AuditEventsQueryVariables = Exact<{
  username?: string | null | undefined;
  event?: AuditEventType | null | undefined;
  outcome?: AuditOutcome | null | undefined;
  since?: string | null | undefined;
  until?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type AuditEventsQuery = { auditEvents: { edges: Array<{ cursor: string, node: { id: string, createdAt: string, event: AuditEventType, outcome: AuditOutcome, reason: string | null, method: string | null, channel: string | null, username: string | null, caller: string | null, ip: string | null, userAgent: string | null, requestId: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ConfirmTotpMutationVariables = Exact<{
  username: string;
  code: string;
}>;


export type ConfirmTotpMutation = { confirmTotp:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string, requiredScope: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'InvalidCodeError', code: ErrorCode, message: string }
    | { __typename: 'TotpConfirmation', username: string, enabledAt: string }
    | { __typename: 'TotpNotEnrolledError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type CreateUserMutationVariables = Exact<{
  input: CreateUserInput;
}>;


export type CreateUserMutation = { createUser:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'User', id: string, username: string, email: string | null, phoneNumber: string | null, deliveryMethod: DeliveryMethod, locale: string, otpEnabled: boolean, createdAt: string, updatedAt: string }
    | { __typename: 'UsernameConfusableError', code: ErrorCode, message: string }
    | { __typename: 'UsernameTakenError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   };

export type DeleteUserMutationVariables = Exact<{
  username: string;
}>;


export type DeleteUserMutation = { deleteUser:
    | { __typename: 'DeleteUserPayload', pseudonym: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type DisableTwoFactorMutationVariables = Exact<{
  username: string;
}>;


export type DisableTwoFactorMutation = { disableTwoFactor:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'User', username: string, otpEnabled: boolean, totpEnabled: boolean, recoveryCodesLeft: number }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type EnrollTotpMutationVariables = Exact<{
  username: string;
}>;


export type EnrollTotpMutation = { enrollTotp:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string, requiredScope: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'TotpEnrollment', secret: string, uri: string, qrCode: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type FinishPasskeyRegistrationMutationVariables = Exact<{
  username: string;
  response: unknown;
  name?: string | null | undefined;
}>;


export type FinishPasskeyRegistrationMutation = { finishPasskeyRegistration:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'Passkey', id: string, name: string, createdAt: string, backedUp: boolean, multiDevice: boolean, transports: Array<string> }
    | { __typename: 'PasskeyAlreadyRegisteredError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyChallengeExpiredError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyChallengeInvalidError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyInvalidError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyOriginMismatchError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyRpIdMismatchError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyUserNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'PasskeysNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
   };

export type GenerateOtpMutationVariables = Exact<{
  username: string;
  channel?: Channel | null | undefined;
  context?: string | null | undefined;
  minimumAssurance?: AssuranceLevel | null | undefined;
}>;


export type GenerateOtpMutation = { generateOtp:
    | { __typename: 'ContextTooLongForSmsError', code: ErrorCode, message: string }
    | { __typename: 'DeliveryFailedError', code: ErrorCode, message: string, channel: Channel }
    | { __typename: 'DeliveryNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'GenerateOtpPayload', channel: Channel, channelReason: ChannelReason, fallbackFrom: Channel | null, destination: string, expiresAt: string, otpCode: string | null }
    | { __typename: 'InsufficientAssuranceError', code: ErrorCode, message: string, required: AssuranceLevel, sufficientFactors: Array<FactorKind> }
    | { __typename: 'InvalidPhoneNumberError', code: ErrorCode, message: string }
    | { __typename: 'NoDeliveryDestinationError', code: ErrorCode, message: string }
    | { __typename: 'PrefixBlockedError', code: ErrorCode, message: string, retryAfter: number }
    | { __typename: 'RateLimitedError', code: ErrorCode, message: string, retryAfter: number }
    | { __typename: 'SmsRefusedError', code: ErrorCode, message: string, reason: SmsRefusal }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorSuspendedError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
   };

export type GenerateRecoveryCodesMutationVariables = Exact<{
  username: string;
}>;


export type GenerateRecoveryCodesMutation = { generateRecoveryCodes:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string, requiredScope: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'RecoveryCodes', codes: Array<string> }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type LogsQueryVariables = Exact<{
  username?: string | null | undefined;
  status?: OtpStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type LogsQuery = { logs: { edges: Array<{ cursor: string, node: { id: string, channel: Channel, destination: string, status: OtpStatus, deliveryStatus: DeliveryStatus | null, deliveryErrorCode: string | null, deliveryUpdatedAt: string | null, attempts: number, verified: boolean, expiresAt: string, usedAt: string | null, createdAt: string, user: { username: string } } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type NodeQueryVariables = Exact<{
  id: string | number;
}>;


export type NodeQuery = { node:
    | { __typename: 'AuditEvent', id: string }
    | { __typename: 'OtpLog', status: OtpStatus, id: string, user: { username: string } }
    | { __typename: 'Passkey', id: string }
    | { __typename: 'User', username: string, id: string }
    | { __typename: 'WebhookDelivery', id: string }
    | { __typename: 'WebhookEndpoint', id: string }
   | null };

export type RemovePasskeyMutationVariables = Exact<{
  username: string;
  id: string | number;
}>;


export type RemovePasskeyMutation = { removePasskey:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'User', username: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type RenamePasskeyMutationVariables = Exact<{
  username: string;
  id: string | number;
  name: string;
}>;


export type RenamePasskeyMutation = { renamePasskey:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'Passkey', id: string, name: string }
    | { __typename: 'PasskeyNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
   };

export type RevokeAllDevicesMutationVariables = Exact<{
  username: string;
}>;


export type RevokeAllDevicesMutation = { revokeAllDevices:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'RevokeAllDevicesPayload', username: string, revoked: number }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type RevokeDeviceMutationVariables = Exact<{
  username: string;
  id: string | number;
}>;


export type RevokeDeviceMutation = { revokeDevice:
    | { __typename: 'DeviceNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'RememberedDevice', id: string, revokedAt: string | null }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
   };

export type StartPasskeyRegistrationMutationVariables = Exact<{
  username: string;
}>;


export type StartPasskeyRegistrationMutation = { startPasskeyRegistration:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'FreshVerificationRequiredError', code: ErrorCode, message: string }
    | { __typename: 'PasskeysNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'StartPasskeyRegistrationPayload', options: unknown }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type StartPasskeyVerificationMutationVariables = Exact<{
  username: string;
  minimumAssurance?: AssuranceLevel | null | undefined;
}>;


export type StartPasskeyVerificationMutation = { startPasskeyVerification:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'NoPasskeyError', code: ErrorCode, message: string }
    | { __typename: 'PasskeysNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'StartPasskeyVerificationPayload', options: unknown }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorSuspendedError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
   };

export type UpdateUserMutationVariables = Exact<{
  input: UpdateUserInput;
}>;


export type UpdateUserMutation = { updateUser:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'User', id: string, username: string, email: string | null, phoneNumber: string | null, deliveryMethod: DeliveryMethod, locale: string, otpEnabled: boolean, updatedAt: string }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string, issues: Array<{ path: Array<string>, message: string }> }
   };

export type UserDevicesQueryVariables = Exact<{
  username: string;
}>;


export type UserDevicesQuery = { user: { username: string, devices: Array<{ id: string, name: string, method: string, assurance: AssuranceLevel, amr: Array<string>, authTime: string, createdAt: string, lastUsedAt: string | null, expiresAt: string, revokedAt: string | null }> } | null };

export type UserFactorsQueryVariables = Exact<{
  username: string;
}>;


export type UserFactorsQuery = { user: { username: string, factors: Array<{ kind: FactorKind, assurance: AssuranceLevel, phishingResistant: boolean, name: string | null }>, passkeys: Array<{ id: string, name: string, createdAt: string, lastUsedAt: string | null, backedUp: boolean, multiDevice: boolean, transports: Array<string> }> } | null };

export type UserQueryVariables = Exact<{
  username: string;
  logsFirst?: number | null | undefined;
}>;


export type UserQuery = { user: { __typename: 'User', id: string, username: string, email: string | null, phoneNumber: string | null, deliveryMethod: DeliveryMethod, locale: string, otpEnabled: boolean, createdAt: string, updatedAt: string, logs: { edges: Array<{ cursor: string, node: { id: string, channel: Channel, destination: string, status: OtpStatus, attempts: number, verified: boolean, expiresAt: string, usedAt: string | null, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } } | null };

export type UsersQueryVariables = Exact<{
  usernamePrefix?: string | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type UsersQuery = { users: { edges: Array<{ cursor: string, node: { id: string, username: string, email: string | null, phoneNumber: string | null, deliveryMethod: DeliveryMethod, otpEnabled: boolean, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type VerifyDeviceMutationVariables = Exact<{
  username: string;
  deviceToken: string;
  maxAgeSeconds?: number | null | undefined;
  minimumAssurance?: AssuranceLevel | null | undefined;
  audience?: string | null | undefined;
}>;


export type VerifyDeviceMutation = { verifyDevice:
    | { __typename: 'DeviceExpiredError', code: ErrorCode, message: string }
    | { __typename: 'DeviceProofTooOldError', code: ErrorCode, message: string }
    | { __typename: 'DeviceRevokedError', code: ErrorCode, message: string }
    | { __typename: 'DeviceTokenInvalidError', code: ErrorCode, message: string }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientAssuranceError', code: ErrorCode, message: string, required: AssuranceLevel, sufficientFactors: Array<FactorKind> }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorSuspendedError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserLockedError', code: ErrorCode, message: string, retryAfter: number }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
    | { __typename: 'VerifyOtpPayload', success: boolean, username: string, method: string, assurance: AssuranceLevel, amr: Array<string>, verifiedAt: string, token: string, device: { id: string, name: string, authTime: string, lastUsedAt: string | null } | null }
   };

export type VerifyOtpMutationVariables = Exact<{
  username: string;
  code: string;
  context?: string | null | undefined;
  audience?: string | null | undefined;
  minimumAssurance?: AssuranceLevel | null | undefined;
  rememberDevice?: boolean | null | undefined;
  deviceName?: string | null | undefined;
}>;


export type VerifyOtpMutation = { verifyOtp:
    | { __typename: 'CodeAlreadyUsedError', code: ErrorCode, message: string }
    | { __typename: 'CodeExpiredError', code: ErrorCode, message: string }
    | { __typename: 'CodeReplayedError', code: ErrorCode, message: string }
    | { __typename: 'ContextMismatchError', code: ErrorCode, message: string, attemptsLeft: number }
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientAssuranceError', code: ErrorCode, message: string, required: AssuranceLevel, sufficientFactors: Array<FactorKind> }
    | { __typename: 'InvalidCodeError', code: ErrorCode, message: string, attemptsLeft: number }
    | { __typename: 'NoPendingCodeError', code: ErrorCode, message: string }
    | { __typename: 'TooManyAttemptsError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorSuspendedError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserLockedError', code: ErrorCode, message: string, retryAfter: number }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'ValidationFailedError', code: ErrorCode, message: string }
    | { __typename: 'VerifyOtpPayload', success: boolean, username: string, method: string, assurance: AssuranceLevel, amr: Array<string>, verifiedAt: string, token: string, deviceToken: string | null, device: { id: string, name: string, assurance: AssuranceLevel, expiresAt: string } | null }
   };

export type VerifyPasskeyMutationVariables = Exact<{
  username: string;
  response: unknown;
  context?: string | null | undefined;
  audience?: string | null | undefined;
  minimumAssurance?: AssuranceLevel | null | undefined;
  rememberDevice?: boolean | null | undefined;
  deviceName?: string | null | undefined;
}>;


export type VerifyPasskeyMutation = { verifyPasskey:
    | { __typename: 'ForbiddenError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientAssuranceError', code: ErrorCode, message: string, required: AssuranceLevel, sufficientFactors: Array<FactorKind> }
    | { __typename: 'PasskeyChallengeExpiredError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyChallengeInvalidError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyCounterRegressedError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyInvalidError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyOriginMismatchError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyRpIdMismatchError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyUnknownCredentialError', code: ErrorCode, message: string }
    | { __typename: 'PasskeyUserNotVerifiedError', code: ErrorCode, message: string }
    | { __typename: 'PasskeysNotConfiguredError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorDisabledError', code: ErrorCode, message: string }
    | { __typename: 'TwoFactorSuspendedError', code: ErrorCode, message: string }
    | { __typename: 'UnauthenticatedError', code: ErrorCode, message: string }
    | { __typename: 'UserLockedError', code: ErrorCode, message: string, retryAfter: number }
    | { __typename: 'UserNotFoundError', code: ErrorCode, message: string }
    | { __typename: 'VerifyOtpPayload', success: boolean, username: string, method: string, assurance: AssuranceLevel, amr: Array<string>, verifiedAt: string, token: string, deviceToken: string | null, device: { id: string, name: string, assurance: AssuranceLevel, expiresAt: string } | null }
   };


export const AuditEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"AuditEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"event"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AuditEventType"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"outcome"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AuditOutcome"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"until"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"auditEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"event"},"value":{"kind":"Variable","name":{"kind":"Name","value":"event"}}},{"kind":"Argument","name":{"kind":"Name","value":"outcome"},"value":{"kind":"Variable","name":{"kind":"Name","value":"outcome"}}},{"kind":"Argument","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}},{"kind":"Argument","name":{"kind":"Name","value":"until"},"value":{"kind":"Variable","name":{"kind":"Name","value":"until"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"event"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"caller"}},{"kind":"Field","name":{"kind":"Name","value":"ip"}},{"kind":"Field","name":{"kind":"Name","value":"userAgent"}},{"kind":"Field","name":{"kind":"Name","value":"requestId"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<AuditEventsQuery, AuditEventsQueryVariables>;
export const ConfirmTotpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConfirmTotp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"confirmTotp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TotpConfirmation"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"enabledAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ForbiddenError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requiredScope"}}]}}]}}]}}]} as unknown as DocumentNode<ConfirmTotpMutation, ConfirmTotpMutationVariables>;
export const CreateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUserInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"User"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryMethod"}},{"kind":"Field","name":{"kind":"Name","value":"locale"}},{"kind":"Field","name":{"kind":"Name","value":"otpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationFailedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CreateUserMutation, CreateUserMutationVariables>;
export const DeleteUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteUserPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pseudonym"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteUserMutation, DeleteUserMutationVariables>;
export const DisableTwoFactorDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisableTwoFactor"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disableTwoFactor"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"User"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"otpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"totpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"recoveryCodesLeft"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DisableTwoFactorMutation, DisableTwoFactorMutationVariables>;
export const EnrollTotpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"EnrollTotp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enrollTotp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TotpEnrollment"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"uri"}},{"kind":"Field","name":{"kind":"Name","value":"qrCode"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ForbiddenError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requiredScope"}}]}}]}}]}}]} as unknown as DocumentNode<EnrollTotpMutation, EnrollTotpMutationVariables>;
export const FinishPasskeyRegistrationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"FinishPasskeyRegistration"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"response"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"finishPasskeyRegistration"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"response"},"value":{"kind":"Variable","name":{"kind":"Name","value":"response"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Passkey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"backedUp"}},{"kind":"Field","name":{"kind":"Name","value":"multiDevice"}},{"kind":"Field","name":{"kind":"Name","value":"transports"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<FinishPasskeyRegistrationMutation, FinishPasskeyRegistrationMutationVariables>;
export const GenerateOtpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateOtp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"channel"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Channel"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"context"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AssuranceLevel"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateOtp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"channel"},"value":{"kind":"Variable","name":{"kind":"Name","value":"channel"}}},{"kind":"Argument","name":{"kind":"Name","value":"context"},"value":{"kind":"Variable","name":{"kind":"Name","value":"context"}}},{"kind":"Argument","name":{"kind":"Name","value":"minimumAssurance"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"GenerateOtpPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"channelReason"}},{"kind":"Field","name":{"kind":"Name","value":"fallbackFrom"}},{"kind":"Field","name":{"kind":"Name","value":"destination"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"otpCode"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DeliveryFailedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"channel"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RateLimitedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfter"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SmsRefusedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PrefixBlockedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfter"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientAssuranceError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"sufficientFactors"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateOtpMutation, GenerateOtpMutationVariables>;
export const GenerateRecoveryCodesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GenerateRecoveryCodes"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"generateRecoveryCodes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RecoveryCodes"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"codes"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ForbiddenError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requiredScope"}}]}}]}}]}}]} as unknown as DocumentNode<GenerateRecoveryCodesMutation, GenerateRecoveryCodesMutationVariables>;
export const LogsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Logs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"OtpStatus"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"logs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"destination"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryStatus"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryErrorCode"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryUpdatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"verified"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"usedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<LogsQuery, LogsQueryVariables>;
export const NodeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Node"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"User"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"OtpLog"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}}]}}]}}]}}]}}]} as unknown as DocumentNode<NodeQuery, NodeQueryVariables>;
export const RemovePasskeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RemovePasskey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"removePasskey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"User"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RemovePasskeyMutation, RemovePasskeyMutationVariables>;
export const RenamePasskeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RenamePasskey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"renamePasskey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Passkey"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RenamePasskeyMutation, RenamePasskeyMutationVariables>;
export const RevokeAllDevicesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeAllDevices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeAllDevices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RevokeAllDevicesPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"revoked"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RevokeAllDevicesMutation, RevokeAllDevicesMutationVariables>;
export const RevokeDeviceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RevokeDevice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"revokeDevice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RememberedDevice"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RevokeDeviceMutation, RevokeDeviceMutationVariables>;
export const StartPasskeyRegistrationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartPasskeyRegistration"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startPasskeyRegistration"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"StartPasskeyRegistrationPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"options"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<StartPasskeyRegistrationMutation, StartPasskeyRegistrationMutationVariables>;
export const StartPasskeyVerificationDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartPasskeyVerification"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AssuranceLevel"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startPasskeyVerification"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"minimumAssurance"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"StartPasskeyVerificationPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"options"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<StartPasskeyVerificationMutation, StartPasskeyVerificationMutationVariables>;
export const UpdateUserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UpdateUser"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"UpdateUserInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"updateUser"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"User"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryMethod"}},{"kind":"Field","name":{"kind":"Name","value":"locale"}},{"kind":"Field","name":{"kind":"Name","value":"otpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationFailedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]}}]} as unknown as DocumentNode<UpdateUserMutation, UpdateUserMutationVariables>;
export const UserDevicesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UserDevices"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"devices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"amr"}},{"kind":"Field","name":{"kind":"Name","value":"authTime"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"revokedAt"}}]}}]}}]}}]} as unknown as DocumentNode<UserDevicesQuery, UserDevicesQueryVariables>;
export const UserFactorsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"UserFactors"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"factors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"phishingResistant"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"passkeys"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}},{"kind":"Field","name":{"kind":"Name","value":"backedUp"}},{"kind":"Field","name":{"kind":"Name","value":"multiDevice"}},{"kind":"Field","name":{"kind":"Name","value":"transports"}}]}}]}}]}}]} as unknown as DocumentNode<UserFactorsQuery, UserFactorsQueryVariables>;
export const UserDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"User"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"logsFirst"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"user"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryMethod"}},{"kind":"Field","name":{"kind":"Name","value":"locale"}},{"kind":"Field","name":{"kind":"Name","value":"otpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"logs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"logsFirst"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"destination"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"verified"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"usedAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<UserQuery, UserQueryVariables>;
export const UsersDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Users"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"usernamePrefix"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"users"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"usernamePrefix"},"value":{"kind":"Variable","name":{"kind":"Name","value":"usernamePrefix"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"deliveryMethod"}},{"kind":"Field","name":{"kind":"Name","value":"otpEnabled"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<UsersQuery, UsersQueryVariables>;
export const VerifyDeviceDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyDevice"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"deviceToken"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"maxAgeSeconds"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AssuranceLevel"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"audience"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyDevice"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"deviceToken"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deviceToken"}}},{"kind":"Argument","name":{"kind":"Name","value":"maxAgeSeconds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"maxAgeSeconds"}}},{"kind":"Argument","name":{"kind":"Name","value":"minimumAssurance"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}}},{"kind":"Argument","name":{"kind":"Name","value":"audience"},"value":{"kind":"Variable","name":{"kind":"Name","value":"audience"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VerifyOtpPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"amr"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedAt"}},{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"device"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"authTime"}},{"kind":"Field","name":{"kind":"Name","value":"lastUsedAt"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserLockedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfter"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientAssuranceError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"sufficientFactors"}}]}}]}}]}}]} as unknown as DocumentNode<VerifyDeviceMutation, VerifyDeviceMutationVariables>;
export const VerifyOtpDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyOtp"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"code"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"context"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"audience"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AssuranceLevel"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rememberDevice"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"deviceName"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyOtp"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"code"},"value":{"kind":"Variable","name":{"kind":"Name","value":"code"}}},{"kind":"Argument","name":{"kind":"Name","value":"context"},"value":{"kind":"Variable","name":{"kind":"Name","value":"context"}}},{"kind":"Argument","name":{"kind":"Name","value":"audience"},"value":{"kind":"Variable","name":{"kind":"Name","value":"audience"}}},{"kind":"Argument","name":{"kind":"Name","value":"minimumAssurance"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}}},{"kind":"Argument","name":{"kind":"Name","value":"rememberDevice"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rememberDevice"}}},{"kind":"Argument","name":{"kind":"Name","value":"deviceName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deviceName"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VerifyOtpPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"amr"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedAt"}},{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"deviceToken"}},{"kind":"Field","name":{"kind":"Name","value":"device"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InvalidCodeError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attemptsLeft"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ContextMismatchError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attemptsLeft"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserLockedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfter"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientAssuranceError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"sufficientFactors"}}]}}]}}]}}]} as unknown as DocumentNode<VerifyOtpMutation, VerifyOtpMutationVariables>;
export const VerifyPasskeyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"VerifyPasskey"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"username"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"response"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"JSON"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"context"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"audience"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"AssuranceLevel"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rememberDevice"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"deviceName"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"verifyPasskey"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"username"},"value":{"kind":"Variable","name":{"kind":"Name","value":"username"}}},{"kind":"Argument","name":{"kind":"Name","value":"response"},"value":{"kind":"Variable","name":{"kind":"Name","value":"response"}}},{"kind":"Argument","name":{"kind":"Name","value":"context"},"value":{"kind":"Variable","name":{"kind":"Name","value":"context"}}},{"kind":"Argument","name":{"kind":"Name","value":"audience"},"value":{"kind":"Variable","name":{"kind":"Name","value":"audience"}}},{"kind":"Argument","name":{"kind":"Name","value":"minimumAssurance"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minimumAssurance"}}},{"kind":"Argument","name":{"kind":"Name","value":"rememberDevice"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rememberDevice"}}},{"kind":"Argument","name":{"kind":"Name","value":"deviceName"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deviceName"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VerifyOtpPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"success"}},{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"method"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"amr"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedAt"}},{"kind":"Field","name":{"kind":"Name","value":"token"}},{"kind":"Field","name":{"kind":"Name","value":"deviceToken"}},{"kind":"Field","name":{"kind":"Name","value":"device"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"assurance"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"UserLockedError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryAfter"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"InsufficientAssuranceError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"required"}},{"kind":"Field","name":{"kind":"Name","value":"sufficientFactors"}}]}}]}}]}}]} as unknown as DocumentNode<VerifyPasskeyMutation, VerifyPasskeyMutationVariables>;