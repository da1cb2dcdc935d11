import { createHmac, createSecretKey, randomInt, timingSafeEqual, type KeyObject } from 'node:crypto';

/** A code of `length` digits from the CSPRNG, uniformly distributed, leading zeros kept. */
export function newCode(length: number): string {
  return randomInt(0, 10 ** length)
    .toString()
    .padStart(length, '0');
}

/**
 * The stored form of a delivered code: HMAC-SHA256 under the service secret, bound to the
 * user so equal codes of different users hash differently. Hex encoded.
 */
export function hashCode(key: KeyObject, userId: number, code: string): string {
  return createHmac('sha256', key).update(`${userId}:${code}`).digest('hex');
}

/** SECRET_KEY as the key {@link hashCode} takes: made once, as each HMAC then costs a few µs less. */
export function codeKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, 'utf8'));
}

/** Constant-time comparison of two hex hashes of equal length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
