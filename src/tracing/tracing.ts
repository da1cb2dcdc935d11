import type { FastifyInstance } from 'fastify';
import type { Plugin } from 'graphql-yoga';
import type { Sql } from '../db/sql.js';
import type { Delivery } from '../vocabulary/channel.js';

/**
 * What the service asks of tracing. The app is given one of two: {@link noTracing}, which does
 * nothing and hands back what it was given (no wrapper, no hook, no plugin: the hot paths run
 * exactly as without tracing), or the OpenTelemetry one (otel.ts), loaded with a dynamic import
 * (load-tracing.ts) only when an OTLP endpoint is configured, so without one no OpenTelemetry module is even read.
 *
 * Nothing here takes a username, a destination, a code or a token: what a span may carry is
 * decided in otel.ts, once.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** a SERVER span per request, continuing the caller's `traceparent` (the gateway's) */
  instrumentHttp(app: FastifyInstance): void;
  /** a span per GraphQL operation (its name and type, never its variables) */
  graphqlPlugins(): Plugin[];
  /** the hot path's statements, each in a CLIENT span named for the statement, never its values */
  sql(sql: Sql): Sql;
  /** each delivery in a span: its channel and the provider's status, never the destination or the code */
  delivery(delivery: Delivery): Delivery;
  /** fields every log line gets (pino's `mixin`): the trace and span ids of the work it is about */
  logFields: (() => object) | undefined;
  /** the W3C `traceparent` of the work under way, stored with an outbox event; null outside a trace */
  traceparent(): string | null;
  /**
   * A webhook attempt as a CLIENT span under the event's stored trace context. `send` gets the
   * `traceparent` to put on the request: the attempt's own, or without tracing the stored one.
   */
  webhookAttempt(parent: string | null, attributes: WebhookAttempt, send: (traceparent: string | null) => Promise<number>): Promise<number>;
  /** sends what is buffered and stops (the app's onClose) */
  shutdown(): Promise<void>;
}

/** What a webhook attempt's span says: ids and counts, not the receiver's URL (it may hold a secret path). */
export interface WebhookAttempt {
  eventType: string;
  endpointId: number;
  attempt: number;
}

export const noTracing: Tracing = {
  enabled: false,
  instrumentHttp: () => undefined,
  graphqlPlugins: () => [],
  sql: (sql) => sql,
  delivery: (delivery) => delivery,
  logFields: undefined,
  traceparent: () => null,
  webhookAttempt: (parent, _attributes, send) => send(parent),
  shutdown: async () => undefined,
};
