import type { PrismaReads } from '../db/client.js';
import {
  ContextTooLongForSmsError,
  ValidationFailedError,
  CodeReplayedError,
  DeliveryFailedError,
  DeliveryNotConfiguredError,
  InsufficientAssuranceError,
  InvalidPhoneNumberError,
  NoDeliveryDestinationError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  UserNotFoundError,
  RateLimitedError,
  SmsRefusedError,
  PrefixBlockedError,
} from '../errors/errors.js';
import type { Builder } from '../schema-builder/builder.js';
import { guessRefusals } from '../throttle/guess-budget.js';
import type { Verified, VerificationService } from './verification.service.js';
import type { CodeStatus } from '../delivery/codes.store.js';
import { channels, type Channel as ChannelName } from '../vocabulary/channel.js';
import { deliveryStatuses, type DeliveryStatus } from '../vocabulary/delivery-status.js';
import type { ChannelReason } from '../delivery/channel-choice.js';
import { deliveredCodeErrors, type GeneratedCode } from '../otp/otp.service.js';
import { normaliseUsername } from '../vocabulary/username.js';
import type { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import type { addDeviceTypes } from '../devices/devices.graphql.js';
import { rememberDeviceArgs } from '../devices/devices.graphql.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    verification: VerificationService;
  }
}

const statuses: Record<CodeStatus, string> = {
  SENDING: 'Being delivered; not usable yet.',
  ACTIVE: 'Delivered and waiting to be verified.',
  USED: 'Verified; cannot be used again.',
  SUPERSEDED: 'Replaced by a newer code.',
  FAILED: 'Delivery failed; the code was never usable.',
};

