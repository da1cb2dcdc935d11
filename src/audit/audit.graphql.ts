import type { PrismaReads } from '../db/client.js';
import { ownedBy, type Builder } from '../schema-builder/builder.js';
import type { AuditEventName, AuditOutcome } from './audit.service.js';
import { normaliseUsername } from '../vocabulary/username.js';

const events: Record<AuditEventName, string> = {
  OTP_GENERATE: 'A code was asked for (generateOtp, POST /auth/generate).',
  OTP_VERIFY: 'A code was checked (verifyOtp, POST /auth/verify), by whichever method.',
  TOTP_ENROLL: 'An authenticator-app enrolment was started.',
  TOTP_CONFIRM: 'An authenticator-app enrolment was confirmed with a first code.',
  RECOVERY_CODES_GENERATE: 'A new set of recovery codes was issued, replacing any earlier set.',
  RECOVERY_CODE_USE: 'A recovery code was used.',
  THROTTLE: 'A send throttle refused a request (resend interval, hourly cap, SMS limits).',
  LOCKOUT: 'Too many consecutive failed verifications locked the user.',
  SUSPENSION: 'MAX_CONSECUTIVE_FAILURES failed verifications in a row suspended the user’s second factors until an operator reinstates them.',
  TWO_FACTOR_REINSTATE: 'An operator reinstated a user’s second factors: the suspension, the lock and the failure counts were cleared.',
  KEY_ROTATION: 'Stored secrets were re-encrypted under the newest key.',
  SIGNING_KEY_ROTATION: 'A new result-token signing key became active; the previous one stays in the JWKS until its tokens expire.',
  USER_CREATE: 'A user was created.',
  USER_UPDATE: 'A user was changed.',
  USER_DELETE: 'A user was erased.',
  TWO_FACTOR_DISABLE: 'Two-factor authentication was switched off for a user.',
  PASSKEY_REGISTER: 'A passkey registration was finished (or refused); its use is an OTP_VERIFY with method passkey.',
  PASSKEY_RENAME: 'A passkey was renamed.',
  PASSKEY_REMOVE: 'A passkey was removed.',
  DEVICE_REVOKE: 'A remembered device (or all of the user’s) was revoked.',
  WEBHOOK_ENDPOINT_CREATE: 'A webhook endpoint was added.',
  WEBHOOK_ENDPOINT_UPDATE: 'A webhook endpoint was changed.',
  WEBHOOK_ENDPOINT_DELETE: 'A webhook endpoint was deleted, with its deliveries.',
  WEBHOOK_SECRET_ROTATE: 'A webhook endpoint’s signing secret was replaced; the old one signs too until its grace period ends.',
  WEBHOOK_ENDPOINT_DISABLE: 'A webhook endpoint was disabled: by a caller, or by the dispatcher after it failed for the whole retry schedule (reason FAILING).',
  DELIVERY_QUEUED: 'The provider’s receipt for a code: queued with the provider.',
  DELIVERY_SENT: 'The provider’s receipt for a code: handed on to the carrier (or the call is ringing).',
  DELIVERY_DELIVERED: 'The provider’s receipt for a code: delivered to the phone (or the call was answered).',
  DELIVERY_UNDELIVERED: 'The provider’s receipt for a code: the carrier could not deliver it (or the call was not answered); delivery.failed was emitted.',
  DELIVERY_FAILED: 'The provider’s receipt for a code: the provider could not send it; delivery.failed was emitted.',
  PREFIX_BLOCK: 'The SMS-pumping defence blocked a number range (`reason`) for its low verification rate; prefix.blocked was emitted.',
  PREFIX_UNBLOCK: 'An operator lifted the block of a number range (`reason`) before it expired.',
};

const outcomes: Record<AuditOutcome, string> = {
  SUCCESS: 'It happened.',
  FAILURE: 'A wrong guess: a code, an app code or a recovery code that did not match, or a passkey answer that failed a check.',
  REFUSED: 'A rule refused it before any guess was judged (no such user, throttled, locked, no scope).',
};

const describe = <K extends string>(descriptions: Record<K, string>) =>
  Object.fromEntries(Object.entries(descriptions).map(([value, description]) => [value, { description }])) as Record<
    K,
    { description: string }
  >;

