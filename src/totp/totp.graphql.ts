import {
  FreshVerificationRequiredError,
  InvalidCodeError,
  TotpNotEnrolledError,
  UserNotFoundError,
} from '../errors/errors.js';
import type { Builder } from '../schema-builder/builder.js';
import type { TotpConfirmation, TotpEnrollment, TotpService } from './totp.service.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    totp: TotpService;
  }
}

/** Enrolment of an authenticator app: `enrollTotp`, then `confirmTotp` with its first code. */
export function addTotpTypes(builder: Builder) {
  const TotpEnrollmentRef = builder.objectRef<TotpEnrollment>('TotpEnrollment').implement({
    description:
      'A new authenticator-app secret, pending until confirmTotp proves the app has it. Shown once: ' +
      'the service keeps the secret only encrypted and never returns it again.',
    fields: (t) => ({
      secret: t.exposeString('secret', {
        description: 'The secret, base32 (160 bits), for typing into an app that cannot scan the QR code.',
      }),
      uri: t.exposeString('uri', {
        description: 'The otpauth://totp/ URI (issuer FountainAI, the username as account, SHA1, 6 digits, 30 s).',
      }),
      qrCode: t.exposeString('qrCode', {
        description: 'The URI as a QR code: a PNG data URL (data:image/png;base64,…), usable as an image source.',
      }),
    }),
  });

  const TotpConfirmationRef = builder.objectRef<TotpConfirmation>('TotpConfirmation').implement({
    description: 'The app is active: verify now accepts its codes, and the app enrolled before (if any) no longer works.',
    fields: (t) => ({
      username: t.exposeString('username', { description: 'Whose app it is.' }),
      enabledAt: t.expose('enabledAt', { type: 'DateTime', description: 'When it became active.' }),
    }),
  });

  builder.mutationFields((t) => ({
    enrollTotp: t.field({
      type: TotpEnrollmentRef,
      description:
        'Starts enrolling an authenticator app for the user (scope users:write). An app already active ' +
        'keeps working until the new one is confirmed; enrolling again replaces a pending enrolment.',
      errors: { types: [UserNotFoundError, FreshVerificationRequiredError] },
      args: { username: t.arg.string({ required: true, description: 'Whose app.' }) },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_root, args, ctx) => ctx.services.totp.enroll(args.username, ctx.call),
    }),
    confirmTotp: t.field({
      type: TotpConfirmationRef,
      description:
        'Activates the pending authenticator app with a code it shows (scope users:write). A wrong code ' +
        'leaves the enrolment pending, so it can be retried.',
      errors: { types: [UserNotFoundError, TotpNotEnrolledError, InvalidCodeError, FreshVerificationRequiredError] },
      args: {
        username: t.arg.string({ required: true, description: 'Whose app.' }),
        code: t.arg.string({ required: true, description: 'The 6-digit code the app shows now.' }),
      },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_root, args, ctx) => ctx.services.totp.confirm(args.username, args.code, ctx.call),
    }),
  }));
}
