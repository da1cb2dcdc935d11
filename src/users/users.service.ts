import { z } from 'zod';
import { createHmac } from 'node:crypto';
import type { AuditEventName, AuditService } from '../audit/audit.service.js';
import type { CallContext } from '../auth/caller.js';
import { isUniqueViolation } from '../db/sql.js';
import { channels, type Channel } from '../vocabulary/channel.js';
import { reachableChannels } from '../delivery/channel-choice.js';
import { readPhoneNumber } from '../delivery/phone.js';
import { ACCEPTED_LOCALES_MESSAGE, isAcceptedLocale } from '../delivery/locales/index.js';
import { UserNotFoundError, UsernameConfusableError, UsernameTakenError, ValidationFailedError } from '../errors/errors.js';
import { hasInvisibleControls, INVISIBLE_CONTROLS_MESSAGE } from '../limits/input-limits.js';
import type { UsersStore } from './users.store.js';
import type { Clock } from '../clock/clock.js';
import { securityEvent } from '../events/events.js';
import { normaliseUsername, usernameKey } from '../vocabulary/username.js';

const username = z
  .string()
  .trim()
  .overwrite(normaliseUsername)
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  // named apart from other format characters: these are the ones that make a name look like another
  .refine((name) => !hasInvisibleControls(name), { error: INVISIBLE_CONTROLS_MESSAGE, abort: true })
  .regex(/^[^\p{Cc}\p{Cf}]*$/u, { error: 'must not contain control characters' });
const email = z.email({ error: 'must be an email address' }).max(254);
/**
 * A number that exists in its country's numbering plan, written internationally (spaces,
 * dashes and brackets allowed), stored in E.164: `+49 151 1234 5678` → `+4915112345678`.
 * Whether codes may go to it by SMS (country, premium rate) is decided at each send.
 */
const phoneNumber = z.string().transform(async (value, ctx) => {
  const read = await readPhoneNumber(value);
  if (read.valid) return read.e164;
  ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in international form, such as +4915112345678' });
  return z.NEVER;
});

const userFields = {
  email: email.nullish(),
  phoneNumber: phoneNumber.nullish(),
  deliveryMethod: z.enum(channels).nullish(),
  /** the channels to try, in order; null goes back to the default order */
  channelOrder: z
    .array(z.enum(channels))
    .min(1, { error: 'must name at least one channel' })
    .max(channels.length)
    .refine((order) => new Set(order).size === order.length, { error: 'must not name a channel twice' })
    .nullish(),
  locale: z.string().refine(isAcceptedLocale, { error: ACCEPTED_LOCALES_MESSAGE }).nullish(),
  otpEnabled: z.boolean().nullish(),
};

const createUserSchema = z.object({ username, ...userFields });
const updateUserSchema = z.object({ username, ...userFields });

export type CreateUserInput = z.input<typeof createUserSchema>;
export type UpdateUserInput = z.input<typeof updateUserSchema>;

export type UsersService = ReturnType<typeof createUsersService>;

export interface UsersServiceDeps {
  users: UsersStore;
  audit: AuditService;
  /** keys the pseudonym an erased user's audit events keep */
  secretKey: string;
  clock: Clock;
  /**
   * remembered devices, revoked when two-factor authentication is switched off (the devices
   * service's `revokeAllOf`: devices/ sits above users/, so its type is not imported)
   */
  devices?: { revokeAllOf(userId: number, username: string, reason: 'FACTOR_REMOVED' | 'TWO_FACTOR_DISABLED'): Promise<number> };
  /** whether the service can send a code by `channel` (delivery.ts) */
  channelConfigured?: (channel: Channel) => boolean;
}