/** The audit trail, read-only, for callers with `logs:read`. */
export function addAuditTypes(builder: Builder, db: PrismaReads) {
  const AuditEventType = builder.enumType('AuditEventType', {
    description: 'What an audit event records.',
    values: describe(events),
  });
  const AuditOutcomeEnum = builder.enumType('AuditOutcome', {
    description: 'How an audited request ended.',
    values: describe(outcomes),
  });
  const isEvent = (value: string): value is AuditEventName => value in events;
  const isOutcome = (value: string): value is AuditOutcome => value in outcomes;

  builder.prismaNode('AuditEvent', {
    description:
      'One entry of the audit trail: who (the calling service, from where) asked for what about which user, and ' +
      'how it ended. Entries never hold a code, a secret or a token.',
    // A `self` token reads the events about its own user (User.auditEvents), never the trail.
    authScopes: ownedBy({ 'logs:read': true }, (row: { userId: number | null }) => row.userId),
    // node(id:) answers null for an id that names no row, as Relay expects, not an error.
    nullable: true,
    id: { field: 'id', description: 'Global (Relay) identifier.' },
    fields: (t) => ({
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it happened.' }),
      event: t.field({
        type: AuditEventType,
        description: 'What happened.',
        // Every writer names its event from the same list, so an unknown value is a bug worth seeing.
        resolve: (row) => {
          if (!isEvent(row.event)) throw new Error(`audit: unknown event ${row.event}`);
          return row.event;
        },
      }),
      outcome: t.field({
        type: AuditOutcomeEnum,
        description: 'How it ended.',
        resolve: (row) => {
          if (!isOutcome(row.outcome)) throw new Error(`audit: unknown outcome ${row.outcome}`);
          return row.outcome;
        },
      }),
      reason: t.exposeString('reason', {
        nullable: true,
        description: 'Why it did not succeed: an error code (`ErrorCode`, e.g. INVALID_CODE, USER_LOCKED); null on success.',
      }),
      method: t.exposeString('method', {
        nullable: true,
        description: 'For verifications: how the user proved it (otp, totp or recovery).',
      }),
      channel: t.exposeString('channel', { nullable: true, description: 'For deliveries: EMAIL or SMS.' }),
      user: t.relation('user', {
        nullable: true,
        description: 'The user it was about, while the user exists (reading it needs users:read).',
        authScopes: (row) => ({ 'users:read': true, selfUserId: row.userId }),
      }),
      username: t.exposeString('username', {
        nullable: true,
        description: 'The username asked for, kept as it was given (also when no such user exists); at most 256 characters.',
      }),
      caller: t.exposeString('caller', {
        nullable: true,
        description: 'The calling service: its bearer token’s `sub`; null for an anonymous legacy caller.',
      }),
      ip: t.exposeString('ip', { nullable: true, description: 'The address the request came from.' }),
      userAgent: t.exposeString('userAgent', { nullable: true, description: 'The request’s User-Agent (first 512 characters).' }),
      requestId: t.exposeString('requestId', {
        nullable: true,
        description: 'The request id (`x-request-id`), as on the service’s log lines for the same request.',
      }),
    }),
  });

  builder.prismaObjectFields('User', (t) => ({
    auditEvents: t.relatedConnection('auditEvents', {
      description: 'The audit trail’s events about the user, newest first (scope logs:read, or the user’s own `self` token).',
      authScopes: (user) => ({ 'logs:read': true, selfUserId: user.id }),
      cursor: 'id',
      query: { orderBy: { id: 'desc' } },
    }),
  }));

  builder.queryFields((t) => ({
    auditEvents: t.prismaConnection({
      type: 'AuditEvent',
      cursor: 'id',
      description: 'The audit trail, newest first, optionally narrowed to one user, event, outcome or time span.',
      args: {
        username: t.arg.string({ required: false, description: 'Only events about this username.' }),
        event: t.arg({ type: AuditEventType, required: false, description: 'Only this kind of event.' }),
        outcome: t.arg({ type: AuditOutcomeEnum, required: false, description: 'Only events that ended this way.' }),
        since: t.arg({ type: 'DateTime', required: false, description: 'Only events at or after this time.' }),
        until: t.arg({ type: 'DateTime', required: false, description: 'Only events before this time.' }),
      },
      authScopes: { 'logs:read': true },
      resolve: (query, _root, args) =>
        db.auditEvent.findMany({
          ...query,
          where: {
            ...(args.username ? { username: normaliseUsername(args.username) } : {}),
            ...(args.event ? { event: args.event } : {}),
            ...(args.outcome ? { outcome: args.outcome } : {}),
            ...(args.since || args.until
              ? { createdAt: { ...(args.since ? { gte: args.since } : {}), ...(args.until ? { lt: args.until } : {}) } }
              : {}),
          },
          orderBy: { id: 'desc' },
        }),
    }),
  }));
}
