/**
 * Attack: forging "this user passed 2FA" to a service that holds only the JWKS. With public-key
 * result tokens no checker holds a key that signs, so the forger's tricks are the algorithm
 * ones: an HS256 token (signed with SECRET_KEY, or with the public key itself as the HMAC
 * secret, the RS/HS confusion), `alg: none`, a payload altered under a real signature, an
 * expired token, and a real token for another action (`ctx`) or another service (`aud`). The
 * checker below is the one docs/rest.md shows, with jose and the JWKS alone; each forgery fails.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, jwtVerify, SignJWT, UnsecuredJWT, type JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyResultToken } from '../src/verification/result-token.js';
import { contextHash } from '../src/vocabulary/action-context.js';
import { TEST_SECRET, useTestApp } from './support/app.js';
import { createUser, postVerify } from './support/flows.js';
import { fetchJwks } from './support/result-tokens.js';
import { createLocalJWKSet } from 'jose';

const CONTEXT = 'Pay 42.00 EUR to ACME GmbH';

/** docs/rest.md's check, word for word but for the local JWKS in place of the remote one. */
async function secondFactor(jwks: JSONWebKeySet, token: string, username: string, action: string, currentDate?: Date) {
  const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
    algorithms: ['ES256', 'EdDSA'],
    issuer: 'fountainai-2fa',
    requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr'],
    clockTolerance: 30,
    currentDate,
  });
  if (payload.sub !== username) throw new Error('the token is about another user');
  const expected = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(action))).toString('base64url');
  if (payload.ctx !== expected) throw new Error('the token approves another action');
  return payload.amr;
}

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string | undefined) => JSON.parse(Buffer.from(part ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('a checker holding only the JWKS', () => {
  const app = useTestApp();
  let jwks: JSONWebKeySet;
  let token: string;
  let username: string;

  beforeAll(async () => {
    username = await createUser(app);
    const generated = await app.inject({ method: 'POST', url: `/auth/generate?username=${username}&context=${encodeURIComponent(CONTEXT)}` });
    expect(generated.statusCode, generated.body).toBe(200);
    const verified = await postVerify(app, { username, otp_code: generated.json<{ otp_code: string }>().otp_code, context: CONTEXT });
    expect(verified.statusCode, verified.body).toBe(200);
    token = verified.json<{ token: string }>().token;
    jwks = await fetchJwks(app);
  });

  /** A token with `token`'s header and claims (changed by `claims`), signed by `sign`. */
  const reSigned = (claims: Record<string, unknown>, header: Record<string, unknown>) => {
    const [head, body] = token.split('.');
    return { header: { ...decode(head), ...header }, payload: { ...decode(body), ...claims } };
  };

  it('accepts the real token, for its user and its action', async () => {
    await expect(secondFactor(jwks, token, username, CONTEXT)).resolves.toEqual(['otp', 'email']);
    expect(await verifyResultToken(token, { jwks }, { context: CONTEXT })).toMatchObject({ username, contextHash: contextHash(CONTEXT) });
  });

  it('refuses an HS256 token signed with SECRET_KEY, however right its claims', async () => {
    const { payload } = reSigned({}, {});
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_SECRET));
    await expect(secondFactor(jwks, forged, username, CONTEXT)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
    await expect(verifyResultToken(forged, { jwks })).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('refuses alg none', async () => {
    const { payload } = reSigned({}, {});
    const unsigned = new UnsecuredJWT(payload).encode();
    await expect(secondFactor(jwks, unsigned, username, CONTEXT)).rejects.toThrow();
    // and `none` spelt into a real token's header, signature dropped
    const [, body] = token.split('.');
    await expect(secondFactor(jwks, `${encode({ alg: 'none', kid: decodeProtectedHeader(token).kid })}.${body}.`, username, CONTEXT)).rejects.toThrow();
  });

  it('refuses the public key used as an HMAC secret (key confusion), as JWK, PEM or raw x', async () => {
    const kid = decodeProtectedHeader(token).kid;
    const jwk = jwks.keys.find((key) => key.kid === kid);
    expect(jwk).toBeDefined();
    const pem = createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
    const { payload } = reSigned({}, {});
    for (const secret of [JSON.stringify(jwk), JSON.stringify(jwks), pem, String(jwk?.x)]) {
      const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
      await expect(secondFactor(jwks, forged, username, CONTEXT)).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
      await expect(verifyResultToken(forged, { jwks })).rejects.toThrow();
    }
  });

  it('refuses a tampered payload (another user, another action, a later exp) under the real signature', async () => {
    const [head, body, signature] = token.split('.');
    for (const change of [{ sub: 'mallory' }, { ctx: contextHash('Pay 4200.00 EUR to Mallory') }, { exp: Number(decode(body).exp) + 3600 }]) {
      const tampered = `${head}.${encode({ ...decode(body), ...change })}.${signature}`;
      await expect(secondFactor(jwks, tampered, username, CONTEXT)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    }
  });

  it('refuses a token signed by another key that claims the same kid', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { header, payload } = reSigned({}, {});
    const forged = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: String(header.kid) }).sign(privateKey);
    await expect(secondFactor(jwks, forged, username, CONTEXT)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    // and the forger's own key, published nowhere
    const own = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'mallory' }).sign(privateKey);
    await expect(secondFactor(jwks, own, username, CONTEXT)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(await exportJWK(privateKey)).toHaveProperty('d'); // (what the service's JWKS never holds)
    expect(jwks.keys.some((key) => 'd' in key)).toBe(false);
  });

  it('refuses the token once expired (exp + 30 s of clock skew)', async () => {
    const exp = Number(decode(token.split('.')[1]).exp);
    await expect(secondFactor(jwks, token, username, CONTEXT, new Date((exp + 29) * 1000))).resolves.toEqual(['otp', 'email']);
    await expect(secondFactor(jwks, token, username, CONTEXT, new Date((exp + 31) * 1000))).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(verifyResultToken(token, { jwks }, { currentDate: new Date((exp + 31) * 1000) })).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('refuses a real token for another action, for no action, and for another service', async () => {
    await expect(secondFactor(jwks, token, username, 'Pay 4200.00 EUR to Mallory')).rejects.toThrow('another action');
    await expect(verifyResultToken(token, { jwks }, { context: 'Pay 4200.00 EUR to Mallory' })).rejects.toThrow('another action');
    await expect(verifyResultToken(token, { jwks }, { context: null })).rejects.toThrow('issued for an action');
    await expect(verifyResultToken(token, { jwks }, { audience: 'payments' })).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    await expect(secondFactor(jwks, token, 'mallory', CONTEXT)).rejects.toThrow('another user');
  });
});
