import type { Db } from '../db/client.js';
import {
  CodeAlreadyUsedError,
  ContextMismatchError,
  ContextTooLongForSmsError,
  ValidationFailedError,
  CodeExpiredError,
  CodeReplayedError,
  DeliveryFailedError,
  DeliveryNotConfiguredError,
  InvalidCodeError,
  InvalidPhoneNumberError,
  NoDeliveryDestinationError,
  NoPendingCodeError,
  TooManyAttemptsError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  UserNotFoundError,
  RateLimitedError,
  SmsRefusedError,
  UserLockedError,
} from '../errors/errors.js';
import type { Builder } from '../graphql/builder.js';
import type { Verified } from '../verification/verification.service.js';
import type { CodeStatus } from './codes.store.js';
import type { GeneratedCode } from './otp.service.js';
import { normaliseUsername } from '../users/username.js';

const statuses: Record<CodeStatus, string> = {
  SENDING: 'Being delivered; not usable yet.',
  ACTIVE: 'Delivered and waiting to be verified.',
  USED: 'Verified; cannot be used again.',
  SUPERSEDED: 'Replaced by a newer code.',
  FAILED: 'Delivery failed; the code was never usable.',
};

/** The one-time code types; returns the `Channel` enum, which DeliveryFailedError uses too, and the verify payload verifyPasskey shares. */
export function addOtpTypes(builder: Builder, db: Db) {
  const OtpStatus = builder.enumType('OtpStatus', {
    description: 'Where a delivered code is in its life.',
    values: Object.fromEntries(Object.entries(statuses).map(([k, description]) => [k, { description }])) as Record<
      CodeStatus,
      { description: string }
    >,
  });
  const Channel = builder.enumType('Channel', {
    description: 'The channel a code went out on.',
    values: { EMAIL: { description: 'Email.' }, SMS: { description: 'Text message.' } },
  });

  builder.prismaNode('OtpLog', {
    description: 'One delivered code: its channel, state and timestamps. The code itself is never stored.',
    authScopes: { 'logs:read': true },
    // node(id:) answers null for an id that names no row, as Relay expects, not an error.
    nullable: true,
    id: { field: 'id', description: 'Global (Relay) identifier.' },
    fields: (t) => ({
      user: t.relation('user', { description: 'Whose code it is.', authScopes: { 'users:read': true } }),
      channel: t.field({ type: Channel, description: 'EMAIL or SMS.', resolve: (log) => (log.channel === 'SMS' ? 'SMS' : 'EMAIL') }),
      destination: t.exposeString('destination', { description: 'Where it went, masked.' }),
      status: t.field({ type: OtpStatus, description: 'Its state.', resolve: (log) => log.status as CodeStatus }),
      attempts: t.exposeInt('attempts', { description: 'Verification attempts made against it.' }),
      verified: t.exposeBoolean('verified', { description: 'Whether it was verified.' }),
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When it stops working.' }),
      usedAt: t.expose('usedAt', { type: 'DateTime', nullable: true, description: 'When it was verified.' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was generated.' }),
    }),
  });

  builder.queryFields((t) => ({
    logs: t.prismaConnection({
      type: 'OtpLog',
      cursor: 'id',
      description: 'Delivered codes, newest first, optionally of one user or in one state.',
      args: {
        username: t.arg.string({ required: false, description: 'Only this user’s codes.' }),
        status: t.arg({ type: OtpStatus, required: false, description: 'Only codes in this state.' }),
      },
      authScopes: { 'logs:read': true },
      resolve: (query, _root, args) =>
        db.otpLog.findMany({
          ...query,
          where: {
            ...(args.username ? { user: { username: normaliseUsername(args.username) } } : {}),
            ...(args.status ? { status: args.status } : {}),
          },
          orderBy: { id: 'desc' },
        }),
    }),
  }));

  const GenerateOtpPayload = builder.objectRef<GeneratedCode & { showCode: boolean }>('GenerateOtpPayload').implement({
    description: 'A code was generated and delivered.',
    fields: (t) => ({
      expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'When the code stops working.' }),
      channel: t.field({ type: Channel, description: 'Where it was sent.', resolve: (p) => p.channel }),
      destination: t.exposeString('destination', { description: 'The destination, masked.' }),
      // Not `code`: that is the ErrorCode of every error in the same union, and a client
      // selecting both would get a field conflict.
      otpCode: t.string({
        nullable: true,
        description: 'The code itself, only where OTP_IN_RESPONSE is on (never in production by default).',
        resolve: (p) => (p.showCode ? p.code : null),
      }),
    }),
  });

  const VerifyOtpPayload = builder.objectRef<Verified>('VerifyOtpPayload').implement({
    description: 'The code was right and has now been used up.',
    fields: (t) => ({
      success: t.boolean({ description: 'Always true; failures are typed errors.', resolve: () => true }),
      username: t.exposeString('username', { description: 'Whose code it was.' }),
      method: t.exposeString('method', { description: 'How the user proved it: otp (a delivered code), totp (an authenticator app) or recovery.' }),
      verifiedAt: t.expose('verifiedAt', { type: 'DateTime', description: 'When.' }),
      token: t.exposeString('token', {
        description:
          'The result token: a JWT signed under RESULT_TOKEN_ALGORITHM (ES256 by default; the public keys at ' +
          '/.well-known/jwks.json), valid RESULT_TOKEN_TTL_SECONDS (5 minutes), with `iss` "fountainai-2fa", `sub` the ' +
          'username, `amr` the method, `iat`, `auth_time`, `exp`, `jti`, `ctx` = base64url(SHA-256(context)) when a ' +
          'context was given and `aud` when an audience was. Any service can check it offline with the JWKS.',
      }),
    }),
  });

  builder.mutationFields((t) => ({
    generateOtp: t.field({
      type: GenerateOtpPayload,
      description:
        'Generates a code for the user and delivers it by their delivery method, or by `channel` when given. ' +
        'A failed delivery leaves no usable code.',
      errors: {
        types: [
          UserNotFoundError,
          TwoFactorDisabledError,
          TwoFactorSuspendedError,
          NoDeliveryDestinationError,
          DeliveryFailedError,
          DeliveryNotConfiguredError,
          RateLimitedError,
          InvalidPhoneNumberError,
          SmsRefusedError,
          ContextTooLongForSmsError,
          ValidationFailedError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Whose code.' }),
        channel: t.arg({
          type: Channel,
          required: false,
          description: 'Send by this channel instead of the user’s delivery method; the user must have its destination.',
        }),
        context: t.arg.string({
          required: false,
          description:
            'The action the code approves, one line (e.g. "Pay 42.00 EUR to ACME GmbH"), shown to the user with the code. ' +
            'The code is then accepted only with the same `context` in verifyOtp, and the result token carries `ctx` = ' +
            'base64url(SHA-256(context)). By SMS the message must stay one segment: a long context is refused ' +
            '(ContextTooLongForSmsError) before anything is sent.',
        }),
      },
      authScopes: { 'otp:generate': true },
      resolve: async (_root, args, ctx) => ({
        ...(await ctx.services.verification.generate(args.username, ctx.call, {
          channel: args.channel ?? undefined,
          actionContext: args.context ?? undefined,
        })),
        showCode: ctx.otpInResponse,
      }),
    }),
    verifyOtp: t.field({
      type: VerifyOtpPayload,
      description:
        'Checks a code the user typed: a delivered code, an authenticator-app code or a recovery code. ' +
        'A right code works once; wrong guesses by any method count towards the user’s lockout.',
      errors: {
        types: [
          UserNotFoundError,
          NoPendingCodeError,
          InvalidCodeError,
          ContextMismatchError,
          CodeReplayedError,
          CodeExpiredError,
          CodeAlreadyUsedError,
          TooManyAttemptsError,
          TwoFactorDisabledError,
          TwoFactorSuspendedError,
          UserLockedError,
          ValidationFailedError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Whose code.' }),
        code: t.arg.string({ required: true, description: 'The code the user typed.' }),
        context: t.arg.string({
          required: false,
          description:
            'The action the user is approving, exactly as given to generateOtp: a delivered code generated with a context ' +
            'is accepted only with the same one, and one generated without only without (a mismatch is a wrong guess, ' +
            'ContextMismatchError). App and recovery codes accept any. The token carries its hash as `ctx`.',
        }),
        audience: t.arg.string({ required: false, description: 'The service the result token is for: the token’s `aud`.' }),
      },
      authScopes: { 'otp:verify': true },
      resolve: (_root, args, ctx) =>
        ctx.services.verification.verify(args.username, args.code, ctx.call, {
          actionContext: args.context ?? undefined,
          audience: args.audience ?? undefined,
        }),
    }),
  }));
  return { Channel, VerifyOtpPayload };
}
