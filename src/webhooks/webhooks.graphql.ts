import { ValidationFailedError, WebhookEndpointNotFoundError, WebhookUrlRefusedError } from '../errors/errors.js';
import { eventTypes } from '../events/events.js';
import { encodeGlobalID, resolveCursorConnection } from '@pothos/plugin-relay';
import { PothosValidationError } from '@pothos/core';
import { decodeNodeGlobalId, mutationResult, type Builder } from '../schema-builder/builder.js';
import type { AttemptView, DeliveryView } from '../events/deliveries.store.js';
import type { WebhookEndpoint, WebhookEndpointWithSecret, WebhooksService } from './webhooks.service.js';

declare module '../schema-builder/context.js' {
  interface GraphQLServices {
    webhooks: WebhooksService;
  }
}

const eventDescriptions: Record<(typeof eventTypes)[number], string> = {
  'verification.approved': 'A verification succeeded (any method).',
  'verification.failed': 'A verification judged a wrong answer (it spent a guess).',
  'user.locked': 'Too many wrong answers locked the user for LOCKOUT_MINUTES.',
  'user.suspended': 'MAX_CONSECUTIVE_FAILURES wrong answers in a row suspended the user’s second factors.',
  'factor.added': 'A second factor was added: an authenticator app confirmed, recovery codes issued, a passkey registered.',
  'factor.removed': 'A second factor was removed, or two-factor authentication switched off.',
  'device.remembered': 'A verification asked to remember the device (rememberDevice): a security notice goes to the user.',
  'device.revoked': 'A remembered device was revoked (by the user, or when a factor was removed, two-factor switched off or the user suspended).',
  'recovery_code.used': 'A recovery code was used to verify.',
  'recovery_codes.low': 'Two or fewer unused recovery codes are left.',
  'delivery.failed': 'A code could not be delivered by email or SMS.',
  'prefix.blocked': 'A number range was blocked for its low verification rate (SMS pumping).',
};

