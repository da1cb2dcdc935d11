/**
 * ES256 result tokens carry r || s (RFC 7518 §3.4), which the service reads out of the DER
 * signature node:crypto makes. The failure it guards against: a signature whose r or s is
 * shorter than 32 bytes (about one in 128) or has a sign byte, written misaligned, gives a token
 * that no checker accepts, now and then and only in production.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { joseOfDer } from '../src/tokens/signing-keys.js';

describe('ES256 signatures as JWS writes them', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

  it('check as r || s, for thousands of signatures (short r and s among them)', () => {
    let short = 0;
    for (let i = 0; i < 3000; i++) {
      const input = Buffer.from(`header.payload-${String(i)}`);
      const der = sign('sha256', input, privateKey);
      // a length byte below 32 for r or s: an INTEGER that lost leading zeros
      if ((der[3] ?? 0) < 32 || (der[(der[3] ?? 0) + 5] ?? 0) < 32) short++;
      const jose = joseOfDer(der);
      expect(jose).toHaveLength(64);
      expect(verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jose)).toBe(true);
    }
    expect(short).toBeGreaterThan(0);
  });

  it('refuse what is not a DER signature', () => {
    const der = sign('sha256', Buffer.from('x'), privateKey);
    expect(() => joseOfDer(der.subarray(0, der.length - 1))).toThrow('not a DER signature');
    expect(() => joseOfDer(Buffer.concat([der, Buffer.from([0])]))).toThrow('not a DER signature');
    expect(() => joseOfDer(Buffer.from([0x31, ...der.subarray(1)]))).toThrow('not a DER signature');
  });
});
