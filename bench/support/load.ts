import autocannon from 'autocannon';

/** What one request of a dynamic phase carries; the rest comes from the phase. */
export interface DynamicRequest {
  path?: string;
  body?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds; ignored when `amount` is set */
  duration: number;
  /** a fixed number of requests instead of a duration (set-up work, not measured) */
  amount?: number;
  method: 'GET' | 'POST';
  path: string;
  /** e.g. a JSON content type for a body; none by default (a legacy generate has no body) */
  headers?: Record<string, string>;
  /**
   * Built for every request, e.g. a different user and code each time; `context` belongs to
   * the connection and is handed to `onResponse` for the answer to this request.
   */
  next?: (context: Record<string, unknown>) => DynamicRequest;
  /** sees every response (status and body) */
  onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
}

export interface LoadResult {
  /** responses of every status */
  responses: number;
  durationS: number;
  /** responses per second */
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** connection errors and timeouts */
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  /** the monotonic clock (µs) at the start and end, to cut a CPU profile to this phase */
  monotonicUs: { start: number; end: number };
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** One autocannon run from this process, pipelining 1. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { next, onResponse } = options;
  const request: autocannon.Request = {
    method: options.method,
    path: options.path,
    ...(next
      ? {
          setupRequest: (req: autocannon.Request, context: object) => {
            const dynamic = next(context as Record<string, unknown>);
            return { ...req, ...(dynamic.path ? { path: dynamic.path } : {}), ...(dynamic.body ? { body: dynamic.body } : {}) };
          },
        }
      : {}),
    ...(onResponse
      ? { onResponse: (status: number, body: string, context: object) => onResponse(status, body, context as Record<string, unknown>) }
      : {}),
  };
  const start = nowUs();
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    pipelining: 1,
    timeout: 10,
    ...(options.amount === undefined ? { duration: options.duration } : { amount: options.amount }),
    headers: options.headers ?? {},
    requests: [request],
  });
  const end = nowUs();
  const statusCounts: Record<string, number> = {};
  for (const [status, stat] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = stat.count ?? 0;
  const responses = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  return {
    responses,
    durationS: result.duration,
    rps: responses / result.duration,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    monotonicUs: { start, end },
  };
}
