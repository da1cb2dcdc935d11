import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import { systemContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Delivery } from '../vocabulary/channel.js';
import { renderNotice, type NoticeType } from '../delivery/notice-templates.js';
import type { Logger } from '../logging/logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { UsersStore } from '../users/users.store.js';
import type { DeliveriesStore, ClaimedDelivery } from '../events/deliveries.store.js';
import type { EndpointsStore } from '../events/endpoints.store.js';
import type { Resolver } from './address-guard.js';
import { postWebhook } from './post.js';
import { signatureHeader } from './signing.js';
import { noticeEventTypes, type EventType } from '../events/events.js';
import type { OutboxStore } from '../events/outbox.store.js';
import { noTracing, type Tracing } from '../tracing/tracing.js';

/**
 * The lanes. A webhook endpoint holds at most ENDPOINT_LANE attempts at once, across instances
 * (its live claims in the database; instances polling at the same instant may each take what
 * is free, so for a moment up to that many times more), so a hanging or slow receiver delays
 * its own deliveries and no one else's; an instance runs at most WEBHOOK_LANES webhook attempts at once, and the user's
 * security notices have NOTICE_LANE of their own, so webhooks never hold them up.
 */
const ENDPOINT_LANE = 2;
const WEBHOOK_LANES = 64;
const NOTICE_LANE = 16;
/** The longest pause after the database failed a poll. */
const MAX_BACKOFF_MS = 30_000;
/** How often the backlog is counted for the metrics. */
const BACKLOG_EVERY_MS = 5_000;

/** Where the CloudEvents say they come from. */
export const EVENT_SOURCE = '/fountainai/2fa';

