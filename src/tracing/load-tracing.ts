import type { TracingConfig } from '../config/config.js';
import { noTracing, type Tracing } from './tracing.js';

/**
 * The OpenTelemetry tracing when the configuration asks for it, else {@link noTracing}. Apart
 * from tracing.ts, whose `Tracing` otel.ts implements, so the two do not import each other.
 */
export async function loadTracing(config: TracingConfig | undefined): Promise<Tracing> {
  if (!config) return noTracing;
  const { createOtelTracing } = await import('./otel.js');
  return createOtelTracing(config);
}
