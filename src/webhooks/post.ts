import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { AddressRefusedError, hostOf, isPublicAddress, publicOnlyLookup } from './address-guard.js';

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

export interface PostOptions {
  timeoutMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: when false, only public addresses are connected to */
  allowPrivateNetworks: boolean;
}

/**
 * POSTs `body` and resolves to the answer's status, whatever it is; rejects when no answer
 * came within `timeoutMs` (connecting included), or the address is refused. Redirects are not
 * followed: a 3xx is a failed attempt, so a receiver cannot send the request elsewhere.
 */
export function postWebhook(target: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<number> {
  const url = new URL(target);
  const host = hostOf(url);
  if (!options.allowPrivateNetworks && isIP(host) !== 0 && !isPublicAddress(host)) {
    return Promise.reject(new AddressRefusedError(host, host));
  }
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'FountainAI-2FA-Webhooks/1' },
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      (response) => {
        // the answer's body is read and dropped: only its status counts
        response.on('data', () => undefined);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', (error: Error) => {
      reject(error.name === 'AbortError' ? new Error(`no answer within ${String(options.timeoutMs)} ms`) : error);
    });
    request.end(body);
  });
}
