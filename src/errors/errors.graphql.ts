import type { Builder } from '../graphql/builder.js';
import type { addOtpTypes } from '../otp/otp.graphql.js';
import {
  CodeAlreadyUsedError,
  CodeExpiredError,
  DeliveryFailedError,
  DeliveryNotConfiguredError,
  DomainError,
  errorCatalogue,
  type ErrorCode,
  type FieldIssue,
  InvalidCodeError,
  NoDeliveryDestinationError,
  NoPendingCodeError,
  TooManyAttemptsError,
  TwoFactorDisabledError,
  UsernameTakenError,
  UserNotFoundError,
  ValidationFailedError,
} from './errors.js';

const descriptions: Record<string, string> = {
  UserNotFoundError: 'No user has this username.',
  UsernameTakenError: 'Another user already has this username.',
  TwoFactorDisabledError: 'Two-factor authentication is switched off for this user.',
  NoDeliveryDestinationError: 'The user has no email address or phone number for their delivery method.',
  NoPendingCodeError: 'No code is waiting to be verified; generate one first.',
  CodeExpiredError: 'The code is older than OTP_EXPIRATION_MINUTES; generate a new one.',
  CodeAlreadyUsedError: 'The code was verified already; each code works once.',
  TooManyAttemptsError: 'The code took too many wrong guesses and no longer works; generate a new one.',
  DeliveryNotConfiguredError: 'No provider is configured for this delivery method.',
};

/**
 * The `Error` interface and one GraphQL type per domain error class. Clients branch on
 * `__typename` or `code`, never on the message.
 */
export function addErrorTypes(builder: Builder, { Channel }: Pick<ReturnType<typeof addOtpTypes>, 'Channel'>) {
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

  const simple = [
    UserNotFoundError,
    UsernameTakenError,
    TwoFactorDisabledError,
    NoDeliveryDestinationError,
    NoPendingCodeError,
    CodeExpiredError,
    CodeAlreadyUsedError,
    TooManyAttemptsError,
    DeliveryNotConfiguredError,
  ];
  for (const ErrorClass of simple) {
    builder.objectType(ErrorClass, {
      name: ErrorClass.name,
      description: descriptions[ErrorClass.name],
      interfaces: [ErrorInterface],
      isTypeOf: (value) => value instanceof ErrorClass,
    });
  }

  builder.objectType(InvalidCodeError, {
    name: 'InvalidCodeError',
    description: 'The code is wrong. The code stays usable while attempts are left.',
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof InvalidCodeError,
    fields: (t) => ({
      attemptsLeft: t.exposeInt('attemptsLeft', { description: 'Wrong guesses this code still tolerates.' }),
    }),
  });

  builder.objectType(DeliveryFailedError, {
    name: 'DeliveryFailedError',
    description: 'The provider refused or did not answer in time; no code was issued.',
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof DeliveryFailedError,
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
    name: 'ValidationFailedError',
    description: 'The input has field-level problems; nothing was changed.',
    interfaces: [ErrorInterface],
    isTypeOf: (value) => value instanceof ValidationFailedError,
    fields: (t) => ({
      issues: t.field({ type: [FieldIssueRef], description: 'Every problem found.', resolve: (e) => e.issues }),
    }),
  });
}
