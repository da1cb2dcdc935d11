import { ROOT_CONTEXT, SpanStatusCode, type Context } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { DomainError } from '../errors/errors.js';

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

/** The W3C trace context in `traceparent` (and `tracestate`), or the root context when there is none or it is malformed. */
export function extractContext(carrier: Record<string, unknown>): Context {
  return propagator.extract(ROOT_CONTEXT, carrier, headerGetter);
}

/** The `traceparent` of a context's span, or null when it has none. */
export function traceparentOf(active: Context): string | null {
  const carrier: Record<string, string> = {};
  propagator.inject(active, carrier, {
    set: (target: Record<string, string>, key: string, value: string) => {
      target[key] = value;
    },
  });
  return carrier.traceparent ?? null;
}

/** Marks a span failed with the kind of error, never its message (which may quote input). */
export function failed(span: { setAttribute(key: string, value: string): unknown; setStatus(status: { code: SpanStatusCode }): unknown }, error: unknown): void {
  span.setAttribute(ATTR_ERROR_TYPE, error instanceof DomainError ? error.code : error instanceof Error ? error.name : 'unknown');
  span.setStatus({ code: SpanStatusCode.ERROR });
}