/** Webhook endpoints (scope webhooks:write to manage, webhooks:read to read) and their deliveries. */
export function addWebhookTypes(builder: Builder) {
  const WebhookEventType = builder.enumType('WebhookEventType', {
    description: 'An event type an endpoint can receive (the CloudEvents `type`, with the dots and underscores shown as in docs/events.md).',
    values: Object.fromEntries(eventTypes.map((type) => [graphqlName(type), { value: type, description: eventDescriptions[type] }])),
  });

  const WebhookEndpointRef = builder.node(builder.objectRef<WebhookEndpoint>('WebhookEndpoint'), {
    description: 'Where events are posted (Standard Webhooks: signed with the endpoint’s secret; the body a CloudEvents 1.0 event). Never shows its secret.',
    id: { resolve: (endpoint) => endpoint.id },
    // node(id:) checks these before it loads (builder.ts); a mutation's caller sees what it wrote.
    authScopes: { 'webhooks:read': true, $granted: mutationResult },
    // A service has a handful of endpoints: one list read answers any ids.
    loadMany: async (ids, ctx) => {
      const endpoints = await ctx.services.webhooks.list();
      return ids.map((id) => endpoints.find((endpoint) => String(endpoint.id) === id) ?? null);
    },
    fields: (t) => ({
      url: t.exposeString('url', { description: 'Where events are POSTed.' }),
      description: t.exposeString('description', { description: 'What the endpoint is for, as its creator said.' }),
      events: t.field({ type: [WebhookEventType], description: 'The event types it receives.', resolve: (endpoint) => endpoint.events }),
      enabled: t.exposeBoolean('enabled', { description: 'Whether events are sent to it.' }),
      disabledAt: t.expose('disabledAt', { type: 'DateTime', nullable: true, description: 'When it was disabled.' }),
      disabledReason: t.exposeString('disabledReason', {
        nullable: true,
        description: 'DISABLED_BY_CALLER, or FAILING: every attempt failed for the whole retry schedule (WEBHOOK_RETRY_SCHEDULE).',
      }),
      previousSecretExpiresAt: t.expose('previousSecretExpiresAt', {
        type: 'DateTime',
        nullable: true,
        description: 'After a rotation: until when requests carry a signature by the previous secret too.',
      }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was added.' }),
      updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it was last changed.' }),
    }),
  });

  const WebhookEndpointSecretRef = builder.objectRef<WebhookEndpointWithSecret>('WebhookEndpointWithSecret').implement({
    description: 'An endpoint and its signing secret, shown this once: the service keeps it only encrypted and never returns it again.',
    fields: (t) => ({
      endpoint: t.field({ type: WebhookEndpointRef, description: 'The endpoint.', grantScopes: [mutationResult], resolve: (result) => result.endpoint }),
      secret: t.exposeString('secret', { description: 'The signing secret, `whsec_` and base64: give it to the receiver’s Standard Webhooks library.' }),
    }),
  });

  const WebhookAttemptRef = builder.objectRef<AttemptView>('WebhookAttempt').implement({
    description: 'One attempt of a delivery.',
    fields: (t) => ({
      attemptedAt: t.expose('attemptedAt', { type: 'DateTime', description: 'When it was made.' }),
      outcome: t.exposeString('outcome', { description: 'DELIVERED or FAILED.' }),
      responseCode: t.exposeInt('responseCode', { nullable: true, description: 'The HTTP status the endpoint answered, if it answered.' }),
      error: t.exposeString('error', { nullable: true, description: 'Why it failed.' }),
      nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'When the delivery was to be tried again after this failure; null after the last.' }),
    }),
  });

  const WebhookDeliveryRef = builder.node(builder.objectRef<DeliveryView>('WebhookDelivery'), {
    description: 'One event to one destination (an endpoint, or the user’s security notice), with its attempts so far.',
    id: { resolve: (delivery) => delivery.id },
    authScopes: { 'webhooks:read': true },
    loadOne: (id, ctx) => ctx.services.webhooks.delivery(Number(id)),
    fields: (t) => ({
      eventId: t.exposeString('eventId', { description: 'The event’s id: the CloudEvents `id` and the `webhook-id` header, the same on every retry.' }),
      eventType: t.exposeString('eventType', { description: 'The event’s type.' }),
      endpointId: t.id({
        nullable: true,
        description: 'The endpoint’s global id, or null for a notice to the user.',
        resolve: (delivery) => (delivery.endpointId === null ? null : endpointGlobalId(delivery.endpointId)),
      }),
      kind: t.exposeString('kind', { description: 'WEBHOOK or NOTICE.' }),
      status: t.exposeString('status', { description: 'PENDING (to be sent or retried), DELIVERED, or FAILED (every retry spent, or the destination gone).' }),
      attempts: t.exposeInt('attempts', { description: 'Attempts made.' }),
      responseCode: t.exposeInt('responseCode', { nullable: true, description: 'The HTTP status the endpoint answered the last attempt with, if it answered.' }),
      lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
      lastAttemptAt: t.expose('lastAttemptAt', { type: 'DateTime', nullable: true, description: 'When the last attempt was made.' }),
      nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'When it is tried next (PENDING only).' }),
      deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When it was accepted.' }),
      createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event was written.' }),
      history: t.field({ type: [WebhookAttemptRef], description: 'Every attempt, oldest first.', resolve: (delivery) => delivery.history }),
    }),
  });

  const DeleteWebhookEndpointPayload = builder.objectRef<{ deletedId: number }>('DeleteWebhookEndpointPayload').implement({
    description: 'The endpoint is gone, with its deliveries.',
    fields: (t) => ({ deletedId: t.id({ description: 'The global id it had.', resolve: (payload) => endpointGlobalId(payload.deletedId) }) }),
  });

  const CreateWebhookEndpointInput = builder.inputType('CreateWebhookEndpointInput', {
    description: 'A new endpoint.',
    fields: (t) => ({
      url: t.string({ required: true, description: 'Where to POST: https (in production, on a public address).' }),
      events: t.field({ type: [WebhookEventType], required: true, description: 'The event types it receives (at least one).' }),
      description: t.string({ description: 'What it is for.' }),
    }),
  });

  const UpdateWebhookEndpointInput = builder.inputType('UpdateWebhookEndpointInput', {
    description: 'Changes to an endpoint; what is left out stays as it is.',
    fields: (t) => ({
      id: t.id({ required: true, description: 'The endpoint’s global id.' }),
      url: t.string({ description: 'A new URL.' }),
      events: t.field({ type: [WebhookEventType], description: 'The new set of event types.' }),
      description: t.string({ description: 'A new description.' }),
      enabled: t.boolean({ description: 'false disables it; true enables it again and forgets its failures.' }),
    }),
  });

  const DeliveryStatus = builder.enumType('WebhookDeliveryStatus', {
    description: 'Where a delivery stands.',
    values: { PENDING: { description: 'To be sent or retried.' }, DELIVERED: { description: 'Accepted.' }, FAILED: { description: 'Given up.' } },
  });

  const writeErrors = [WebhookEndpointNotFoundError, WebhookUrlRefusedError, ValidationFailedError];
  // An endpoint's global id, as every object's: any other id names no endpoint.
  const idOf = (id: string | number) => {
    try {
      const decoded = decodeNodeGlobalId(String(id));
      if (decoded.typename === 'WebhookEndpoint') return Number(decoded.id);
    } catch {
      // not a global id: no endpoint has it
    }
    throw new WebhookEndpointNotFoundError();
  };

  builder.queryFields((t) => ({
    webhookEndpoints: t.field({
      type: [WebhookEndpointRef],
      description: 'Every webhook endpoint (scope webhooks:read).',
      authScopes: { 'webhooks:read': true },
      resolve: (_root, _args, ctx) => ctx.services.webhooks.list(),
    }),
    webhookDeliveries: t.connection({
      type: WebhookDeliveryRef,
      description: 'Deliveries, newest first (scope webhooks:read): of one endpoint, or of all with the users’ notices.',
      errors: { types: [WebhookEndpointNotFoundError] },
      args: {
        endpointId: t.arg.id({ description: 'Only this endpoint’s (its global id).' }),
        status: t.arg({ type: DeliveryStatus, description: 'Only those in this state.' }),
      },
      authScopes: { 'webhooks:read': true },
      resolve: (_root, args, ctx) =>
        resolveCursorConnection<Promise<DeliveryView[]>>(
          { args, toCursor: (delivery) => deliveryGlobalId(delivery.id) },
          // Newest first: `after` reads the older ids, `before` the newer, nearest the cursor first.
          ({ before, after, limit, inverted }) =>
            ctx.services.webhooks.deliveries({
              ...(args.endpointId != null ? { endpointId: idOf(args.endpointId) } : {}),
              ...(args.status ? { status: args.status } : {}),
              ...(after !== undefined ? { below: cursorId(after) } : {}),
              ...(before !== undefined ? { above: cursorId(before) } : {}),
              oldestFirst: inverted,
              limit,
            }),
        ),
    }),
  }));

  builder.mutationFields((t) => ({
    createWebhookEndpoint: t.field({
      type: WebhookEndpointSecretRef,
      description: 'Adds an endpoint (scope webhooks:write) and returns its signing secret, shown this once.',
      errors: { types: writeErrors },
      args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
      authScopes: { 'webhooks:write': true },
      resolve: (_root, { input }, ctx) => ctx.services.webhooks.create(input, ctx.call),
    }),
    updateWebhookEndpoint: t.field({
      type: WebhookEndpointRef,
      description: 'Changes an endpoint, or disables or enables it (scope webhooks:write).',
      errors: { types: writeErrors },
      args: { input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
      authScopes: { 'webhooks:write': true },
      resolve: (_root, { input }, ctx) => {
        const { id, ...changes } = input;
        return ctx.services.webhooks.update(idOf(id), changes, ctx.call);
      },
    }),
    disableWebhookEndpoint: t.field({
      type: WebhookEndpointRef,
      description: 'Stops sending to an endpoint (scope webhooks:write); events meanwhile are not kept for it.',
      errors: { types: writeErrors },
      args: { id: t.arg.id({ required: true, description: 'The endpoint’s global id.' }) },
      authScopes: { 'webhooks:write': true },
      resolve: (_root, args, ctx) => ctx.services.webhooks.update(idOf(args.id), { enabled: false }, ctx.call),
    }),
    deleteWebhookEndpoint: t.field({
      type: DeleteWebhookEndpointPayload,
      description: 'Deletes an endpoint and its deliveries (scope webhooks:write).',
      errors: { types: writeErrors },
      args: { id: t.arg.id({ required: true, description: 'The endpoint’s global id.' }) },
      authScopes: { 'webhooks:write': true },
      resolve: async (_root, args, ctx) => ({ deletedId: await ctx.services.webhooks.remove(idOf(args.id), ctx.call) }),
    }),
    rotateWebhookEndpointSecret: t.field({
      type: WebhookEndpointSecretRef,
      description:
        'Replaces an endpoint’s signing secret (scope webhooks:write) and returns the new one, shown this once. Requests carry ' +
        'signatures by both for WEBHOOK_SECRET_GRACE_HOURS, so the receiver can switch without missing one.',
      errors: { types: writeErrors },
      args: { id: t.arg.id({ required: true, description: 'The endpoint’s global id.' }) },
      authScopes: { 'webhooks:write': true },
      resolve: (_root, args, ctx) => ctx.services.webhooks.rotateSecret(idOf(args.id), ctx.call),
    }),
  }));
}

/** What an endpoint is called outside: its global id, as node(id:) takes it. */
function endpointGlobalId(id: number): string {
  return encodeGlobalID('WebhookEndpoint', id);
}

/** A delivery's global id, as node(id:) takes it and as its cursor in a page. */
function deliveryGlobalId(id: number): string {
  return encodeGlobalID('WebhookDelivery', id);
}

/** A page's cursor back to the delivery id it was made from. */
function cursorId(cursor: string): number {
  const decoded = decodeNodeGlobalId(cursor);
  if (decoded.typename !== 'WebhookDelivery') throw new PothosValidationError(`Invalid cursor: ${cursor}`);
  return Number(decoded.id);
}

/** `recovery_codes.low` → `RECOVERY_CODES_LOW`: a GraphQL enum value's name. */
function graphqlName(type: string): string {
  return type.replace(/[.]/g, '_').toUpperCase();
}
