import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { CLOCK_TOLERANCE_SECONDS, hmacKey, RESULT_TOKEN_ISSUER } from './jwt.js';

export { RESULT_TOKEN_ISSUER } from './jwt.js';

/** What a result token says, once checked. */
export interface ResultTokenClaims {
  /** the token's `sub`: the user who just proved the second factor */
  username: string;
  /** the token's `amr` (RFC 8176): how, e.g. ["otp"], ["totp"], ["recovery"] */
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
  /** the token's `jti`: unique per token, for a checker that wants each token used once */
  id: string;
}

export type ResultTokens = ReturnType<typeof createResultTokens>;

const nodeHashOf = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' } as const;

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Issues the token a successful verification returns: a short-lived JWT that any FountainAI
 * service holding SECRET_KEY can check offline ("this user passed 2FA just now, by this method").
 */
export function createResultTokens({ config, clock }: { config: Pick<Config, 'security'>; clock: Clock }) {
  const { algorithm, resultTokenTtlSeconds } = config.security;
  // a KeyObject made once: an HMAC over raw bytes costs several times more (16 µs against 2)
  const key = createSecretKey(hmacKey(config.security.secretKey));
  const hash = nodeHashOf[algorithm];
  const header = base64url(JSON.stringify({ alg: algorithm, typ: 'JWT' }));

  /**
   * Signed in-line with node:crypto's HMAC (a few µs) rather than through WebCrypto, whose
   * thread-pool round trip cost more than the rest of a verification's CPU. The token is a
   * plain compact JWS: `verifyResultToken` (jose) and any JWT library check it.
   */
  /** `amr` when it says more than the method alone (RFC 8176 values, e.g. a passkey's ["pop", "user"]); [method] otherwise */
  function issue({ username, method, amr }: { username: string; method: string; amr?: string[] }): Promise<string> {
    const issuedAt = Math.floor(clock.now().getTime() / 1000);
    const payload = base64url(
      JSON.stringify({
        amr: amr ?? [method],
        iss: RESULT_TOKEN_ISSUER,
        sub: username,
        iat: issuedAt,
        exp: issuedAt + resultTokenTtlSeconds,
        jti: randomUUID(),
      }),
    );
    const signature = createHmac(hash, key).update(`${header}.${payload}`).digest('base64url');
    return Promise.resolve(`${header}.${payload}.${signature}`);
  }

  return { issue };
}

/**
 * The check another service makes (and the README shows): signed with `secretKey` under
 * exactly `algorithm`, issued by this service, unexpired, with a subject and methods. Throws
 * (a jose error, or a TypeError for a malformed `amr`) when any of that fails.
 */
export async function verifyResultToken(
  token: string,
  { secretKey, algorithm, currentDate }: { secretKey: string; algorithm: string; currentDate?: Date },
): Promise<ResultTokenClaims> {
  const { payload } = await jwtVerify(token, hmacKey(secretKey), {
    algorithms: [algorithm],
    issuer: RESULT_TOKEN_ISSUER,
    requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate,
  });
  const { sub, amr, iat, exp, jti } = payload;
  if (!Array.isArray(amr) || amr.length === 0 || !amr.every((m): m is string => typeof m === 'string')) {
    throw new TypeError('result token: amr must be a non-empty array of strings');
  }
  if (sub === undefined || iat === undefined || exp === undefined || jti === undefined) {
    throw new TypeError('result token: sub, iat, exp and jti are required');
  }
  return { username: sub, methods: amr, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000), id: jti };
}
