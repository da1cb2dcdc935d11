/**
 * The span exporter's thread: receives the service's ended spans a few hundred at a time (JSON
 * of {@link EncodedSpan} tuples), batches them as the SDK's BatchSpanProcessor does (OTEL_BSP_*)
 * and hands each batch to the OTLP exporter of OpenTelemetry's SDK, which serialises (protobuf
 * or JSON) and sends it, so that none of that work runs on the service's own thread. After each
 * export, failed or not, it tells the service how many spans it is done with, which is what
 * bounds the queue there.
 *
 * Started by worker-export.ts. Node runs this file as it is (its types are only stripped, under
 * the tests), so it imports packages only and uses no syntax beyond erasable types.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type HrTime, type Link, type SpanKind, type SpanStatusCode } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

export interface ExportWorkerData {
  protocol: 'http/protobuf' | 'http/json';
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
  /** spans sent to the collector at once, at most */
  maxExportBatchSize: number;
  /** how long a span waits for its batch to fill before it is sent anyway (OTEL_BSP_SCHEDULE_DELAY) */
  scheduledDelayMillis: number;
  resourceAttributes: Record<string, string>;
  scope: { name: string; version?: string };
}

/**
 * A span as the service's thread sends it: trace id, span id, parent span id ('' for none),
 * whether the parent is remote, trace flags, trace state ('' for none), name, kind, start and
 * end (seconds, nanoseconds), status code and message, attributes, the dropped attributes'
 * count, events, links.
 */
export type EncodedSpan = [
  traceId: string,
  spanId: string,
  parentSpanId: string,
  parentIsRemote: boolean,
  traceFlags: number,
  traceState: string,
  name: string,
  kind: SpanKind,
  startSeconds: number,
  startNanos: number,
  endSeconds: number,
  endNanos: number,
  statusCode: SpanStatusCode,
  statusMessage: string,
  attributes: ReadableSpan['attributes'],
  droppedAttributesCount: number,
  events: TimedEvent[],
  links: Link[],
];

/** What the service's thread sends: spans, or a request to flush or shut down. */
export type ToExportWorker = string | { flush: number } | { shutdown: true };
/** What this thread answers: spans it is done with (exported or given up), a flush or a shutdown completed. */
export type FromExportWorker = { done: number } | { flushed: number } | { closed: true };

const data = workerData as ExportWorkerData;
const port = parentPort;
if (!port) throw new Error('export-worker.ts runs as a worker thread');

const exporter = new (data.protocol === 'http/protobuf' ? ProtobufTraceExporter : JsonTraceExporter)({
  url: data.url,
  headers: data.headers,
  timeoutMillis: data.timeoutMillis,
});
const resource = resourceFromAttributes(data.resourceAttributes);
const scope = data.scope;
const pending = new Set<Promise<void>>();

function decode(encoded: EncodedSpan): ReadableSpan {
  const [traceId, spanId, parentSpanId, isRemote, traceFlags, traceState, name, kind, startS, startN, endS, endN, code, message, attributes, dropped, events, links] = encoded;
  const spanContext = { traceId, spanId, traceFlags, ...(traceState ? { traceState: new TraceState(traceState) } : {}) };
  const startTime: HrTime = [startS, startN];
  const endTime: HrTime = [endS, endN];
  const durationNanos = (endS - startS) * 1e9 + (endN - startN);
  return {
    name,
    kind,
    spanContext: () => spanContext,
    parentSpanContext: parentSpanId ? { traceId, spanId: parentSpanId, traceFlags, isRemote } : undefined,
    startTime,
    endTime,
    duration: [Math.floor(durationNanos / 1e9), durationNanos % 1e9],
    status: message ? { code, message } : { code },
    attributes,
    links,
    events,
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: dropped,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

let batch: ReadableSpan[] = [];
let timer: NodeJS.Timeout | undefined;

/** Spans from the service's thread join the batch, which goes when full or when the oldest has waited the delay. */
function add(encoded: EncodedSpan[]): void {
  for (const span of encoded) {
    batch.push(decode(span));
    if (batch.length >= data.maxExportBatchSize) exportBatch();
  }
  if (batch.length > 0) timer ??= setTimeout(exportBatch, data.scheduledDelayMillis);
}

function exportBatch(): void {
  clearTimeout(timer);
  timer = undefined;
  if (batch.length === 0) return;
  const spans = batch;
  batch = [];
  const done = new Promise<void>((resolve) => {
    // a failed export (a collector down, answering 500, or too slow) costs its spans, nothing else
    exporter.export(spans, () => resolve());
  }).finally(() => {
    pending.delete(done);
    port?.postMessage({ done: spans.length } satisfies FromExportWorker);
  });
  pending.add(done);
}
port.on('message', (message: ToExportWorker) => {
  if (typeof message === 'string') add(JSON.parse(message) as EncodedSpan[]);
  else if ('flush' in message) {
    exportBatch();
    void Promise.all(pending)
      .then(() => exporter.forceFlush())
      .finally(() => port.postMessage({ flushed: message.flush } satisfies FromExportWorker));
  } else {
    exportBatch();
    void Promise.all(pending)
      .then(() => exporter.shutdown())
      .finally(() => port.postMessage({ closed: true } satisfies FromExportWorker));
  }
});
