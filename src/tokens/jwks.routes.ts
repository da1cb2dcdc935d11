import type { FastifyPluginAsync } from 'fastify';
import type { SigningKeys } from './signing-keys.js';

/**
 * How long a JWKS may be cached. A checker that meets an unknown `kid` (a rotation since) fetches
 * the set again (jose's remote JWKS, PyJWT's PyJWKClient do), so this bounds only how stale a
 * shared HTTP cache can make it.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

const jwkSchema = {
  type: 'object',
  required: ['kty', 'kid', 'alg', 'use'],
  properties: {
    kty: { type: 'string', description: 'EC (ES256, crv P-256) or OKP (EdDSA, crv Ed25519).' },
    crv: { type: 'string' },
    x: { type: 'string' },
    y: { type: 'string' },
    kid: { type: 'string', description: 'The key id (its RFC 7638 thumbprint), as in the tokens’ header.' },
    alg: { type: 'string', enum: ['ES256', 'EdDSA'] },
    use: { type: 'string', enum: ['sig'] },
  },
} as const;

/** GET /.well-known/jwks.json: the public keys result tokens are checked with (RFC 7517). */
export const jwksRoutes: FastifyPluginAsync<{ signingKeys: Pick<SigningKeys, 'jwks'> }> = async (app, { signingKeys }) => {
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        summary: 'Result-token public keys (JWKS)',
        description:
          'The public keys that sign result tokens (RESULT_TOKEN_ALGORITHM ES256 or EdDSA): the active key and every ' +
          'retired key whose tokens may still be valid. Never a private part; empty under HS256, whose key is SECRET_KEY. ' +
          `Cacheable for ${String(JWKS_MAX_AGE_SECONDS)} s; fetch it again on an unknown kid.`,
        tags: ['Result tokens'],
        response: {
          200: {
            type: 'object',
            required: ['keys'],
            properties: { keys: { type: 'array', items: jwkSchema } },
          },
        },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', `public, max-age=${String(JWKS_MAX_AGE_SECONDS)}`);
      return signingKeys.jwks();
    },
  );
};
