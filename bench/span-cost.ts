/**
 * What a traced verify's spans cost the service's thread, apart from everything else: the spans
 * of a REST verify (a SERVER span with the request's attributes, three statement spans and the
 * atomic write's, children of it) made and ended through the SDK as the service does, exported
 * over OTLP/protobuf to the bench's collector (in a child process, so that its work is not
 * counted), by each span processor in turn (none, and the service's BatchSpanProcessor). Prints
 * the main thread's CPU (process.threadCpuUsage) and the whole process's (process.cpuUsage) per
 * verify: on a shared, loaded machine these hold better than rates. Commit c6a942e had a third,
 * the exporter on a worker thread (docs/performance.md, Tracing).
 *
 *   npx tsx bench/span-cost.ts [--verifies=10000] [--rounds=3]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { context, SpanKind, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BatchSpanProcessor, NoopSpanProcessor, TracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { startOtlpSink } from './support/otlp-sink.js';

const { values } = parseArgs({ options: { verifies: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '3' }, sink: { type: 'boolean', default: false } } });

if (values.sink) {
  const sink = await startOtlpSink();
  process.stdout.write(`${sink.url}\n`);
  // the parent closes stdin when it is done
  process.stdin.resume();
  await once(process.stdin, 'end');
  process.stdout.write(`${String(sink.spans)}\n`);
  await sink.close();
  process.exit(0);
}

const child = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--sink'], { stdio: ['pipe', 'pipe', 'inherit'] });
child.stdout.setEncoding('utf8');
const lines: string[] = [];
let pending = '';
child.stdout.on('data', (chunk: string) => {
  pending += chunk;
  const parts = pending.split('\n');
  pending = parts.pop() ?? '';
  lines.push(...parts);
});
while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
const sinkUrl = lines.shift() ?? '';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const options = { maxQueueSize: 16_384, maxExportBatchSize: 2048, scheduledDelayMillis: 1000 };
const processors: Record<string, () => SpanProcessor> = {
  'NoopSpanProcessor, spans made and dropped (no export)': () => new NoopSpanProcessor(),
  'BatchSpanProcessor, exporter on the main thread': () =>
    new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${sinkUrl}/v1/traces` }), ...options, exportTimeoutMillis: 5_000 }),
};

const statements = ['UPDATE users', 'UPDATE otp_logs', 'UPDATE otp_logs', 'atomic: UPDATE otp_logs; UPDATE users; INSERT audit_events; INSERT outbox_events'];
const statementOptions = statements.map((summary) => ({
  kind: SpanKind.CLIENT,
  attributes: { 'db.system.name': 'sqlite', 'db.query.summary': summary, 'db.operation.name': summary.split(':')[0] ?? summary },
}));

/** One verify's spans, as http-spans.ts and statement-spans.ts make them (a statement ends in a later turn). */
async function verify(tracer: Tracer): Promise<void> {
  const span = tracer.startSpan('POST', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'POST', 'url.path': '/auth/verify', 'url.scheme': 'http', 'client.address': '127.0.0.1' },
  });
  const active = trace.setSpan(context.active(), span);
  await context.with(active, async () => {
    for (const [i, summary] of statements.entries()) {
      const statement = tracer.startSpan(summary, statementOptions[i], context.active());
      await Promise.resolve();
      statement.end();
    }
  });
  span.setAttribute('http.route', '/auth/verify');
  span.updateName('POST /auth/verify');
  span.setAttribute('http.response.status_code', 200);
  span.end();
}

const verifies = Number(values.verifies);
// in groups of 50 at once, as the bench's connections, at the bench's rate (2,000 verifies a
// second): faster, the queue would overflow and spans dropped unexported would flatter the figures
async function run(tracer: Tracer, count: number) {
  const started = performance.now();
  for (let done = 0; done < count; done += 50) {
    await Promise.all(Array.from({ length: 50 }, () => verify(tracer)));
    const due = started + ((done + 50) / 2000) * 1000;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
  }
}

for (let round = 1; round <= Number(values.rounds); round++) {
  for (const [label, make] of Object.entries(processors)) {
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'span-cost' }), sampler: new AlwaysOnSampler(), spanProcessors: [make()] });
    const tracer = provider.getTracer('span-cost');
    await run(tracer, 2000);
    await provider.forceFlush();
    const thread = process.threadCpuUsage();
    const whole = process.cpuUsage();
    await run(tracer, verifies);
    await provider.forceFlush();
    const threadUs = process.threadCpuUsage(thread);
    const wholeUs = process.cpuUsage(whole);
    await provider.shutdown();
    const ms = (usage: { user: number; system: number }) => ((usage.user + usage.system) / 1000 / verifies).toFixed(4);
    console.log(`round ${String(round)}, ${label}: main thread ${ms(threadUs)} ms a verify, process ${ms(wholeUs)} ms a verify`);
  }
}
child.stdin.end();
await once(child, 'exit');
// the BatchSpanProcessor is the one exporting processor
const expected = Number(values.rounds) * (verifies + 2000) * (statements.length + 1);
console.log(`the collector received ${lines.join(' ')} spans of ${String(expected)} exported`);
