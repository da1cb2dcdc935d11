import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import type { Delivery } from '../vocabulary/channel.js';

/** What the delivery gauges are read from at each scrape: the codes of the last hour and day, and the blocked ranges. */
export interface InsightsSnapshot {
  rows: readonly {
    country: string | null;
    channel: string;
    hour: { sent: number; delivered: number; verified: number };
    day: { sent: number; delivered: number; verified: number };
  }[];
  blocks: readonly unknown[];
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * The Prometheus registry of one app instance (not the global one, so tests can build many
 * apps). Labels are closed sets (routes, outcomes, error codes): never usernames or codes.
 */
export function createMetrics(database: Pick<Database, 'poolStats'>) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request durations by route, method and status.',
    labelNames: ['route', 'method', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const generated = new Counter({
    name: 'twofa_otp_generate_total',
    help: 'Code requests by outcome (SUCCESS or an error code) and channel.',
    labelNames: ['outcome', 'channel'] as const,
    registers: [registry],
  });
  const verified = new Counter({
    name: 'twofa_otp_verify_total',
    help: 'Verifications by outcome (SUCCESS or an error code) and method.',
    labelNames: ['outcome', 'method'] as const,
    registers: [registry],
  });
  const deliveryDuration = new Histogram({
    name: 'twofa_delivery_duration_seconds',
    help: 'Time to hand a code to the email or SMS provider, by channel and outcome.',
    labelNames: ['channel', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const deliveryFailures = new Counter({
    name: 'twofa_delivery_failures_total',
    help: 'Deliveries the provider refused or that timed out, by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'twofa_lockouts_total',
    help: 'Users locked after too many consecutive failed verifications.',
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'twofa_throttled_total',
    help: 'Requests refused by a throttle, by kind (send, ip).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const passkeys = new Counter({
    name: 'twofa_passkey_changes_total',
    help: 'Passkey registrations, renames and removals by outcome (SUCCESS or an error code); their use is twofa_otp_verify_total{method="passkey"}.',
    labelNames: ['change', 'outcome'] as const,
    registers: [registry],
  });
  const graphqlRequests = new Counter({
    name: 'twofa_graphql_requests_total',
    help: 'GraphQL requests by what answered them: direct (the plain JSON POSTs services send, run on Yoga\'s envelop instance) or yoga (everything else).',
    labelNames: ['path'] as const,
    registers: [registry],
  });
  const outbox = {
    pending: new Gauge({
      name: 'twofa_outbox_pending',
      help: 'Outbox deliveries (webhooks and notices) waiting to be sent or retried, as the dispatcher last counted them.',
      registers: [registry],
    }),
    oldestAge: new Gauge({
      name: 'twofa_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest outbox delivery still waiting (0 when none is).',
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'twofa_outbox_delivered_total',
      help: 'Outbox deliveries sent and accepted, by kind (WEBHOOK, NOTICE).',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    attemptsFailed: new Counter({
      name: 'twofa_outbox_attempts_failed_total',
      help: 'Outbox delivery attempts that failed (to be retried, or given up), by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    failed: new Counter({
      name: 'twofa_outbox_failed_total',
      help: 'Outbox deliveries given up after every retry (or whose destination is gone), by kind.',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
  // Read from the database at each scrape, so every instance shows the same (all instances') codes.
  // Labelled by country and channel only: number ranges are too many to be labels (deliveryInsights
  // on GraphQL has them), countries and channels are closed sets.
  let readInsights: (() => Promise<InsightsSnapshot>) | undefined;
  // both gauges are collected in one scrape: they share one read of the database
  // A database that cannot answer leaves these gauges out of the scrape, never the whole of
  // /metrics (the process's own counters are what an operator reads during an outage).
  let lastRead: { at: number; snapshot: Promise<InsightsSnapshot | undefined> } | undefined;
  const insightsSnapshot = (): Promise<InsightsSnapshot | undefined> | undefined => {
    if (!readInsights) return undefined;
    if (!lastRead || Date.now() - lastRead.at > 1000) lastRead = { at: Date.now(), snapshot: readInsights().catch(() => undefined) };
    return lastRead.snapshot;
  };
  new Gauge({
    name: 'twofa_sms_prefixes_blocked',
    help: 'Number ranges the SMS-pumping defence blocks now for their low verification rate.',
    registers: [registry],
    async collect() {
      const snapshot = await insightsSnapshot();
      if (snapshot) this.set(snapshot.blocks.length);
      else this.reset();
    },
  });
  new Gauge({
    name: 'twofa_delivery_codes',
    help: 'Codes sent, delivered (provider receipt) and verified, by country (none for email), channel and window (1h, 24h).',
    labelNames: ['country', 'channel', 'window', 'stage'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const snapshot = await insightsSnapshot();
      if (!snapshot) return;
      const sums = new Map<string, { country: string; channel: string; window: string; stage: string; value: number }>();
      for (const row of snapshot.rows) {
        for (const [window, counts] of [['1h', row.hour], ['24h', row.day]] as const) {
          for (const stage of ['sent', 'delivered', 'verified'] as const) {
            const labels = { country: row.country ?? 'none', channel: row.channel, window, stage };
            const key = `${labels.country}|${labels.channel}|${window}|${stage}`;
            const sum = sums.get(key) ?? { ...labels, value: 0 };
            sum.value += counts[stage];
            sums.set(key, sum);
          }
        }
      }
      for (const { value, ...labels } of sums.values()) this.set(labels, value);
    },
  });
  new Gauge({
    name: 'twofa_db_pool_connections',
    help: 'Database pool connections by state (total, idle, waiting).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const stats = database.poolStats();
      this.set({ state: 'total' }, stats.total);
      this.set({ state: 'idle' }, stats.idle);
      this.set({ state: 'waiting' }, stats.waiting);
    },
  });

  return {
    registry,
    httpDuration,
    generated,
    verified,
    lockouts,
    throttled,
    passkeys,
    graphqlRequests,
    outbox,
    /** Where the delivery gauges read the codes from (the services' insights, wired once they exist). */
    observeInsights(read: () => Promise<InsightsSnapshot>) {
      readInsights = read;
    },
    /** Wraps a delivery so every send is timed and its failures counted. */
    instrument(delivery: Delivery): Delivery {
      return {
        async send(message) {
          const end = deliveryDuration.startTimer({ channel: message.channel });
          try {
            const receipt = await delivery.send(message);
            end({ outcome: 'SUCCESS' });
            return receipt;
          } catch (error) {
            end({ outcome: 'FAILURE' });
            deliveryFailures.inc({ channel: message.channel });
            throw error;
          }
        },
        ...(delivery.notify ? { notify: delivery.notify.bind(delivery) } : {}),
        ...(delivery.configured ? { configured: delivery.configured.bind(delivery) } : {}),
        close: () => delivery.close(),
      };
    },
  };
}