export interface DispatcherDeps {
  deliveries: DeliveriesStore;
  endpoints: Pick<EndpointsStore, 'failed' | 'succeeded' | 'disableIfFailingSince'>;
  outbox: Pick<OutboxStore, 'backlog'>;
  users: Pick<UsersStore, 'findForSending'>;
  box: SecretBox;
  delivery: Delivery;
  clock: Clock;
  config: Pick<Config, 'outbox'>;
  logger: Logger;
  audit: AuditService;
  metrics: Pick<Metrics, 'outbox'>;
  /** how webhook hosts are resolved (the system's resolver unless a test plays DNS) */
  resolver?: Resolver;
  tracing?: Pick<Tracing, 'webhookAttempt'>;
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** The CloudEvents 1.0 JSON body of an event (structured mode): what every endpoint receives. */
export function cloudEvent(event: ClaimedDelivery['event']): string {
  return JSON.stringify({
    specversion: '1.0',
    id: event.id,
    source: EVENT_SOURCE,
    type: event.type,
    time: event.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    ...(event.data.username ? { subject: event.data.username } : {}),
    // CloudEvents' distributed-tracing extension: the trace of the request that caused the event
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    data: event.data,
  });
}

/**
 * Sends the outbox's deliveries: webhooks (signed, Standard Webhooks) and the user's
 * security notices. It polls: claims the due deliveries its lanes have room for with a lease,
 * starts them, and polls again without waiting for them; each attempt records its outcome
 * under its claim and frees its lane, which wakes the poller. What a killed process had
 * claimed is claimed again by whoever polls once the lease has run out, so every event is
 * delivered at least once; a receiver tells repeats apart by `webhook-id`. Polling backs off
 * while the database fails.
 */
export function createDispatcher(deps: DispatcherDeps) {
  const { deliveries, endpoints, outbox, users, box, delivery, clock, config, logger, audit, metrics, resolver, tracing = noTracing } = deps;
  const { retryScheduleMs, timeoutMs, allowPrivateNetworks, pollIntervalMs } = config.outbox;
  /** how long a delivery's retries take in all: an endpoint failing that long is disabled */
  const scheduleMs = retryScheduleMs.reduce((sum, delay) => sum + delay, 0);
  // a lease outlives the longest attempt (the timeout) with room to record the outcome
  const leaseMs = Math.max(60_000, 3 * timeoutMs);
  const system = systemContext('outbox-dispatcher');

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;
  let polling = false;
  let wanted = false;
  let backoffMs = 0;
  let lastBacklog = 0;
  /** aborts the webhook attempts in flight when the dispatcher stops */
  let stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const lanes = { WEBHOOK: 0, NOTICE: 0 };

  /** One poll: the due deliveries the lanes have room for, claimed and started. Resolves to how many it claimed. */
  async function poll(): Promise<number> {
    const now = clock.now();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    const noticeRoom = NOTICE_LANE - lanes.NOTICE;
    const webhookRoom = WEBHOOK_LANES - lanes.WEBHOOK;
    // one token per claim: a claim reads its rows back by it
    let taken = 0;
    if (noticeRoom > 0) {
      const token = randomUUID();
      taken += begin(token, await deliveries.claim(token, now, leaseUntil, { kind: 'NOTICE', limit: noticeRoom }));
    }
    if (webhookRoom > 0) {
      const token = randomUUID();
      taken += begin(token, await deliveries.claim(token, now, leaseUntil, { kind: 'WEBHOOK', limit: webhookRoom, perEndpoint: ENDPOINT_LANE }));
    }
    if (Date.now() - lastBacklog >= BACKLOG_EVERY_MS) await countBacklog();
    return taken;
  }

  /** Starts an attempt for each delivery the claim took; they run on while the poller goes on. */
  function begin(token: string, taken: ClaimedDelivery[]): number {
    for (const delivery of taken) {
      lanes[delivery.kind] += 1;
      const done = attempt(delivery, token)
        .catch((error: unknown) => {
          // the outcome could not be recorded: the lease runs out and the delivery is tried again
          logger.warn({ err: error, deliveryId: delivery.id }, 'outbox: a delivery attempt could not be recorded');
        })
        .finally(() => {
          lanes[delivery.kind] -= 1;
          inFlight.delete(done);
          wake();
        });
      inFlight.add(done);
    }
    return taken.length;
  }

  /** A lane came free: poll now, or as soon as the poll in progress is done (not while backing off). */
  function wake(): void {
    if (stopped || backoffMs > 0) return;
    if (polling) {
      wanted = true;
      return;
    }
    if (timer) clearTimeout(timer);
    schedule(0);
  }

  async function countBacklog(): Promise<void> {
    lastBacklog = Date.now();
    const { pending, oldest } = await outbox.backlog();
    metrics.outbox.pending.set(pending);
    metrics.outbox.oldestAge.set(oldest ? Math.max(0, (clock.now().getTime() - oldest.getTime()) / 1000) : 0);
  }

  async function attempt(claim: ClaimedDelivery, token: string): Promise<void> {
    let responseCode: number | null = null;
    try {
      if (claim.kind === 'NOTICE') await notify(claim);
      else {
        responseCode = await post(claim);
        if (responseCode < 200 || responseCode > 299) throw new Error(`answered ${String(responseCode)}`);
      }
    } catch (error) {
      // cut short by stop(): not the receiver's failure; the next instance to poll tries it at once
      if (stopping.signal.aborted && claim.kind === 'WEBHOOK') return deliveries.release(claim.id, token);
      await failed(claim, token, responseCode, error);
      return;
    }
    const now = clock.now();
    if (await deliveries.delivered(claim.id, token, now, responseCode)) metrics.outbox.delivered.inc({ kind: claim.kind });
    if (claim.endpoint) await endpoints.succeeded(claim.endpoint.id);
  }

  async function post(claim: ClaimedDelivery): Promise<number> {
    const endpoint = claim.endpoint;
    if (!endpoint) throw new GoneError('the endpoint was deleted');
    if (endpoint.disabled) throw new GoneError('the endpoint is disabled');
    const now = clock.now();
    const secrets = [box.decrypt(endpoint.secret)];
    if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) {
      secrets.push(box.decrypt(endpoint.previousSecret));
    }
    const body = cloudEvent(claim.event);
    // the id is the event's, the same on every retry; the timestamp is this attempt's
    const headers = {
      'webhook-id': claim.event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signatureHeader(secrets, claim.event.id, now, body),
    };
    const attempt = { eventType: claim.event.type, endpointId: endpoint.id, attempt: claim.attempts + 1 };
    return tracing.webhookAttempt(claim.event.traceparent, attempt, async (traceparent) => {
      const answer = await postWebhook(endpoint.url, traceparent ? { ...headers, traceparent } : headers, body, {
        timeoutMs,
        allowPrivateNetworks,
        signal: stopping.signal,
        ...(resolver ? { resolver } : {}),
      });
      return answer.status;
    });
  }

