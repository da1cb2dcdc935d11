// A receiving endpoint for webhook tests: a real HTTP server that verifies every request with
// the `standardwebhooks` package, as a consumer following docs/events.md would.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  verified: boolean;
  status: number;
  /** when it was received (Date.now()) */
  at: number;
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
      let verified: boolean;
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
      received.push({ headers: request.headers, body, verified, status, at: Date.now() });
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


/** A receiver that reads each request and never answers; it counts the requests it holds at once. */
export async function startHangingReceiver() {
  let open = 0;
  let mostOpen = 0;
  let requests = 0;
  const server: Server = createServer((request) => {
    requests += 1;
    open += 1;
    mostOpen = Math.max(mostOpen, open);
    request.resume();
    request.socket.once('close', () => (open -= 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`,
    stats: () => ({ requests, open, mostOpen }),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A receiver that answers 200 and then streams a body that never ends, as fast as the
 * connection takes it; it counts what it managed to write on each connection before that
 * connection was dropped.
 */
export async function startStreamingReceiver() {
  const written: number[] = [];
  const sockets = new Set<Socket>();
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const server: Server = createServer((request, response) => {
    request.resume();
    sockets.add(request.socket);
    const index = written.push(0) - 1;
    response.writeHead(200, { 'content-type': 'text/plain' });
    const pump = () => {
      while (!response.destroyed) {
        written[index] = (written[index] ?? 0) + chunk.length;
        if (!response.write(chunk)) return void response.once('drain', pump);
      }
    };
    response.on('close', () => sockets.delete(request.socket));
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hook`,
    /** bytes written on each connection so far */
    written: () => [...written],
    /** connections still streaming */
    streaming: () => sockets.size,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
