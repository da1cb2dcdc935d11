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
 * A collector that accepts every OTLP/HTTP export, protobuf or JSON, and throws it away,
 * counting the spans: in JSON each carries one `"spanId"` key (counted without parsing), in
 * protobuf they are walked by their field tags only. The bench's stand-in for Jaeger or an
 * OpenTelemetry Collector, cheap enough not to compete with the service for the CPU.
 */
export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let spans = 0;
  const server = createServer((request, response) => {
    if (request.headers['content-type'] === 'application/x-protobuf') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests++;
        spans += protobufSpans(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
      return;
    }
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

/**
 * The spans in an ExportTraceServiceRequest: resource_spans (field 1) hold scope_spans
 * (field 2), which hold spans (field 2); only length-delimited fields are followed.
 */
function protobufSpans(bytes: Buffer): number {
  const fields = function* (from: number, to: number): Generator<{ field: number; start: number; end: number }> {
    let at = from;
    const varint = () => {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[at++] ?? 0;
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    };
    while (at < to) {
      const tag = varint();
      const wire = tag & 7;
      if (wire === 2) {
        const length = varint();
        yield { field: tag >>> 3, start: at, end: at + length };
        at += length;
      } else if (wire === 0) varint();
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else return;
    }
  };
  let count = 0;
  for (const resource of fields(0, bytes.length)) {
    if (resource.field !== 1) continue;
    for (const scope of fields(resource.start, resource.end)) {
      if (scope.field !== 2) continue;
      for (const span of fields(scope.start, scope.end)) if (span.field === 2) count++;
    }
  }
  return count;
}
