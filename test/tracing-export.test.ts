// The spans' exporter runs on a worker thread (src/tracing/worker-export.ts): what it is given
// reaches the collector, shutdown sends what was still batched, its queue stays bounded (spans
// beyond it are dropped), and a collector that fails or hangs costs the service nothing but spans.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { describe, expect, it } from 'vitest';
import { WorkerSpanProcessor } from '../src/tracing/worker-export.js';
import { createTestApp } from './support/app.js';
import { createUser, requestCode } from './support/flows.js';
import { gatewayTraceparent, startOtlpReceiver } from './support/otlp.js';
import { until } from './support/webhooks.js';

/** A collector that answers every export with `answer` (or never, when it is null). */
async function startCollector(answer: number | null) {
  const held: ServerResponse[] = [];
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      requests += 1;
      if (answer === null) held.push(response);
      else response.writeHead(answer, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function verifyOnce(app: Awaited<ReturnType<typeof createTestApp>>, traceparent?: string) {
  const username = await createUser(app);
  const { code } = await requestCode(app, username);
  const started = performance.now();
  const answer = await app.inject({ method: 'POST', url: '/auth/verify', payload: { username, otp_code: code }, headers: traceparent ? { traceparent } : {} });
  return { status: answer.statusCode, ms: performance.now() - started };
}

describe('the exporter thread', () => {
  it('sends what is still batched when the app closes', async () => {
    const collector = await startOtlpReceiver();
    // a batch that would wait ten minutes: only the shutdown's flush can send it
    const app = await createTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '600000' });
    const gateway = gatewayTraceparent();
    try {
      expect((await verifyOnce(app, gateway.traceparent)).status).toBe(200);
      expect(collector.inTrace(gateway.traceId)).toHaveLength(0);
    } finally {
      await app.close();
    }
    const names = collector.inTrace(gateway.traceId).map((span) => span.name);
    expect(names).toContain('POST /auth/verify');
    expect(names.some((name) => name.startsWith('UPDATE '))).toBe(true);
    await collector.close();
  });

  it('keeps its queue bounded: spans past maxQueueSize are dropped until the worker is done with some', async () => {
    const collector = await startOtlpReceiver();
    const processor = new WorkerSpanProcessor({
      worker: { protocol: 'http/json', url: `${collector.endpoint}/v1/traces`, headers: {}, timeoutMillis: 5_000, resourceAttributes: { 'service.name': 'bounded' }, scope: { name: 'test' }, maxExportBatchSize: 4, scheduledDelayMillis: 10 },
      maxQueueSize: 8,
    });
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'bounded' }), spanProcessors: [processor] });
    const tracer = provider.getTracer('test');
    // ended in one go: the worker cannot have finished any before the ninth
    for (let i = 0; i < 20; i++) tracer.startSpan(`first ${String(i)}`).end();
    await until(() => collector.spans.length === 8);
    await processor.forceFlush();
    // the worker is done with the first eight: the queue takes spans again
    for (let i = 0; i < 3; i++) tracer.startSpan(`second ${String(i)}`).end();
    await provider.shutdown();
    // (two batches may reach the collector in either order)
    expect(collector.spans.map((span) => span.name).sort()).toEqual([...Array.from({ length: 8 }, (_, i) => `first ${String(i)}`), 'second 0', 'second 1', 'second 2']);
    expect(collector.spans.every((span) => span.service === 'bounded')).toBe(true);
    await collector.close();
  });

  for (const [label, answer] of [
    ['answers 500', 500],
    ['never answers', null],
  ] as const) {
    it(`costs the service nothing but spans when the collector ${label}`, async () => {
      const collector = await startCollector(answer);
      const app = await createTestApp({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_BSP_SCHEDULE_DELAY: '10' });
      try {
        for (let i = 0; i < 3; i++) {
          const verify = await verifyOnce(app, gatewayTraceparent().traceparent);
          expect(verify.status).toBe(200);
          expect(verify.ms).toBeLessThan(2_000);
        }
        await until(() => collector.requests() > 0);
      } finally {
        // a hung export is given up after the export timeout (5 s): closing waits no longer
        const closing = performance.now();
        await app.close();
        expect(performance.now() - closing).toBeLessThan(7_500);
        await collector.close();
      }
    });
  }
});
