import {
  UsernameConfusableError,
  UsernameTakenError,
  UserNotFoundError,
  ValidationFailedError,
} from '../errors/errors.js';
import { mutationResult, ownedBy, type Builder } from '../schema-builder/builder.js';
import type { PrismaReads, DbProvider } from '../db/client.js';
import { startsWithFilter } from '../db/prefix-filter.js';
import { channels, type Channel } from '../vocabulary/channel.js';
import { normaliseUsername } from '../vocabulary/username.js';
import type { UsersService } from './users.service.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    users: UsersService;
  }
}

export function addUserTypes(builder: Builder, db: PrismaReads, provider: DbProvider) {
  const DeliveryMethod = builder.enumType('DeliveryMethod', {
    description: 'How a user receives delivered codes.',
    values: {
      EMAIL: { description: 'By email, over SMTP.' },
      SMS: { description: 'By text message.' },
      WHATSAPP: { description: 'By WhatsApp message (TWILIO_WHATSAPP_FROM).' },
      VOICE: { description: 'By a phone call that reads the code out (TWILIO_PHONE_NUMBER).' },
    },
  });
  const asChannel = (value: string): Channel => (channels.includes(value as Channel) ? (value as Channel) : 'EMAIL');

  builder.prismaNode('User', {
    description: 'A person who receives one-time codes.',
    // Wherever a user is reached (a query, node(id:), a code's or an audit event's user, the
    // gateway's _entities), reading it needs users:read; the caller of a mutation that returns
    // it (users:write) reads it too, but not its contact details or codes; a `self` token reads
    // its own user.
    authScopes: ownedBy({ 'users:read': true, $granted: mutationResult }, (user: { id: number }) => user.id),
    // node(id:) answers null for an id that names no row, as Relay expects, not an error.
    nullable: true,
    id: { field: 'id', description: 'Global (Relay) identifier.' },
    fields: (t) => ({
      username: t.exposeString('username', { description: 'Unique name the calling services know the user by.' }),
      // Contact details need users:read even in a mutation's result.
      email: t.expose('email', {
        type: 'EmailAddress',
        nullable: true,
        description: 'Destination for EMAIL codes.',
        authScopes: (user) => ({ 'users:read': true, selfUserId: user.id }),
      }),
      phoneNumber: t.expose('phoneNumber', {
        type: 'PhoneNumber',
        nullable: true,
        authScopes: (user) => ({ 'users:read': true, selfUserId: user.id }),
        description: 'Destination for SMS codes, in E.164 form.',
      }),
      deliveryMethod: t.field({
        type: DeliveryMethod,
        description: 'Where generateOtp sends codes.',
        resolve: (user) => asChannel(user.deliveryMethod),
      }),
      channelOrder: t.field({
        type: [DeliveryMethod],
        description:
          'The channels a code goes by when the caller names none, in order: the user’s own order (set with channelOrder) or ' +
          'the default (the delivery method, then SMS, WhatsApp, voice, email), only those the service is configured for and ' +
          'the user has a destination for. A channel that failed the user lately is skipped (see generateOtp’s channelReason).',
        select: { email: true, phoneNumber: true, deliveryMethod: true, channelOrder: true },
        resolve: (user, _args, ctx) => ctx.services.users.reachableBy(user),
      }),
      locale: t.exposeString('locale', { description: 'Language of the messages sent: en, de, fr, es, pt or it, optionally with a region (pt-BR); a region without its own texts falls back to its language.' }),
      otpEnabled: t.exposeBoolean('otpEnabled', { description: 'Whether codes may be generated for the user.' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the user was created.' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When the user last changed.' }),
      totpEnabled: t.boolean({
        description: 'Whether an authenticator app is active (enrolled and confirmed).',
        select: { totpSecret: true, totpEnabledAt: true },
        resolve: (user) => user.totpSecret !== null && user.totpEnabledAt !== null,
      }),
      recoveryCodesLeft: t.int({
        description: 'Unused recovery codes.',
        resolve: (user, _args, ctx) => ctx.services.recovery.remaining(user.id),
      }),
      lockedUntil: t.field({
        type: 'DateTime',
        nullable: true,
        description: 'While the user is locked after too many failed verifications: when the lock ends; else null.',
        select: { lockedUntil: true },
        resolve: (user, _args, ctx) => (user.lockedUntil && user.lockedUntil > ctx.now() ? user.lockedUntil : null),
      }),
      suspendedAt: t.expose('suspendedAt', {
        type: 'DateTime',
        nullable: true,
        description:
          'When MAX_CONSECUTIVE_FAILURES failed verifications in a row suspended the user’s second factors ' +
          '(every verify and generate is refused until reinstateTwoFactor); null while not suspended.',
      }),
      consecutiveFailures: t.exposeInt('consecutiveFailures', {
        description: 'Failed verifications in a row, across lock windows; a success or reinstateTwoFactor resets it.',
      }),
      logs: t.relatedConnection('otpLogs', {
        description: 'Codes delivered to the user, newest first.',
        authScopes: { 'logs:read': true },
        cursor: 'id',
        query: { orderBy: { id: 'desc' } },
      }),
    }),
  });

  builder.queryFields((t) => ({
    user: t.prismaField({
      type: 'User',
      nullable: true,
      description: 'A user by username, or null when there is none.',
      args: { username: t.arg.string({ required: true, description: 'The username.' }) },
      authScopes: (_root, args) => ({ 'users:read': true, selfUser: args.username }),
      resolve: (query, _root, args) => db.user.findUnique({ ...query, where: { username: normaliseUsername(args.username) } }),
    }),
    users: t.prismaConnection({
      type: 'User',
      cursor: 'id',
      description: 'All users, oldest first, optionally those whose username starts with a prefix.',
      args: { usernamePrefix: t.arg.string({ required: false, description: 'Only usernames that start with this.' }) },
      authScopes: { 'users:read': true },
      resolve: (query, _root, args) =>
        db.user.findMany({
          ...query,
          where: args.usernamePrefix ? { username: startsWithFilter(provider, normaliseUsername(args.usernamePrefix)) } : undefined,
          orderBy: { id: 'asc' },
        }),
    }),
  }));


  const CreateUserInput = builder.inputType('CreateUserInput', {
    description: 'A new user.',
    fields: (t) => ({
      username: t.string({ required: true, description: 'Unique, 1 to 100 characters.' }),
      email: t.field({ type: 'EmailAddress', required: false, description: 'Destination for EMAIL codes.' }),
      phoneNumber: t.field({ type: 'PhoneNumber', required: false, description: 'Destination for SMS codes (E.164).' }),
      deliveryMethod: t.field({
        type: DeliveryMethod,
        required: false,
        description: 'Defaults to EMAIL, or SMS when only a phone number is given.',
      }),
      channelOrder: t.field({
        type: [DeliveryMethod],
        required: false,
        description: 'The user’s own order of channels for codes; each needs its destination. Default: the delivery method, then SMS, WhatsApp, voice, email.',
      }),
      locale: t.string({ required: false, description: 'en (default), de, fr, es, pt or it, optionally with a region (e.g. pt-BR).' }),
      otpEnabled: t.boolean({ required: false, defaultValue: true, description: 'Defaults to true.' }),
    }),
  });

  const UpdateUserInput = builder.inputType('UpdateUserInput', {
    description: 'Changes to a user: fields left out keep their value, null clears email or phoneNumber.',
    fields: (t) => ({
      username: t.string({ required: true, description: 'Which user to change.' }),
      email: t.field({ type: 'EmailAddress', required: false, description: 'New email address, or null.' }),
      phoneNumber: t.field({ type: 'PhoneNumber', required: false, description: 'New phone number, or null.' }),
      deliveryMethod: t.field({ type: DeliveryMethod, required: false, description: 'New delivery method.' }),
      channelOrder: t.field({
        type: [DeliveryMethod],
        required: false,
        description: 'A new order of channels for codes (each needs its destination), or null for the default.',
      }),
      locale: t.string({ required: false, description: 'en, de, fr, es, pt or it, optionally with a region (e.g. pt-BR).' }),
      otpEnabled: t.boolean({ required: false, description: 'Switch code generation on or off.' }),
    }),
  });

  const DeleteUserPayload = builder.objectRef<{ pseudonym: string }>('DeleteUserPayload').implement({
    description: 'The user was erased.',
    fields: (t) => ({
      pseudonym: t.exposeString('pseudonym', { description: 'What the audit trail calls the erased user from now on.' }),
    }),
  });

  builder.mutationFields((t) => ({
    createUser: t.prismaField({
      type: 'User',
      description: 'Creates a user who can then receive codes.',
      errors: { types: [ValidationFailedError, UsernameTakenError, UsernameConfusableError] },
      authScopes: { 'users:write': true },
      args: { input: t.arg({ type: CreateUserInput, required: true, description: 'The new user.' }) },
      resolve: (_query, _root, { input }, ctx) => ctx.services.users.create(input, ctx.call),
    }),
    updateUser: t.prismaField({
      type: 'User',
      description: 'Changes a user.',
      errors: { types: [ValidationFailedError, UserNotFoundError] },
      authScopes: { 'users:write': true },
      args: { input: t.arg({ type: UpdateUserInput, required: true, description: 'Which user, and what to change.' }) },
      resolve: (_query, _root, { input }, ctx) => ctx.services.users.update(input, ctx.call),
    }),
    disableTwoFactor: t.prismaField({
      type: 'User',
      description:
        'Switches two-factor authentication off for the user: pending codes stop working, and the ' +
        'authenticator app, recovery codes and passkeys are removed.',
      errors: { types: [UserNotFoundError] },
      authScopes: { 'users:write': true },
      args: { username: t.arg.string({ required: true, description: 'Whose two-factor authentication.' }) },
      resolve: (_query, _root, args, ctx) => ctx.services.users.disableTwoFactor(args.username, ctx.call),
    }),
    reinstateTwoFactor: t.prismaField({
      type: 'User',
      description:
        'Lifts the suspension that MAX_CONSECUTIVE_FAILURES failed verifications in a row put on the user’s ' +
        'second factors, with any lock and both failure counts. Audited as TWO_FACTOR_REINSTATE.',
      errors: { types: [UserNotFoundError] },
      authScopes: { 'users:write': true },
      args: { username: t.arg.string({ required: true, description: 'Whose second factors.' }) },
      resolve: (_query, _root, args, ctx) => ctx.services.users.reinstateTwoFactor(args.username, ctx.call),
    }),
    deleteUser: t.field({
      type: DeleteUserPayload,
      description:
        'Erases the user: destinations, secrets, codes and recovery codes are deleted; the audit trail is ' +
        'kept, with the username replaced by a pseudonym.',
      errors: { types: [UserNotFoundError] },
      authScopes: { 'users:write': true },
      args: { username: t.arg.string({ required: true, description: 'Who to erase.' }) },
      resolve: (_root, args, ctx) => ctx.services.users.erase(args.username, ctx.call),
    }),
  }));
}
