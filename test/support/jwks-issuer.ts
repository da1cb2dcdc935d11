import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';

/**
 * A platform issuer for caller tokens: a real HTTP server publishing a JWKS, which a test can
 * make misbehave, and the ES256 tokens it (or a forger) signs.
 */

export const ISSUER = 'https://issuer.platform.test';

/**
 * How the JWKS endpoint answers: `up` serves the keys; `down` drops the connection; `hang`
 * accepts and never answers; `drip` sends headers and then a byte a second, forever; `huge`
 * sends a 30 MB answer (with its Content-Length); `endless` streams JSON without end, as fast
 * as the reader takes it.
 */
export type IssuerMode = 'up' | 'down' | 'hang' | 'drip' | 'huge' | 'endless';

export const HUGE_JWKS_BYTES = 30 * 1024 * 1024;

export const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const strangerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export interface JwksIssuer {
  /** the JWKS URL, for CALLER_JWKS_URL */
  url: string;
  /** what the endpoint does from the next request on, and how many requests it has seen */
  state: { mode: IssuerMode; fetches: number };
  close(): Promise<void>;
}

/** Starts the issuer on a port of its own, publishing `keys` (the issuer's key as `issuer-1` unless told). */
export async function startJwksIssuer(
  mode: IssuerMode = 'up',
  keys: { kid: string; key: KeyObject }[] = [{ kid: 'issuer-1', key: issuerKey.publicKey }],
): Promise<JwksIssuer> {
  const state = { mode, fetches: 0 };
  const jwks = JSON.stringify({
    keys: await Promise.all(keys.map(async ({ kid, key }) => ({ ...(await exportJWK(key)), kid, alg: 'ES256', use: 'sig' }))),
  });
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((request, response) => {
    state.fetches++;
    switch (state.mode) {
      case 'up':
        response.writeHead(200, { 'content-type': 'application/json' }).end(jwks);
        return;
      case 'down':
        response.socket?.destroy();
        return;
      case 'hang':
        return;
      case 'drip': {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write('{"keys":[');
        const timer = setInterval(() => response.write(' '), 1000);
        timers.add(timer);
        response.on('close', () => clearInterval(timer));
        return;
      }
      case 'huge':
        sendHuge(response);
        return;
      case 'endless':
        sendEndless(response);
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/.well-known/jwks.json`;
  return {
    url,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A valid-looking JWKS of HUGE_JWKS_BYTES: one key whose `x` pads it out, sent in 1 MB chunks as the reader takes them. */
function sendHuge(response: ServerResponse) {
  const head = '{"keys":[{"kty":"EC","crv":"P-256","kid":"issuer-1","x":"';
  const tail = '","y":"AA"}]}';
  const padding = HUGE_JWKS_BYTES - head.length - tail.length;
  response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(HUGE_JWKS_BYTES) });
  response.write(head);
  const chunk = 'A'.repeat(1024 * 1024);
  let left = padding;
  const more = () => {
    while (left > 0 && !response.destroyed) {
      const part = left >= chunk.length ? chunk : chunk.slice(0, left);
      left -= part.length;
      if (!response.write(part)) return void response.once('drain', more);
    }
    if (!response.destroyed) response.end(tail);
  };
  more();
}

/** `{"keys":[` and then keys, without end and without a Content-Length, as fast as the reader takes them. */
function sendEndless(response: ServerResponse) {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.write('{"keys":[');
  const chunk = '{"kty":"EC","crv":"P-256","x":"AA","y":"AA"},'.repeat(1000);
  const more = () => {
    while (!response.destroyed) if (!response.write(chunk)) return void response.once('drain', more);
  };
  more();
}

/** A caller token as the platform issuer mints it: ES256, its kid, the scopes to generate and verify. */
export function issuerToken({ kid = 'issuer-1', key = issuerKey.privateKey, claims = {}, expiresIn = '10m' }: { kid?: string; key?: KeyObject; claims?: JWTPayload; expiresIn?: string | number } = {}) {
  return new SignJWT({ scope: 'otp:generate otp:verify', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(claims.iss ?? ISSUER)
    .setSubject('billing-service')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(key);
}
