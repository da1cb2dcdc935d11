import { createHmac, createPrivateKey, createSecretKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose';
import { CLOCK_TOLERANCE_SECONDS, hmacKey } from '../auth/jwt.js';
import type { Clock } from '../clock/clock.js';
import { EPHEMERAL_KEY_ID, type Config } from '../config/config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Logger } from '../logging/logger.js';
import type { SigningKeysStore, StoredSigningKey } from './signing-keys.store.js';

/** How a result token is signed: its header's `alg` and `kid`, and the signature of `header.payload`. */
export interface TokenSigner {
  alg: 'ES256' | 'EdDSA' | 'HS256';
  /** absent for HS256, whose key is SECRET_KEY and never published */
  kid?: string;
  /** the base64url signature of the JWS signing input */
  sign(signingInput: string): string;
}

/**
 * How often an instance reads the active key again: after a rotation, other instances sign
 * with the new key within this time, so a retired key stays published this much longer than
 * its tokens live.
 */
export const KEY_REFRESH_SECONDS = 60;

/** The active key is sealed under an ENCRYPTION_KEY this instance lacks: a configuration fault, which stops the start. */
export class SigningKeyUnreadableError extends Error {
  override name = 'SigningKeyUnreadableError';
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;

interface SigningKeysDeps {
  store: SigningKeysStore;
  /** seals private keys under ENCRYPTION_KEY (its own purpose, so a sealed value cannot pass for a TOTP secret) */
  box: SecretBox;
  clock: Clock;
  config: Pick<Config, 'security' | 'production'>;
  logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * The keys that sign result tokens, shared by every instance through the database. Under
 * ES256 or EdDSA (RESULT_TOKEN_ALGORITHM) the first instance to start creates the key; the
 * public parts are served as a JWKS, the private parts kept sealed. Under HS256 the key is
 * SECRET_KEY, and nothing is published.
 */
export function createSigningKeys({ store, box, clock, config, logger }: SigningKeysDeps) {
  const algorithm = config.security.resultTokenAlgorithm;
  const ttl = config.security.resultTokenTtlSeconds;
  const hmac: TokenSigner | undefined =
    algorithm === 'HS256' ? hmacSigner(createSecretKey(hmacKey(config.security.secretKey))) : undefined;
  let cached: { signer: TokenSigner; readAt: number } | undefined;
  let reading: Promise<TokenSigner> | undefined;

  /**
   * The signer of new tokens: the active key, read at most every KEY_REFRESH_SECONDS, created
   * when there is none. Called once at start-up, so a key that cannot be opened stops the start.
   */
  async function current(): Promise<TokenSigner> {
    if (hmac) return hmac;
    if (cached && clock.now().getTime() - cached.readAt < KEY_REFRESH_SECONDS * 1000) return cached.signer;
    reading ??= load().finally(() => (reading = undefined));
    try {
      return await reading;
    } catch (error) {
      // A running instance keeps signing with the key it has (still published) and says why.
      if (!cached) throw error;
      logger.error({ err: error }, 'result tokens: the active signing key could not be read; still signing with the previous one');
      cached.readAt = clock.now().getTime();
      return cached.signer;
    }
  }

  async function load(): Promise<TokenSigner> {
    let stored = await store.active(algorithm);
    if (!stored) {
      await store.insertIfNoneActive(await newKey());
      stored = await store.active(algorithm);
    }
    if (!stored) throw new Error(`result tokens: no active ${algorithm} signing key after creating one`);
    let signer = open(stored);
    if (!signer) {
      const keyId = box.keyIdOf(stored.sealedPrivateKey);
      // A key sealed under the development key of some earlier process (ENCRYPTION_KEY unset)
      // was never a production key: nobody can open it again, so it is replaced, in production
      // too. One sealed under another configured key is some deployment's key: production stops.
      if (config.production && !config.security.encryptionKeyIsEphemeral && keyId !== EPHEMERAL_KEY_ID) {
        throw new SigningKeyUnreadableError(
          `result tokens: the active signing key ${stored.kid} is sealed under the ENCRYPTION_KEY with id "${keyId}", ` +
            'which is not configured here. Every instance must share ENCRYPTION_KEY: add that key to ENCRYPTION_KEY ' +
            `("newId:base64,${keyId}:base64"), or, if it is lost, replace the signing key with ` +
            '`npm run cli -- keys:rotate-signing` (tokens it signed can no longer be checked)',
        );
      }
      logger.warn(
        { kid: stored.kid, keyId },
        keyId === EPHEMERAL_KEY_ID
          ? 'result tokens: the active signing key was sealed under a development ENCRYPTION_KEY (unset then); replacing it'
          : 'result tokens: the active signing key is sealed under another ENCRYPTION_KEY; replacing it',
      );
      await rotate().catch(() => undefined); // another instance may have rotated first
      stored = await store.active(algorithm);
      signer = stored ? open(stored) : undefined;
      if (!signer) throw new SigningKeyUnreadableError('result tokens: no active signing key can be opened with this ENCRYPTION_KEY');
    }
    cached = { signer, readAt: clock.now().getTime() };
    return signer;
  }

  function open(stored: StoredSigningKey): TokenSigner | undefined {
    let key: KeyObject;
    try {
      key = createPrivateKey(box.decrypt(stored.sealedPrivateKey));
    } catch {
      return undefined;
    }
    return stored.algorithm === 'EdDSA' ? edDsaSigner(stored.kid, key) : es256Signer(stored.kid, key);
  }

  async function newKey() {
    if (algorithm === 'HS256') throw new Error('result tokens: HS256 signs with SECRET_KEY; it has no key pair');
    const { privateKey, publicKey } = algorithm === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = await calculateJwkThumbprint(jwk);
    return {
      kid,
      algorithm,
      publicJwk: JSON.stringify({ ...jwk, kid, alg: algorithm, use: 'sig' }),
      sealedPrivateKey: box.encrypt(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()),
      createdAt: clock.now(),
    };
  }

  /**
   * A new key for RESULT_TOKEN_ALGORITHM, active at once for this instance and within
   * KEY_REFRESH_SECONDS for every other; every key active until now is retired and stays in
   * the JWKS until the last token it can have signed has expired (`npm run cli -- keys:rotate-signing`).
   */
  async function rotate(): Promise<{ kid: string; retired: string[]; publishedUntil: Date }> {
    const next = await newKey();
    const now = clock.now();
    const publishedUntil = new Date(now.getTime() + (KEY_REFRESH_SECONDS + ttl + CLOCK_TOLERANCE_SECONDS) * 1000);
    const retired = await store.rotate(next, now, publishedUntil);
    cached = undefined;
    return { kid: next.kid, retired, publishedUntil };
  }

  /** The public keys tokens may be checked with now (RFC 7517): never a private part. */
  async function jwks(): Promise<JSONWebKeySet> {
    const published = await store.published(clock.now());
    return { keys: published.map((json) => publicOnly(JSON.parse(json) as JWK)) };
  }

  return { algorithm, current, rotate, jwks };
}

/** The members of a public JWK (RFC 7517/7518/8037), so a private member could never slip into the JWKS. */
function publicOnly({ kty, crv, x, y, n, e, kid, alg, use }: JWK): JWK {
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg, use }).filter(([, value]) => value !== undefined));
}

