import type { Builder } from '../graphql/builder.js';
import type { addOtpTypes } from '../otp/otp.graphql.js';
import type { addAssuranceTypes } from '../verification/assurance.graphql.js';
import {
  ContextMismatchError,
  DeliveryFailedError,
  DomainError,
  errorCatalogue,
  type ErrorCode,
  errorsWithoutFields,
  type FieldIssue,
  ForbiddenError,
  InsufficientAssuranceError,
  InvalidCodeError,
  RateLimitedError,
  type SmsRefusal,
  SmsRefusedError,
  UserLockedError,
  ValidationFailedError,
  WebhookUrlRefusedError,
} from './errors.js';

/** Every GraphQL error type is described by its catalogue entry. */
const describe = (ErrorClass: { code: ErrorCode }) => errorCatalogue[ErrorClass.code].description;

/**
 * The `Error` interface and one GraphQL type per domain error class. Clients branch on
 * `__typename` or `code`, never on the message.
 */
export function addErrorTypes(
  builder: Builder,
  { Channel, AssuranceLevel, FactorKind }: Pick<ReturnType<typeof addOtpTypes>, 'Channel'> & ReturnType<typeof addAssuranceTypes>,
) {
  const ErrorCodeEnum = builder.enumType('ErrorCode', {
    description: 'Stable codes of every expected failure; REST answers use the same catalogue.',
    values: Object.fromEntries(
      Object.entries(errorCatalogue).map(([code, { message }]) => [code, { description: message }]),
    ) as Record<ErrorCode, { description: string }>,
  });

  const ErrorInterface = builder.interfaceRef<DomainError>('Error').implement({
    description: 'An expected failure, returned in place of a result.',
    fields: (t) => ({
      code: t.field({ type: ErrorCodeEnum, description: 'Stable machine-readable code.', resolve: (e) => e.code }),
      message: t.exposeString('message', { description: 'Human-readable reason, safe to show.' }),
    }),
  });

  /** What every error type shares: named after its class, described by its catalogue entry. */
  const errorTypeOf = (ErrorClass: { code: ErrorCode; name: string } & (abstract new (...args: never[]) => DomainError)) => ({
    name: ErrorClass.name,
    description: describe(ErrorClass),
    interfaces: [ErrorInterface],
    isTypeOf: (value: unknown) => value instanceof ErrorClass,
  });

  for (const ErrorClass of errorsWithoutFields) builder.objectType(ErrorClass, errorTypeOf(ErrorClass));

  builder.objectType(InvalidCodeError, {
    ...errorTypeOf(InvalidCodeError),
    fields: (t) => ({
      attemptsLeft: t.exposeInt('attemptsLeft', {
        description:
          'Wrong guesses left before this answer can no longer work: the smaller of the code’s own allowance ' +
          '(OTP_MAX_ATTEMPTS, delivered codes) and the user’s guess budget before the lock (LOCKOUT_THRESHOLD).',
      }),
    }),
  });

  builder.objectType(ContextMismatchError, {
    ...errorTypeOf(ContextMismatchError),
    fields: (t) => ({
      attemptsLeft: t.exposeInt('attemptsLeft', {
        description: 'Wrong guesses left, as InvalidCodeError counts them: a mismatched context is one.',
      }),
    }),
  });

  builder.objectType(WebhookUrlRefusedError, {
    ...errorTypeOf(WebhookUrlRefusedError),
    fields: (t) => ({
      reason: t.exposeString('reason', { description: 'Why the URL is refused, e.g. "must use https in production".' }),
    }),
  });

  builder.objectType(DeliveryFailedError, {
    ...errorTypeOf(DeliveryFailedError),
    fields: (t) => ({
      channel: t.field({
        type: Channel,
        description: 'The channel that failed.',
        resolve: (e) => (e.channel === 'SMS' ? 'SMS' : 'EMAIL'),
      }),
    }),
  });

  const FieldIssueRef = builder.objectRef<FieldIssue>('FieldIssue').implement({
    description: 'One problem with one input field.',
    fields: (t) => ({
      path: t.exposeStringList('path', { description: 'Path of the field in the input, e.g. ["email"].' }),
      message: t.exposeString('message', { description: 'What is wrong with it.' }),
    }),
  });

  builder.objectType(ValidationFailedError, {
    ...errorTypeOf(ValidationFailedError),
    fields: (t) => ({
      issues: t.field({ type: [FieldIssueRef], description: 'Every problem found.', resolve: (e) => e.issues }),
    }),
  });

  builder.objectType(RateLimitedError, {
    ...errorTypeOf(RateLimitedError),
    fields: (t) => ({
      retryAfter: t.exposeInt('retryAfter', { description: 'Seconds to wait before trying again.' }),
    }),
  });

  builder.objectType(UserLockedError, {
    ...errorTypeOf(UserLockedError),
    fields: (t) => ({
      retryAfter: t.exposeInt('retryAfter', { description: 'Seconds until the lock ends.' }),
    }),
  });

  builder.objectType(InsufficientAssuranceError, {
    ...errorTypeOf(InsufficientAssuranceError),
    fields: (t) => ({
      required: t.field({ type: AssuranceLevel, description: 'The minimum the caller asked for.', resolve: (e) => e.required }),
      sufficientFactors: t.field({
        type: [FactorKind],
        description: 'The user’s factors that would reach it, strongest first (e.g. [PASSKEY]); empty when none does.',
        resolve: (e) => e.sufficientFactors,
      }),
    }),
  });

  builder.objectType(ForbiddenError, {
    ...errorTypeOf(ForbiddenError),
    fields: (t) => ({
      requiredScope: t.exposeString('requiredScope', { description: 'The scope that is missing.' }),
    }),
  });

  const SmsRefusalEnum = builder.enumType('SmsRefusal', {
    description: 'Why an SMS destination is refused (SMS-pumping defence).',
    values: {
      COUNTRY_NOT_ALLOWED: { description: 'The number’s country is not in SMS_ALLOWED_COUNTRIES.' },
      PREMIUM_OR_SHORT_NUMBER: { description: 'Premium-rate, shared-cost or short numbers are never sent to.' },
      PREFIX_VELOCITY: { description: 'The number’s country prefix suddenly takes too large a share of sends.' },
    } satisfies Record<SmsRefusal, { description: string }>,
  });

  builder.objectType(SmsRefusedError, {
    ...errorTypeOf(SmsRefusedError),
    fields: (t) => ({
      reason: t.field({ type: SmsRefusalEnum, description: 'Which rule refused it.', resolve: (e) => e.reason }),
    }),
  });
}
