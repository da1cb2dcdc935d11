// A receiving endpoint for webhook tests: a real HTTP server that verifies every request with
// the `standardwebhooks` package, as a consumer following docs/events.md would.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  status: number;
}

/** A receiver: verifies each request with standardwebhooks; answers 500 to the first `failFirst` tries of each webhook-id. */
export async function startReceiver(options: { failFirst?: number } = {}) {
  const received: Received[] = [];
  const tries = new Map<string, number>();
  let secret = '';
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        new Webhook(secret).verify(body, request.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const id = String(request.headers['webhook-id']);
      const tried = (tries.get(id) ?? 0) + 1;
      tries.set(id, tried);
      const status = verified && tried > (options.failFirst ?? 0) ? 200 : 500;
      received.push({ headers: request.headers, body, verified, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`,
    received,
    setSecret: (value: string) => (secret = value),
    /** the requests about `username` */
    about: (username: string) => received.filter((r) => (JSON.parse(r.body) as { data: { username?: string } }).data.username === username),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function until<T>(check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