  async function notify(claim: ClaimedDelivery): Promise<void> {
    const { event } = claim;
    if (!isNoticeType(event.type)) throw new GoneError(`no notice for ${event.type}`);
    const user = event.data.username ? await users.findForSending(event.data.username) : null;
    if (!user || user.id !== event.userId) throw new GoneError('the user no longer exists');
    const channel = user.email ? 'EMAIL' : user.phoneNumber ? 'SMS' : null;
    const to = user.email ?? user.phoneNumber;
    if (!channel || !to) throw new GoneError('the user has no email address or phone number');
    if (!delivery.notify) throw new GoneError('the delivery cannot send notices');
    const notice = renderNotice(event.type, event.data, event.occurredAt, user.locale);
    await delivery.notify({ channel, to, locale: user.locale, subject: notice.subject, text: channel === 'EMAIL' ? notice.text : notice.sms });
  }

  async function failed(claim: ClaimedDelivery, token: string, responseCode: number | null, error: unknown): Promise<void> {
    const now = clock.now();
    const gone = error instanceof GoneError;
    const wait = gone ? undefined : retryScheduleMs[claim.attempts];
    const nextAttemptAt = wait === undefined ? null : new Date(now.getTime() + wait);
    const reason = describe(error);
    metrics.outbox.attemptsFailed.inc({ kind: claim.kind });
    const recorded = await deliveries.attemptFailed(claim.id, token, now, { responseCode, error: reason, nextAttemptAt });
    logger.warn(
      { deliveryId: claim.id, kind: claim.kind, eventType: claim.event.type, endpointId: claim.endpoint?.id, attempts: claim.attempts + 1, responseCode, reason, retryAt: nextAttemptAt },
      'outbox: a delivery attempt failed',
    );
    if (!recorded) return;
    if (!nextAttemptAt) metrics.outbox.failed.inc({ kind: claim.kind });
    const endpoint = claim.endpoint;
    if (!endpoint || endpoint.disabled) return;
    await endpoints.failed(endpoint.id, now);
    // This delivery's last retry failed, and the endpoint has accepted nothing for at least the
    // whole schedule (it failed this delivery's first attempt, a schedule ago, or later ones
    // without a success between): it is switched off. (Comparing with the delivery's creation
    // never matched: the first failure comes after it.)
    if (!nextAttemptAt && (await endpoints.disableIfFailingSince(endpoint.id, new Date(now.getTime() - scheduleMs), now))) {
      logger.warn({ endpointId: endpoint.id }, 'outbox: a webhook endpoint kept failing and was disabled');
      await audit.record({ event: 'WEBHOOK_ENDPOINT_DISABLE', outcome: 'SUCCESS', reason: 'FAILING' }, system);
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = loop();
    }, delayMs);
    timer.unref();
  }

  async function loop(): Promise<void> {
    polling = true;
    let taken = 0;
    try {
      taken = await poll();
      backoffMs = 0;
    } catch (error) {
      backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs === 0 ? pollIntervalMs : backoffMs * 2);
      logger.warn({ err: error, retryInMs: backoffMs }, 'outbox: the dispatcher could not poll');
    }
    polling = false;
    // something was claimed, or a lane came free meanwhile: more may be due now
    const again = taken > 0 || wanted;
    wanted = false;
    schedule(backoffMs > 0 ? backoffMs : again ? 0 : pollIntervalMs);
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      stopping = new AbortController();
      schedule(0);
    },
    /**
     * Stops polling, aborts the webhook attempts in flight (their claims are given back, so
     * another instance sends them at once) and waits for them and for the notices being sent.
     */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      stopping.abort();
      await Promise.allSettled([...inFlight]);
    },
    /** One poll now (tests and the CLI): how many deliveries it claimed. */
    poll,
  };
}

/** A destination that cannot take the delivery however often it is tried. */
class GoneError extends Error {}

function isNoticeType(type: EventType): type is NoticeType {
  return noticeEventTypes.has(type);
}

/** A short reason for the delivery's record: never a secret (URLs are the caller's own, and not logged with credentials). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
