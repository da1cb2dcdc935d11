import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  /** for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces) */
  url: string;
  /** export requests and spans received so far */
  readonly requests: number;
  readonly spans: number;
  close(): Promise<void>;
}

/**
 * A collector that accepts every OTLP/HTTP JSON export and throws it away, counting the spans
 * (each carries one `"spanId"` key) without parsing: the bench's stand-in for Jaeger or an
 * OpenTelemetry Collector, cheap enough not to compete with the service for the CPU.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let spans = 0;
  const server = createServer((request, response) => {
    request.setEncoding('latin1');
    let tail = '';
    request.on('data', (chunk: string) => {
      const text = tail + chunk;
      for (let at = text.indexOf('"spanId"'); at !== -1; at = text.indexOf('"spanId"', at + 8)) spans++;
      // a key cut in two by the chunk boundary is counted with the next chunk
      tail = text.slice(-7);
    });
    request.on('end', () => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    get requests() {
      return requests;
    },
    get spans() {
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