export function createUsersService({ users, audit, secretKey, clock, devices, channelConfigured = () => true }: UsersServiceDeps) {
  /** The channels a code goes by for this user, in order: their own order or the default, only those the service and the user have. */
  function reachableBy(user: { email: string | null; phoneNumber: string | null; deliveryMethod: string; channelOrder: string | null }): Channel[] {
    return reachableChannels({ ...user, channelOrder: user.channelOrder?.split(',') ?? null }, channelConfigured);
  }

  async function create(input: CreateUserInput, context: CallContext) {
    const data = await parse(createUserSchema, input);
    const deliveryMethod = data.deliveryMethod ?? (!data.email && data.phoneNumber ? 'SMS' : 'EMAIL');
    // A user may be created before their destination is known; only an explicit
    // method without its destination is a mistake worth refusing.
    if (data.deliveryMethod) requireDestination(deliveryMethod, data.email, data.phoneNumber);
    for (const channel of data.channelOrder ?? []) requireDestination(channel, data.email, data.phoneNumber, 'channelOrder');
    let user;
    try {
      user = await users.create({
        username: data.username,
        usernameKey: usernameKey(data.username),
        email: data.email ?? null,
        phoneNumber: data.phoneNumber ?? null,
        deliveryMethod,
        channelOrder: data.channelOrder?.join(',') ?? null,
        locale: data.locale ?? 'en',
        otpEnabled: data.otpEnabled ?? true,
      });
    } catch (error) {
      // The exact name, or only its key (a name that looks the same): which index refused it.
      if (isUniqueViolation(error)) throw (await users.idOf(data.username)) === null ? new UsernameConfusableError() : new UsernameTakenError();
      throw error;
    }
    await audit.record({ event: 'USER_CREATE', outcome: 'SUCCESS', userId: user.id, username: user.username }, context);
    return user;
  }

  /** Changes the given fields; a field left out keeps its value, `null` clears it. */
  async function update(input: UpdateUserInput, context: CallContext) {
    const data = await parse(updateUserSchema, input);
    const current = await users.findByName(data.username);
    if (!current) throw new UserNotFoundError();
    const next = {
      email: data.email === undefined ? current.email : data.email,
      phoneNumber: data.phoneNumber === undefined ? current.phoneNumber : data.phoneNumber,
      deliveryMethod: data.deliveryMethod ?? current.deliveryMethod,
      channelOrder: data.channelOrder === undefined ? current.channelOrder : (data.channelOrder?.join(',') ?? null),
      locale: data.locale ?? current.locale,
      otpEnabled: data.otpEnabled ?? current.otpEnabled,
    };
    if (data.deliveryMethod || data.email === null || data.phoneNumber === null)
      requireDestination(next.deliveryMethod, next.email, next.phoneNumber);
    if (data.channelOrder || data.email === null || data.phoneNumber === null) {
      for (const channel of next.channelOrder?.split(',') ?? []) requireDestination(channel, next.email, next.phoneNumber, 'channelOrder');
    }
    const user = await users.update(current.id, next);
    // Switching two-factor off, or taking away a destination codes went to, revokes what remembered devices vouch for.
    const removed = (current.otpEnabled && !next.otpEnabled) || (current.email && !next.email) || (current.phoneNumber && !next.phoneNumber);
    if (removed) await devices?.revokeAllOf(user.id, user.username, next.otpEnabled ? 'FACTOR_REMOVED' : 'TWO_FACTOR_DISABLED');
    await audit.record({ event: 'USER_UPDATE', outcome: 'SUCCESS', userId: user.id, username: user.username }, context);
    return user;
  }

  /** An operator's change to a user's second factors, found by name and audited as `event`. */
  async function operate<T>(given: string, event: AuditEventName, context: CallContext, change: (userId: number) => Promise<T>): Promise<T> {
    const username = normaliseUsername(given);
    const userId = await users.idOf(username);
    if (userId === null) throw new UserNotFoundError();
    const user = await change(userId);
    await audit.record({ event, outcome: 'SUCCESS', userId, username }, context);
    return user;
  }

  /**
   * Switches two-factor authentication off: no code can be generated or verified, and the
   * authenticator app, pending codes and recovery codes are removed so that switching it on
   * again starts clean.
   */
  function disableTwoFactor(given: string, context: CallContext) {
    const username = normaliseUsername(given);
    return operate(username, 'TWO_FACTOR_DISABLE', context, async (userId) => {
      const user = await users.disableTwoFactor(userId, [
        securityEvent('factor.removed', userId, { username, method: 'two_factor', reason: 'TWO_FACTOR_DISABLED' }, clock.now()),
      ]);
      await devices?.revokeAllOf(userId, username, 'TWO_FACTOR_DISABLED');
      return user;
    });
  }

  /**
   * An operator lifts a suspension (after MAX_CONSECUTIVE_FAILURES failures in a row), and
   * with it any lock and both failure counts: the user starts again with a full guess budget.
   */
  function reinstateTwoFactor(username: string, context: CallContext) {
    return operate(username, 'TWO_FACTOR_REINSTATE', context, users.reinstate);
  }

  /**
   * Erasure: the user, their destinations, secrets, codes and recovery codes are deleted. The
   * audit trail stays, its rows stripped of the name and keyed to a pseudonym instead, so the
   * events of one erased user can still be told apart without saying who they were.
   */
  async function erase(given: string, context: CallContext): Promise<{ pseudonym: string }> {
    const username = normaliseUsername(given);
    const userId = await users.idOf(username);
    if (userId === null) throw new UserNotFoundError();
    const pseudonym = `erased:${createHmac('sha256', secretKey).update(`erasure:${username}`).digest('hex').slice(0, 16)}`;
    await users.erase(userId, pseudonym);
    await audit.record({ event: 'USER_DELETE', outcome: 'SUCCESS', username: pseudonym }, context);
    return { pseudonym };
  }

  /** A user's state for an operator (never a secret). */
  async function describe(username: string) {
    const user = await users.describe(normaliseUsername(username));
    if (!user) throw new UserNotFoundError();
    return user;
  }

  return { reachableBy, create, update, disableTwoFactor, reinstateTwoFactor, erase, describe };
}

async function parse<T extends z.ZodType>(schema: T, input: unknown): Promise<z.output<T>> {
  const result = await schema.safeParseAsync(input);
  if (!result.success) {
    throw new ValidationFailedError(
      result.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message })),
    );
  }
  return result.data;
}

function requireDestination(method: string, email?: string | null, phoneNumber?: string | null, field = 'deliveryMethod') {
  const when = `is required when ${field} ${field === 'deliveryMethod' ? 'is' : 'names'} ${method}`;
  if (method === 'EMAIL' && !email) throw new ValidationFailedError([{ path: ['email'], message: when }]);
  if (method !== 'EMAIL' && !phoneNumber) throw new ValidationFailedError([{ path: ['phoneNumber'], message: when }]);
}

