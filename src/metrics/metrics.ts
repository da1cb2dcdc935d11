import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import type { Delivery } from '../delivery/channel.js';

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
