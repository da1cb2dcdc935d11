import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVICE_NAME,
} from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/config.js';
import type { Delivery } from '../vocabulary/channel.js';
import { extractContext, failed, traceparentOf } from './span-context.js';
import { instrumentHttp } from './http-spans.js';
import { graphqlOperationSpans } from './graphql-spans.js';
import { tracedSql } from './statement-spans.js';
import type { Tracing } from './tracing.js';

/**
 * The context manager is process-wide in OpenTelemetry's API (one AsyncLocalStorage); the
 * provider, its exporter and its tracer are the app's own, so two apps in one process (tests)
 * export to their own collectors and close their own exporters.
 */
let contextManagerSet = false;
function ensureContextManager(): void {
  if (contextManagerSet) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  contextManagerSet = true;
}

function samplerFor(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** OpenTelemetry's tracing, exporting over OTLP/HTTP (JSON or protobuf, OTEL_EXPORTER_OTLP_PROTOCOL) in batches. */
export function createOtelTracing(config: TracingConfig): Tracing {
  ensureContextManager();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
    sampler: samplerFor(config),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new (config.protocol === 'http/protobuf' ? ProtobufTraceExporter : JsonTraceExporter)({ url: config.url, headers: config.headers }),
        // about two seconds of spans at the bench's verify rate (five or six a verify): a collector
        // that falls behind costs spans, not the memory of a process held to 160 MB
        maxQueueSize: 16_384,
        maxExportBatchSize: 2048,
        scheduledDelayMillis: config.scheduledDelayMs,
        // a collector that does not answer delays nothing but the spans, and shutdown at most this long
        exportTimeoutMillis: 5_000,
      }),
    ],
  });
  const tracer = provider.getTracer('fountainai-2fa');

  return {
    enabled: true,
    instrumentHttp: (app) => instrumentHttp(app, tracer),
    graphqlPlugins: () => [graphqlOperationSpans(tracer)],
    sql: (sql) => tracedSql(sql, tracer),
    delivery: (delivery) => tracedDelivery(delivery, tracer),
    logFields: () => {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
    traceparent: () => traceparentOf(context.active()),
    async webhookAttempt(parent, attributes, send) {
      const span = tracer.startSpan(
        'webhook POST',
        {
          kind: SpanKind.CLIENT,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: 'POST',
            'cloudevents.event_type': attributes.eventType,
            'twofa.webhook.endpoint_id': attributes.endpointId,
            'twofa.webhook.attempt': attributes.attempt,
          },
        },
        parent ? extractContext({ traceparent: parent }) : ROOT_CONTEXT,
      );
      const spanContext = trace.setSpan(ROOT_CONTEXT, span);
      try {
        const status = await context.with(spanContext, () => send(traceparentOf(spanContext)));
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status < 200 || status > 299) span.setStatus({ code: SpanStatusCode.ERROR });
        return status;
      } catch (error) {
        failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
    async shutdown() {
      await provider.shutdown();
    },
  };
}

/**
 * A span per delivery: the channel, and what the provider answered (`ACCEPTED`, or the HTTP
 * status or provider code of a refusal). The destination, the code and the text stay out.
 */
function tracedDelivery(delivery: Delivery, tracer: Tracer): Delivery {
  async function inSpan<T>(name: string, channel: string, work: () => Promise<T>): Promise<T> {
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { 'twofa.delivery.channel': channel } });
    try {
      const result = await context.with(trace.setSpan(context.active(), span), work);
      span.setAttribute('twofa.delivery.provider_status', 'ACCEPTED');
      return result;
    } catch (error) {
      const providerStatus = providerStatusOf(error);
      if (providerStatus !== undefined) span.setAttribute('twofa.delivery.provider_status', providerStatus);
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }
  const notify = delivery.notify?.bind(delivery);
  return {
    send: (message) => inSpan('delivery send', message.channel, () => delivery.send(message)),
    ...(notify ? { notify: (message) => inSpan('delivery notify', message.channel, () => notify(message)) } : {}),
    close: () => delivery.close(),
  };
}

/** The provider's answer behind a failed delivery: Twilio's error code or the HTTP status, an SMTP reply code. */
function providerStatusOf(error: unknown): string | undefined {
  const cause = error instanceof Error ? error.cause : undefined;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { code, status, responseCode } = cause as { code?: unknown; status?: unknown; responseCode?: unknown };
  if (typeof code === 'number') return String(code);
  if (typeof status === 'number') return String(status);
  if (typeof responseCode === 'number') return String(responseCode);
  return typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? code : undefined;
}
