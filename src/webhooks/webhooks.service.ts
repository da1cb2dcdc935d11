import type { AuditService } from '../audit/audit.service.js';
import type { CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { ValidationFailedError, WebhookEndpointNotFoundError, WebhookUrlRefusedError, type FieldIssue } from '../errors/errors.js';
import { eventTypes, type EventType } from '../events/events.js';
import { AddressRefusedError, hostOf, isPublicAddress, isRefusedName, publicAddresses, systemResolver, type Resolver } from './address-guard.js';
import { isIP } from 'node:net';
import { MAX_LIST_ITEMS } from '../limits/input-limits.js';
import type { DeliveriesStore, DeliveryFilter, DeliveryView } from '../events/deliveries.store.js';
import type { EndpointRow, EndpointsStore } from '../events/endpoints.store.js';
import { newWebhookSecret } from './signing.js';

const URL_MAX_LENGTH = 2048;
const DESCRIPTION_MAX_LENGTH = 500;
/** How long adding an endpoint waits for its name's addresses. */
const RESOLVE_WAIT_MS = 2_000;

/** An endpoint as callers see it: never its secret. */
export interface WebhookEndpoint {
  id: number;
  url: string;
  description: string;
  events: EventType[];
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  /** until when the secret before the last rotation still signs too */
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with its signing secret, which is shown this once. */
export interface WebhookEndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

export interface EndpointInput {
  url: string;
  events: string[];
  description?: string | null;
}

export interface EndpointUpdate {
  url?: string | null;
  events?: string[] | null;
  description?: string | null;
  enabled?: boolean | null;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;

/**
 * Webhook endpoints, as callers with `webhooks:write` manage them and `webhooks:read` read
 * them with their deliveries. A secret is made here, shown once and stored sealed.
 */
export function createWebhooksService(deps: {
  endpoints: EndpointsStore;
  deliveries: Pick<DeliveriesStore, 'list' | 'find'>;
  box: SecretBox;
  clock: Clock;
  config: Pick<Config, 'outbox' | 'production'>;
  audit: AuditService;
  resolver?: Resolver;
}) {
  const { endpoints, deliveries, box, clock, config, audit } = deps;
  const resolver = deps.resolver ?? systemResolver;

  async function create(input: EndpointInput, context: CallContext): Promise<WebhookEndpointWithSecret> {
    const url = await checkUrl(input.url);
    const events = checkEvents(input.events);
    const description = checkDescription(input.description ?? '');
    const secret = newWebhookSecret();
    const row = await endpoints.create({ url, events, description, sealedSecret: box.encrypt(secret), now: clock.now() });
    await audit.record({ event: 'WEBHOOK_ENDPOINT_CREATE', outcome: 'SUCCESS' }, context);
    return { endpoint: view(row), secret };
  }

  async function list(): Promise<WebhookEndpoint[]> {
    return (await endpoints.list()).map(view);
  }

  async function update(id: number, changes: EndpointUpdate, context: CallContext): Promise<WebhookEndpoint> {
    const url = changes.url != null ? await checkUrl(changes.url) : undefined;
    const row = await endpoints.update(
      id,
      {
        ...(url !== undefined ? { url } : {}),
        ...(changes.events != null ? { events: checkEvents(changes.events) } : {}),
        ...(changes.description != null ? { description: checkDescription(changes.description) } : {}),
        ...(changes.enabled != null ? { enabled: changes.enabled } : {}),
      },
      clock.now(),
    );
    if (!row) throw new WebhookEndpointNotFoundError();
    await audit.record({ event: changes.enabled === false ? 'WEBHOOK_ENDPOINT_DISABLE' : 'WEBHOOK_ENDPOINT_UPDATE', outcome: 'SUCCESS' }, context);
    return view(row);
  }

  async function remove(id: number, context: CallContext): Promise<number> {
    if (!(await endpoints.remove(id))) throw new WebhookEndpointNotFoundError();
    await audit.record({ event: 'WEBHOOK_ENDPOINT_DELETE', outcome: 'SUCCESS' }, context);
    return id;
  }

  /** A new secret; the old one goes on signing beside it for WEBHOOK_SECRET_GRACE_HOURS, so receivers can switch without a gap. */
  async function rotateSecret(id: number, context: CallContext): Promise<WebhookEndpointWithSecret> {
    const now = clock.now();
    const secret = newWebhookSecret();
    const graceUntil = new Date(now.getTime() + config.outbox.secretGraceHours * 3_600_000);
    const row = await endpoints.rotateSecret(id, box.encrypt(secret), graceUntil, now);
    if (!row) throw new WebhookEndpointNotFoundError();
    await audit.record({ event: 'WEBHOOK_SECRET_ROTATE', outcome: 'SUCCESS' }, context);
    return { endpoint: view(row), secret };
  }

  /** A page of deliveries; an endpoint named must exist. One row past the page tells whether another follows. */
  async function deliveriesOf(filter: DeliveryFilter): Promise<DeliveryView[]> {
    if (filter.endpointId !== undefined && !(await endpoints.find(filter.endpointId))) throw new WebhookEndpointNotFoundError();
    return deliveries.list({ ...filter, limit: Math.min(Math.max(filter.limit, 0), MAX_LIST_ITEMS + 1) });
  }

  /** One delivery, or null when there is none. */
  function delivery(id: number): Promise<DeliveryView | null> {
    return deliveries.find(id);
  }


  /**
   * An absolute http(s) URL without credentials; in production https only, and, unless
   * WEBHOOK_ALLOW_PRIVATE_NETWORKS, neither a name refused as such (localhost, a trailing dot)
   * nor one whose addresses, as far as they can be known now, include one inside the network.
   * A name that does not resolve now is accepted: it is judged again at every send, by the
   * addresses it resolves to then.
   */
  async function checkUrl(text: string): Promise<string> {
    const trimmed = text.trim();
    if (trimmed.length > URL_MAX_LENGTH) throw new WebhookUrlRefusedError(`must be at most ${String(URL_MAX_LENGTH)} characters`);
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new WebhookUrlRefusedError('must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookUrlRefusedError('must be http or https');
    if (url.username || url.password) throw new WebhookUrlRefusedError('must not carry credentials');
    if (config.production && url.protocol !== 'https:') throw new WebhookUrlRefusedError('must use https in production');
    if (config.outbox.allowPrivateNetworks) return url.toString();
    const host = hostOf(url);
    if (isRefusedName(host) || (isIP(host) !== 0 && !isPublicAddress(host))) {
      throw new WebhookUrlRefusedError('must not be a private, loopback or link-local address');
    }
    if (isIP(host) === 0) {
      try {
        // a resolver that does not answer soon leaves the judgment to send time
        await Promise.race([publicAddresses(host, resolver), new Promise((resolve) => setTimeout(resolve, RESOLVE_WAIT_MS).unref())]);
      } catch (error) {
        if (error instanceof AddressRefusedError) throw new WebhookUrlRefusedError('must not resolve to a private, loopback or link-local address');
      }
    }
    return url.toString();
  }

  return { create, list, update, remove, rotateSecret, deliveries: deliveriesOf, delivery };
}

function checkEvents(events: string[]): EventType[] {
  const issues: FieldIssue[] = [];
  const known = new Set<string>(eventTypes);
  events.forEach((event, i) => {
    if (!known.has(event)) issues.push({ path: ['events', String(i)], message: `must be one of ${eventTypes.join(', ')}` });
  });
  if (events.length === 0) issues.push({ path: ['events'], message: 'must name at least one event type' });
  if (issues.length > 0) throw new ValidationFailedError(issues);
  return [...new Set(events)] as EventType[];
}

function checkDescription(description: string): string {
  if (description.length > DESCRIPTION_MAX_LENGTH) {
    throw new ValidationFailedError([{ path: ['description'], message: `must be at most ${String(DESCRIPTION_MAX_LENGTH)} characters` }]);
  }
  return description;
}

function view(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events as EventType[],
    enabled: row.disabledAt === null,
    disabledAt: row.disabledAt,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt: row.previousSecretExpiresAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
