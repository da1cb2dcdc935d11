import { Worker } from 'node:worker_threads';
import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { EncodedSpan, ExportWorkerData, FromExportWorker, ToExportWorker } from './export-worker.js';

export interface WorkerExportOptions {
  /** the worker's exporter and its batches (OTEL_BSP_SCHEDULE_DELAY, the batch size) */
  worker: ExportWorkerData;
  /** spans held at most, here and in the worker until their export is over; more are dropped */
  maxQueueSize: number;
}

/**
 * Spans go to the worker in small hand-offs, soon after they end: held here until a batch's
 * export, they would outlive the young generation's collections and be promoted, costing this
 * thread old-generation GC; the worker does the batching.
 */
const HANDOFF_SPANS = 256;
const HANDOFF_DELAY_MS = 20;

/**
 * The BatchSpanProcessor's job with the batching, the OTLP serialisation and the HTTP exchange
 * moved to a worker thread (export-worker.ts): this thread only copies each ended span's fields
 * into a tuple and hands the tuples over a few hundred at a time, as one JSON text (the
 * structured clone of the same tuples cost this thread twice as much, measured). The queue
 * keeps the SDK's bound: spans here plus those the worker has not finished exporting never pass
 * `maxQueueSize`; beyond it, spans are dropped (a collector that is down or slow costs spans,
 * never memory). Shutdown hands over what is here and waits for the worker's exports, at most
 * the export timeout and a second.
 */
export class WorkerSpanProcessor implements SpanProcessor {
  private readonly worker: Worker;
  private batch: EncodedSpan[] = [];
  /** spans batched here or sent and not yet done with by the worker */
  private held = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private flushes = 0;
  private readonly waiting = new Map<number, () => void>();
  private closing: Promise<void> | undefined;
  private onClosed: (() => void) | undefined;

  constructor(private readonly options: WorkerExportOptions) {
    const here = import.meta.url;
    // the compiled service runs the worker's .js; the tests run the sources, and Node strips the types
    this.worker = new Worker(new URL(here.endsWith('.ts') ? './export-worker.ts' : './export-worker.js', here), { workerData: options.worker });
    // a forgotten shutdown must not keep the process alive
    this.worker.unref();
    this.worker.on('message', (message: FromExportWorker) => {
      if ('done' in message) this.held -= message.done;
      else if ('flushed' in message) {
        this.waiting.get(message.flushed)?.();
        this.waiting.delete(message.flushed);
      } else this.onClosed?.();
    });
    // a worker that died takes its spans with it; the service goes on, and stops sending
    this.worker.on('error', () => this.stop());
    this.worker.on('exit', () => this.stop());
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (this.closed) return;
    const context = span.spanContext();
    if ((context.traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.held >= this.options.maxQueueSize) return;
    const parent = span.parentSpanContext;
    this.batch.push([
      context.traceId,
      context.spanId,
      parent?.spanId ?? '',
      parent?.isRemote === true,
      context.traceFlags,
      context.traceState?.serialize() ?? '',
      span.name,
      span.kind,
      span.startTime[0],
      span.startTime[1],
      span.endTime[0],
      span.endTime[1],
      span.status.code,
      span.status.message ?? '',
      span.attributes,
      span.droppedAttributesCount,
      span.events,
      span.links,
    ]);
    this.held++;
    if (this.batch.length >= HANDOFF_SPANS) this.send();
    else this.timer ??= setTimeout(() => this.send(), HANDOFF_DELAY_MS).unref();
  }

  async forceFlush(): Promise<void> {
    if (this.closed) return;
    this.send();
    const id = ++this.flushes;
    await new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      this.post({ flush: id });
    });
  }

  shutdown(): Promise<void> {
    this.closing ??= this.close();
    return this.closing;
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.send();
    await new Promise<void>((resolve) => {
      // the exporter gives up on an export after its timeout; this waits a little longer, not forever
      const timeout = setTimeout(resolve, this.options.worker.timeoutMillis + 1_000);
      this.onClosed = () => {
        clearTimeout(timeout);
        resolve();
      };
      this.post({ shutdown: true });
    });
    this.stop();
    await this.worker.terminate();
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.post(JSON.stringify(batch));
  }

  private post(message: ToExportWorker): void {
    if (!this.closed) this.worker.postMessage(message);
  }

  private stop(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.batch = [];
    for (const resolve of this.waiting.values()) resolve();
    this.waiting.clear();
    this.onClosed?.();
  }
}
