import {
  FreshVerificationRequiredError,
  InsufficientAssuranceError,
  NoPasskeyError,
  PasskeyAlreadyRegisteredError,
  PasskeyCounterRegressedError,
  PasskeyNotFoundError,
  PasskeysNotConfiguredError,
  PasskeyUnknownCredentialError,
  TwoFactorDisabledError,
  TwoFactorSuspendedError,
  UserNotFoundError,
  ValidationFailedError,
} from '../errors/errors.js';
import { mutationResult, ownedBy, type Builder } from '../schema-builder/builder.js';
import type { addOtpTypes } from '../verification/otp.graphql.js';
import type { addAssuranceTypes } from '../schema-builder/assurance.graphql.js';
import { factorLevel, type FactorKind as FactorKindName } from '../vocabulary/assurance.js';
import { answerErrors, type PasskeyOptions, type PasskeysService } from './passkeys.service.js';
import { rememberDeviceArgs } from '../devices/devices.graphql.js';
import { guessRefusals } from '../throttle/guess-budget.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    passkeys: PasskeysService;
  }
}



/** Passkeys (WebAuthn): the two ceremonies as four mutations, the user's passkeys and factors, rename and remove. */
export function addPasskeyTypes(
  builder: Builder,
  { VerifyOtpPayload, AssuranceLevel, FactorKind }: Pick<ReturnType<typeof addOtpTypes>, 'VerifyOtpPayload'> & ReturnType<typeof addAssuranceTypes>,
) {
  const PasskeyRef = builder.prismaNode('Passkey', {
    description:
      'A passkey the user registered: a key pair on an authenticator (a phone, a laptop, a security key) whose ' +
      'public key the service keeps. Never holds anything secret.',
    // As User: reading it needs users:read, except for the caller of the mutation that returned it.
    authScopes: ownedBy({ 'users:read': true, $granted: mutationResult }, (passkey: { userId: number }) => passkey.userId),
    nullable: true,
    id: { field: 'id', description: 'Global (Relay) identifier; renamePasskey and removePasskey take it.' },
    fields: (t) => ({
      name: t.exposeString('name', { description: 'What the user calls it, e.g. "MacBook".' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered.' }),
      lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it last verified the user; null if never.' }),
      backedUp: t.exposeBoolean('backedUp', {
        description: 'Whether the authenticator says it is backed up (synced to the user’s other devices), as of its last use.',
      }),
      multiDevice: t.boolean({
        description: 'Whether it may be synced to other devices (a multi-device passkey) rather than bound to one authenticator.',
        resolve: (passkey) => passkey.deviceType === 'multiDevice',
      }),
      transports: t.stringList({
        description: 'How the browser reaches the authenticator, as the browser said at registration: internal, hybrid, usb, nfc, ble.',
        resolve: (passkey) => passkey.transports.split(',').filter(Boolean),
      }),
    }),
  });

  type PasskeyRow = typeof PasskeyRef.$inferType;
  interface Factor {
    kind: FactorKindName;
    /** for PASSKEY: which one */
    passkey: PasskeyRow | null;
  }

  const FactorRef = builder.objectRef<Factor>('Factor').implement({
    description: 'One second factor the user can verify with now.',
    fields: (t) => ({
      kind: t.field({ type: FactorKind, description: 'What it is.', resolve: (factor) => factor.kind }),
      assurance: t.field({
        type: AssuranceLevel,
        description: 'The most a proof with it reaches (a minimum at or below this admits it): docs/assurance.md.',
        resolve: (factor) => factorLevel[factor.kind],
      }),
      phishingResistant: t.boolean({
        description:
          'Whether a fake login page relaying what the user does cannot use it (NIST SP 800-63B rev 4 §3.2.5): true for passkeys only.',
        resolve: (factor) => factorLevel[factor.kind] === 'PHISHING_RESISTANT',
      }),
      name: t.string({ nullable: true, description: 'The passkey’s name; null for other kinds.', resolve: (factor) => factor.passkey?.name ?? null }),
      passkey: t.field({ type: PasskeyRef, nullable: true, description: 'The passkey; null for other kinds.', resolve: (factor) => factor.passkey }),
    }),
  });

  builder.prismaObjectFields('User', (t) => ({
    passkeys: t.relation('passkeys', {
      description: 'The user’s passkeys, oldest first.',
      query: { orderBy: { id: 'asc' } },
    }),
    factors: t.field({
      type: [FactorRef],
      description:
        'Every second factor the user can verify with now (none while two-factor authentication is off), each with ' +
        'whether it resists phishing: an AAL2 verifier must offer at least one that does (NIST SP 800-63B rev 4 §2.2.2).',
      select: {
        id: true,
        otpEnabled: true,
        email: true,
        phoneNumber: true,
        deliveryMethod: true,
        channelOrder: true,
        totpSecret: true,
        totpEnabledAt: true,
        passkeys: { orderBy: { id: 'asc' } },
      },
      resolve: async (user, _args, ctx) => {
        if (!user.otpEnabled) return [];
        const plain = (kind: FactorKindName): Factor => ({ kind, passkey: null });
        const factors: Factor[] = [];
        if (user.email) factors.push(plain('EMAIL_CODE'));
        if (user.phoneNumber) factors.push(plain('SMS_CODE'));
        // the default order names every channel, so this is what the service can reach the number by
        const reachable = ctx.services.users.reachableBy({ ...user, channelOrder: null });
        if (reachable.includes('WHATSAPP')) factors.push(plain('WHATSAPP_CODE'));
        if (reachable.includes('VOICE')) factors.push(plain('VOICE_CODE'));
        if (user.totpSecret !== null && user.totpEnabledAt !== null) factors.push(plain('AUTHENTICATOR_APP'));
        if ((await ctx.services.recovery.remaining(user.id)) > 0) factors.push(plain('RECOVERY_CODES'));
        for (const passkey of user.passkeys) factors.push({ kind: 'PASSKEY', passkey });
        return factors;
      },
    }),
  }));

  const optionsPayload = (name: string, description: string, optionsDescription: string) =>
    builder.objectRef<PasskeyOptions<unknown>>(name).implement({
      description,
      fields: (t) => ({
        options: t.field({ type: 'JSON', description: optionsDescription, resolve: (payload) => payload.options }),
      }),
    });
  const StartPasskeyRegistrationPayload = optionsPayload(
    'StartPasskeyRegistrationPayload',
    'A registration ceremony was started: hand `options` to the browser.',
    'PublicKeyCredentialCreationOptionsJSON: pass it to PublicKeyCredential.parseCreationOptionsFromJSON() and ' +
      'navigator.credentials.create({ publicKey }), or to @simplewebauthn/browser’s startRegistration({ optionsJSON }). ' +
      'Its challenge works once, within OTP_EXPIRATION_MINUTES.',
  );
  const StartPasskeyVerificationPayload = optionsPayload(
    'StartPasskeyVerificationPayload',
    'A verification ceremony was started: hand `options` to the browser.',
    'PublicKeyCredentialRequestOptionsJSON naming the user’s passkeys: pass it to ' +
      'PublicKeyCredential.parseRequestOptionsFromJSON() and navigator.credentials.get({ publicKey }), or to ' +
      '@simplewebauthn/browser’s startAuthentication({ optionsJSON }). Its challenge works once, within OTP_EXPIRATION_MINUTES.',
  );

  builder.mutationFields((t) => ({
    startPasskeyRegistration: t.field({
      type: StartPasskeyRegistrationPayload,
      description:
        'Starts registering a passkey for the user (scope users:write): the options for navigator.credentials.create(), ' +
        'with a new challenge. The browser’s answer goes to finishPasskeyRegistration. Refused while two-factor is off for the user.',
      errors: { types: [UserNotFoundError, TwoFactorDisabledError, PasskeysNotConfiguredError, FreshVerificationRequiredError] },
      args: { username: t.arg.string({ required: true, description: 'Whose passkey.' }) },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_root, args, ctx) => ctx.services.passkeys.startRegistration(args.username, ctx.call),
    }),
    finishPasskeyRegistration: t.prismaField({
      type: 'Passkey',
      description:
        'Finishes registering: checks the browser’s answer (RegistrationResponseJSON, what PublicKeyCredential.toJSON() ' +
        'gives) against the challenge, the origins and the RP id, and keeps the passkey (scope users:write). Audited as PASSKEY_REGISTER; ' +
        'raises factor.added.',
      errors: {
        types: [
          UserNotFoundError,
          TwoFactorDisabledError,
          PasskeysNotConfiguredError,
          ValidationFailedError,
          ...answerErrors,
          PasskeyAlreadyRegisteredError,
          FreshVerificationRequiredError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Whose passkey.' }),
        response: t.arg({ type: 'JSON', required: true, description: 'The browser’s answer: the credential’s toJSON().' }),
        name: t.arg.string({ required: false, description: 'What to call it, e.g. "MacBook" (at most 64 characters); "Passkey N" by default.' }),
      },
      authScopes: (_root, args) => ({ 'users:write': true, selfUser: args.username }),
      resolve: (_query, _root, args, ctx) => ctx.services.passkeys.finishRegistration(args.username, args.response, args.name, ctx.call),
    }),
    startPasskeyVerification: t.field({
      type: StartPasskeyVerificationPayload,
      description:
        'Starts verifying the user with a passkey (scope otp:generate): the options for navigator.credentials.get(), ' +
        'with a new challenge. The browser’s answer goes to verifyPasskey. With minimumAssurance PHISHING_RESISTANT the ' +
        'options require user verification.',
      errors: {
        types: [
          UserNotFoundError,
          TwoFactorDisabledError,
          TwoFactorSuspendedError,
          NoPasskeyError,
          PasskeysNotConfiguredError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Who is verifying.' }),
        minimumAssurance: t.arg({
          type: AssuranceLevel,
          required: false,
          description: 'The least the proof must reach: PHISHING_RESISTANT asks the authenticator to verify the user.',
        }),
      },
      authScopes: (_root, args) => ({ 'otp:generate': true, selfUser: args.username }),
      resolve: (_root, args, ctx) =>
        ctx.services.passkeys.startVerification(args.username, { minimumAssurance: args.minimumAssurance ?? undefined }),
    }),
    verifyPasskey: t.field({
      type: VerifyOtpPayload,
      description:
        'Checks the browser’s answer (AuthenticationResponseJSON) to startPasskeyVerification’s challenge (scope ' +
        'otp:verify). A success answers as verifyOtp does, with method passkey and a result token whose amr is ' +
        '["pop"], plus "user" when the authenticator verified the user. Every refusal that judged an answer counts ' +
        'as a guess towards the user’s lockout, as a wrong code does.',
      errors: {
        types: [
          ...guessRefusals,
          PasskeysNotConfiguredError,
          ...answerErrors,
          PasskeyUnknownCredentialError,
          PasskeyCounterRegressedError,
          InsufficientAssuranceError,
        ],
      },
      args: {
        username: t.arg.string({ required: true, description: 'Who is verifying.' }),
        response: t.arg({ type: 'JSON', required: true, description: 'The browser’s answer: the credential’s toJSON().' }),
        context: t.arg.string({
          required: false,
          description: 'The action the user is approving (one line): the result token carries `ctx` = base64url(SHA-256(context)).',
        }),
        audience: t.arg.string({ required: false, description: 'The service the result token is for: the token’s `aud`.' }),
        minimumAssurance: t.arg({
          type: AssuranceLevel,
          required: false,
          description:
            'The least the proof must reach. An assertion below it (PHISHING_RESISTANT, and the authenticator did not ' +
            'verify the user) is refused with InsufficientAssuranceError, spends no guess and is not accepted.',
        }),
        ...rememberDeviceArgs(t),
      },
      authScopes: (_root, args) => ({ 'otp:verify': true, selfUser: args.username }),
      resolve: (_root, args, ctx) =>
        ctx.services.passkeys.verify(args.username, args.response, ctx.call, {
          actionContext: args.context ?? undefined,
          audience: args.audience ?? undefined,
          minimumAssurance: args.minimumAssurance ?? undefined,
          rememberDevice: args.rememberDevice ? { name: args.deviceName } : undefined,
        }),
    }),
    renamePasskey: t.prismaField({
      type: 'Passkey',
      description: 'Renames one of the user’s passkeys (scope users:write). Audited as PASSKEY_RENAME.',
      errors: { types: [UserNotFoundError, PasskeyNotFoundError, ValidationFailedError] },
      args: {
        username: t.arg.string({ required: true, description: 'Whose passkey.' }),
        id: t.arg.globalID({ required: true, for: PasskeyRef, description: 'The passkey’s id.' }),
        name: t.arg.string({ required: true, description: 'The new name (at most 64 characters).' }),
      },
      authScopes: (_root, args) => ({ 'users:write': true, $all: { selfUser: args.username, selfPasskey: Number(args.id.id) } }),
      resolve: (_query, _root, args, ctx) => ctx.services.passkeys.rename(args.username, Number(args.id.id), args.name, ctx.call),
    }),
    removePasskey: t.prismaField({
      type: 'User',
      description:
        'Removes one of the user’s passkeys (scope users:write): it no longer verifies the user. Returns the user. ' +
        'Audited as PASSKEY_REMOVE; raises factor.removed.',
      errors: { types: [UserNotFoundError, PasskeyNotFoundError, FreshVerificationRequiredError] },
      args: {
        username: t.arg.string({ required: true, description: 'Whose passkey.' }),
        id: t.arg.globalID({ required: true, for: PasskeyRef, description: 'The passkey’s id.' }),
      },
      authScopes: (_root, args) => ({ 'users:write': true, $all: { selfUser: args.username, selfPasskey: Number(args.id.id) } }),
      resolve: (_query, _root, args, ctx) => ctx.services.passkeys.remove(args.username, Number(args.id.id), ctx.call),
    }),
  }));
}
