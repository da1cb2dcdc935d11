/**
 * What the service's two kinds of JWT share: the clock tolerance, the result tokens' issuer, and
 * SECRET_KEY as an HMAC key. Callers' bearer tokens are HMACs under SECRET_KEY with ALGORITHM
 * (or come from the platform issuer's JWKS); result tokens are signed with the service's own
 * keys (ES256 by default, public at /.well-known/jwks.json), and are HMACs under SECRET_KEY only
 * where RESULT_TOKEN_ALGORITHM is HS256.
 */

/** SECRET_KEY's UTF-8 bytes: the key PyJWT, python-jose and jsonwebtoken use for a string secret. */
export function hmacKey(secretKey: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(secretKey);
}

const hashOf = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' } as const;

/**
 * The same key imported once for one HMAC algorithm: jose would import raw bytes again on every
 * call, which costs more than the signature itself (docs/performance.md).
 */
export function hmacCryptoKey(secretKey: string, algorithm: keyof typeof hashOf, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', hmacKey(secretKey), { name: 'HMAC', hash: hashOf[algorithm] }, false, [usage]);
}

/** Clock skew tolerated between this service and the one that signed or checks a token. */
export const CLOCK_TOLERANCE_SECONDS = 30;

/** `iss` of the result tokens; a token carrying it is never accepted as a caller's token. */
export const RESULT_TOKEN_ISSUER = 'fountainai-2fa';
