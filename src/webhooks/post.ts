import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AddressRefusedError, checkedLookup, hostOf, isPublicAddress, systemResolver, type Resolver } from './address-guard.js';

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * How much of a receiver's answer is read. Only its status counts; a receiver that streams an
 * endless body would otherwise be read (and paid for) until the time cap.
 */
export const ANSWER_LIMIT_BYTES = 4096;
/** The answer's headers, the other part a receiver writes (Node's default is 16 KB). */
const HEADERS_LIMIT_BYTES = 8192;

export interface PostOptions {
  /** the whole attempt's cap: connecting, the answer's headers and its body */
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: when false, only public addresses are connected to */
  allowPrivateNetworks: boolean;
  /** how names are resolved (the system's resolver unless a test plays DNS) */
  resolver?: Resolver;
  /** aborts the attempt (the dispatcher is stopping) */
  signal?: AbortSignal;
}

export interface WebhookAnswer {
  status: number;
  /** how much of the answer's body was read */
  bodyBytes: number;
  /** whether the body went on past ANSWER_LIMIT_BYTES and the connection was dropped */
  cut: boolean;
}

/**
 * POSTs `body` and resolves to the answer's status, whatever it is; rejects when the answer
 * (its body included) has not come within `timeoutMs`, or the address is refused. The body is
 * read up to ANSWER_LIMIT_BYTES; past that the connection is dropped and the status stands.
 * Redirects are not followed: a 3xx is a failed attempt, so a receiver cannot send the request
 * elsewhere.
 */
export function postWebhook(target: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<WebhookAnswer> {
  const url = new URL(target);
  const host = hostOf(url);
  // an address literal is dialled without a lookup, so it is judged here (an endpoint stored
  // before a range was refused is refused now)
  if (!options.allowPrivateNetworks && isIP(host) !== 0 && !isPublicAddress(host)) return Promise.reject(new AddressRefusedError(host));
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<WebhookAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: WebhookAnswer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const request = transport.request(
      url,
      {
        method: 'POST',
        agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'FountainAI-2FA-Webhooks/1' },
        maxHeaderSize: HEADERS_LIMIT_BYTES,
        ...(options.signal ? { signal: options.signal } : {}),
        // every connection's address comes from this one lookup, checked before it is dialled
        lookup: checkedLookup(options.resolver ?? systemResolver, !options.allowPrivateNetworks),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let bodyBytes = 0;
        response.on('data', (chunk: Buffer) => {
          bodyBytes += chunk.length;
          if (bodyBytes <= ANSWER_LIMIT_BYTES) return;
          finish({ status, bodyBytes, cut: true });
          // the socket goes, not back to the pool: the rest of the body would follow on it
          request.destroy();
        });
        response.on('end', () => finish({ status, bodyBytes, cut: false }));
        response.on('error', (error) => finish(error));
        response.on('close', () => finish(new Error('the answer was cut off')));
      },
    );
    const timer = setTimeout(() => {
      finish(new Error(`no answer within ${String(options.timeoutMs)} ms`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: Error) => finish(error));
    request.end(body);
  });
}
