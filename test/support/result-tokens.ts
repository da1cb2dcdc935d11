import { createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/**
 * What a service that checks result tokens holds: the 2FA service's JWKS, as
 * `GET /.well-known/jwks.json` serves it, and nothing else.
 */
export async function fetchJwks(app: TestApp): Promise<JSONWebKeySet> {
  const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<JSONWebKeySet>();
}

/** The JWKS as jose's key resolver, for `jwtVerify(token, await jwksOf(app), …)`. */
export async function jwksOf(app: TestApp) {
  return createLocalJWKSet(await fetchJwks(app));
}