/** The one-time code types; returns the `Channel` enum, which DeliveryFailedError uses too, and the verify payload verifyPasskey shares. */
export function addOtpTypes(
  builder: Builder,
  db: PrismaReads,
  { AssuranceLevel, RememberedDevice }: Pick<ReturnType<typeof addAssuranceTypes>, 'AssuranceLevel'> & ReturnType<typeof addDeviceTypes>,
) {
  const OtpStatus = builder.enumType('OtpStatus', {
    description: 'Where a delivered code is in its life.',
    values: Object.fromEntries(Object.entries(statuses).map(([k, description]) => [k, { description }])) as Record<
      CodeStatus,
      { description: string }
    >,
  });
  const Channel = builder.enumType('Channel', {
    description: 'The channel a code went out on.',
    values: {
      EMAIL: { description: 'Email.' },
      SMS: { description: 'Text message.' },
      WHATSAPP: { description: 'WhatsApp message.' },
      VOICE: { description: 'A phone call that reads the code out.' },
      AUTO: {
        description:
          'Only as generateOtp’s `channel`: the user’s first channel that has not failed them lately (the same as no channel). Never a code’s channel.',
      },
    },
  });
  const asChannel = (value: string): ChannelName => channels.find((channel) => channel === value) ?? 'EMAIL';
  const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
    description: 'What the provider last reported of a code’s delivery; it only moves forward.',
    values: {
      QUEUED: { description: 'Accepted by the provider, not yet handed on.' },
      SENT: { description: 'Handed on: to the carrier (SMS, WhatsApp), ringing (voice), or accepted by the SMTP server (email, whose story ends here).' },
      DELIVERED: { description: 'The carrier confirmed delivery to the phone (WhatsApp: delivered or read), or the call was answered.' },
      UNDELIVERED: { description: 'The carrier could not deliver it, or the call was busy, unanswered or canceled.' },
      FAILED: { description: 'The provider could not send it (or refused it at once).' },
    } satisfies Record<DeliveryStatus, { description: string }>,
  });
  const ChannelReasonEnum = builder.enumType('ChannelReason', {
    description: 'Why a code went by the channel it went by.',
    values: {
      REQUESTED: { description: 'The caller named the channel.' },
      PREFERRED: { description: 'The user’s first reachable channel.' },
      FALLBACK_UNDELIVERED: { description: 'The channel before it in the user’s order failed their last code there (refused, undelivered or failed).' },
      FALLBACK_NO_RECEIPT: { description: 'The channel before it had no delivery receipt for their last code within DELIVERY_FALLBACK_SECONDS.' },
      ALL_FAILED: { description: 'Every channel failed the user lately, so the first is tried again.' },
    } satisfies Record<ChannelReason, { description: string }>,
  });

  builder.prismaNode('OtpLog', {
    description: 'One delivered code: its channel, state and timestamps. The code itself is never stored.',
    authScopes: { 'logs:read': true },
    // node(id:) answers null for an id that names no row, as Relay expects, not an error.
    nullable: true,
    id: { field: 'id', description: 'Global (Relay) identifier.' },
    fields: (t) => ({
      user: t.relation('user', { description: 'Whose code it is.', authScopes: { 'users:read': true } }),
      channel: t.field({ type: Channel, description: 'EMAIL, SMS, WHATSAPP or VOICE.', resolve: (log) => asChannel(log.channel) }),
      destination: t.exposeString('destination', { description: 'Where it went, masked.' }),
      status: t.field({ type: OtpStatus, description: 'Its state.', resolve: (log) => log.status as CodeStatus }),
      deliveryStatus: t.field({
        type: DeliveryStatusEnum,
        nullable: true,
        description: 'What the provider reported of its delivery (Twilio status callbacks, the SMTP server’s answer); null before the provider took it.',
        resolve: (log) => deliveryStatuses.find((status) => status === log.deliveryStatus) ?? null,
      }),
      deliveryErrorCode: t.exposeString('deliveryErrorCode', {
        nullable: true,
        description: 'With UNDELIVERED or FAILED: the provider’s error code (Twilio’s ErrorCode, e.g. 30003; an SMTP reply code).',
      }),
      deliveryUpdatedAt: t.expose('deliveryUpdatedAt', { type: 'DateTime', nullable: true, description: 'When the provider last reported on it.' }),
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
      channelReason: t.field({ type: ChannelReasonEnum, description: 'Why by this channel.', resolve: (p) => p.channelReason }),
      fallbackFrom: t.field({
        type: Channel,
        nullable: true,
        description: 'For a fallback: the channel passed over just before this one.',
        resolve: (p) => p.fallbackFrom,
      }),
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
      method: t.exposeString('method', { description: 'How the user proved it: otp (a delivered code), totp (an authenticator app), recovery or passkey.' }),
      assurance: t.field({
        type: AssuranceLevel,
        description: 'What the proof reaches: the result token’s `acr` (docs/assurance.md).',
        resolve: (p) => p.assurance,
      }),
      amr: t.exposeStringList('amr', { description: 'How the proof was made: the result token’s `amr` (RFC 8176 values and ours, docs/assurance.md).' }),
      device: t.field({
        type: RememberedDevice,
        nullable: true,
        description: 'The device remembered (rememberDevice), or checked (verifyDevice); null otherwise.',
        resolve: (p) => p.device ?? null,
      }),
      deviceToken: t.string({
        nullable: true,
        description: 'The remembered device’s token, given this once (rememberDevice only): opaque, 256 random bits, kept by the service only as a hash.',
        resolve: (p) => p.deviceToken ?? null,
      }),
      verifiedAt: t.expose('verifiedAt', { type: 'DateTime', description: 'When.' }),
      token: t.exposeString('token', {
        description:
          'The result token: a JWT signed under RESULT_TOKEN_ALGORITHM (ES256 by default; the public keys at ' +
          '/.well-known/jwks.json), valid RESULT_TOKEN_TTL_SECONDS (5 minutes), with `iss` "fountainai-2fa", `sub` the ' +
          'username, `acr` the level and `amr` the method and channel (docs/assurance.md), `iat`, `auth_time` (when the ' +
          'factor was presented), `exp`, `jti`, `ctx` = base64url(SHA-256(context)) when a ' +
          'context was given and `aud` when an audience was. Any service can check it offline with the JWKS.',
      }),
    }),
  });

  builder.mutationFields((t) => ({
    generateOtp: t.field({
      type: GenerateOtpPayload,
      description:
        'Generates a code for the user and delivers it by `channel` when given; else (or with AUTO) by the user’s first ' +
        'channel that has not failed them lately (channelReason says why). A failed delivery leaves no usable code.',
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
          PrefixBlockedError,
          ContextTooLongForSmsError,
          InsufficientAssuranceError,
          ValidationFailedError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Whose code.' }),
        channel: t.arg({
          type: Channel,
          required: false,
          description:
            'Send by this channel (the user must have its destination); AUTO or none: the user’s first channel that has not ' +
            'failed them lately.',
        }),
        context: t.arg.string({
          required: false,
          description:
            'The action the code approves, one line (e.g. "Pay 42.00 EUR to ACME GmbH"), shown to the user with the code. ' +
            'The code is then accepted only with the same `context` in verifyOtp, and the result token carries `ctx` = ' +
            'base64url(SHA-256(context)). By SMS the message must stay one segment: a long context is refused ' +
            '(ContextTooLongForSmsError) before anything is sent.',
        }),
        minimumAssurance: t.arg({
          type: AssuranceLevel,
          required: false,
          description: 
            'The least the code must reach. A channel below it (email for AAL2_RESTRICTED and above, SMS for AAL2 and ' +
            'above) is refused with InsufficientAssuranceError before anything is sent, listing the user’s factors that ' +
            'would do. Absent: any channel.',
        }),
      },
      authScopes: (_root, args) => ({ 'otp:generate': true, selfUser: args.username }),
      resolve: async (_root, args, ctx) => ({
        ...(await ctx.services.verification.generate(args.username, ctx.call, {
          channel: args.channel ?? undefined,
          actionContext: args.context ?? undefined,
          minimumAssurance: args.minimumAssurance ?? undefined,
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
          ...guessRefusals,
          ...deliveredCodeErrors,
          CodeReplayedError,
          InsufficientAssuranceError,
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
        minimumAssurance: t.arg({
          type: AssuranceLevel,
          required: false,
          description: 
            'The least the proof must reach. Methods below it are not judged: a recovery code, the app or the pending ' +
            'delivered code (by its channel) that cannot reach it is refused with InsufficientAssuranceError before any ' +
            'guess is taken, listing the user’s factors that would do. Absent: any method.',
        }),
        ...rememberDeviceArgs(t),
      },
      authScopes: (_root, args) => ({ 'otp:verify': true, selfUser: args.username }),
      resolve: (_root, args, ctx) =>
        ctx.services.verification.verify(args.username, args.code, ctx.call, {
          actionContext: args.context ?? undefined,
          audience: args.audience ?? undefined,
          minimumAssurance: args.minimumAssurance ?? undefined,
          rememberDevice: args.rememberDevice ? { name: args.deviceName } : undefined,
        }),
    }),
  }));
  return { Channel, VerifyOtpPayload };
}
