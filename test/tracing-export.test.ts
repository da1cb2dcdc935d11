// The spans' export (the SDK's BatchSpanProcessor and OTLP exporter, src/tracing/otel.ts):
// shutdown sends what was still batched, and a collector that fails or hangs costs the service
// nothing but spans: verifies answer as fast, and closing waits at most the export timeout.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
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

describe('exporting spans', () => {
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
    const spans = collector.inTrace(gateway.traceId);
    expect(spans.map((span) => span.name)).toContain('POST /auth/verify');
    expect(spans.some((span) => span.attributes['db.system.name'] !== undefined)).toBe(true);
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