function es256Signer(kid: string, key: KeyObject): TokenSigner {
  return {
    alg: 'ES256',
    kid,
    // JWS wants r || s (RFC 7518 §3.4), not DER. The key is passed as itself and the DER read
    // here: node:crypto's options object and its own conversion more than doubled the CPU of a
    // signature (docs/performance.md).
    sign: (input) => joseOfDer(sign('sha256', Buffer.from(input), key)).toString('base64url'),
  };
}

/** A P-256 ECDSA signature in DER (SEQUENCE of two INTEGERs) as JWS's 64 bytes, r then s, each right-aligned. */
export function joseOfDer(der: Buffer): Buffer {
  const jose = Buffer.alloc(64);
  // A P-256 signature's SEQUENCE is at most 70 bytes: its length is one byte.
  if (der[0] !== 0x30 || der[1] !== der.length - 2) throw new Error('ES256: not a DER signature');
  let at = 2;
  for (const offset of [0, 32]) {
    const length = der[at + 1] ?? 0;
    if (der[at] !== 0x02 || length < 1 || length > 33 || at + 2 + length > der.length) throw new Error('ES256: not a DER signature');
    // a 33-byte INTEGER is a sign byte of zero and 32 bytes; a shorter one lost its leading zeros
    const start = at + 2 + Math.max(0, length - 32);
    der.copy(jose, offset + 32 - (at + 2 + length - start), start, at + 2 + length);
    at += 2 + length;
  }
  if (at !== der.length) throw new Error('ES256: not a DER signature');
  return jose;
}

function edDsaSigner(kid: string, key: KeyObject): TokenSigner {
  return { alg: 'EdDSA', kid, sign: (input) => sign(null, Buffer.from(input), key).toString('base64url') };
}

/** Signed in-line with node:crypto's HMAC: a few µs, where WebCrypto's thread-pool round trip costs more than the rest of a verification. */
function hmacSigner(key: KeyObject): TokenSigner {
  return { alg: 'HS256', sign: (input) => createHmac('sha256', key).update(input).digest('base64url') };
}
