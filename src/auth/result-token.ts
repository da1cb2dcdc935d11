import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { TokenSigner } from '../tokens/signing-keys.js';
import { contextHash } from '../verification/action-context.js';
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
  /** the token's `ctx`: base64url(SHA-256(context)) of the action the user approved, if any */
  contextHash?: string;
  /** the token's `aud`, when the caller asked for one */
  audience?: string;
}

/** What a verification tells the token. */
export interface ResultTokenRequest {
  username: string;
  /** the method that succeeded */
  method: string;
  /** `amr` when it says more than the method alone (RFC 8176 values); [method] otherwise */
  amr?: string[];
  /** the action the user approved: the token carries its hash as `ctx` */
  context?: string;
  /** who the token is for (`aud`), when the caller asked */
  audience?: string;
}

export type ResultTokens = ReturnType<typeof createResultTokens>;

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Issues the token a successful verification returns: a short-lived JWT saying "this user
 * passed 2FA just now, by this method, for this action", signed with the active key
 * (ES256 or EdDSA, `kid` in the header; its public part at /.well-known/jwks.json), or with
 * SECRET_KEY where RESULT_TOKEN_ALGORITHM is HS256. Built in-line, a plain compact JWS that
 * `verifyResultToken` (jose) and any JWT library check.
 */
export function createResultTokens({
  config,
  clock,
  keys,
}: {
  config: Pick<Config, 'security'>;
  clock: Clock;
  keys: { current(): Promise<TokenSigner> };
}) {
  const { resultTokenTtlSeconds } = config.security;

  async function issue({ username, method, amr, context, audience }: ResultTokenRequest): Promise<string> {
    const signer = await keys.current();
    const issuedAt = Math.floor(clock.now().getTime() / 1000);
    const header = base64url(JSON.stringify(signer.kid === undefined ? { alg: signer.alg, typ: 'JWT' } : { alg: signer.alg, kid: signer.kid, typ: 'JWT' }));
    const payload = base64url(
      JSON.stringify({
        iss: RESULT_TOKEN_ISSUER,
        sub: username,
        ...(audience === undefined ? {} : { aud: audience }),
        iat: issuedAt,
        exp: issuedAt + resultTokenTtlSeconds,
        jti: randomUUID(),
        auth_time: issuedAt,
        amr: amr ?? [method],
        ...(context === undefined ? {} : { ctx: contextHash(context) }),
      }),
    );
    return `${header}.${payload}.${signer.sign(`${header}.${payload}`)}`;
  }

  return { issue };
}

/** How a checker knows the keys: the service's JWKS (the default), or SECRET_KEY where RESULT_TOKEN_ALGORITHM is HS256. */
export type ResultTokenKeys = { jwks: JSONWebKeySet | JWTVerifyGetKey } | { secretKey: string };

export interface ResultTokenCheck {
  /** the action the caller is about to perform: the token's `ctx` must be its hash; null: the token must have none */
  context?: string | null;
  /** this service's name, when it asked for tokens addressed to it */
  audience?: string;
  currentDate?: Date;
}

/**
 * The check another service makes (docs/rest.md shows it without this helper): signed by one
 * of the service's keys under an algorithm fixed here (ES256 or EdDSA with a JWKS, HS256 with
 * SECRET_KEY; never the one the token names alone), issued by this service, unexpired, with a
 * subject and methods, addressed to `audience` when given, for `context` when given. Throws (a
 * jose error, or a TypeError) when any of that fails.
 */
export async function verifyResultToken(token: string, keys: ResultTokenKeys, check: ResultTokenCheck = {}): Promise<ResultTokenClaims> {
  const options = {
    issuer: RESULT_TOKEN_ISSUER,
    audience: check.audience,
    requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr'],
    clockTolerance: CLOCK_TOLERANCE_SECONDS,
    currentDate: check.currentDate,
  };
  const { payload } =
    'secretKey' in keys
      ? await jwtVerify(token, hmacKey(keys.secretKey), { ...options, algorithms: ['HS256'] })
      : await jwtVerify(token, typeof keys.jwks === 'function' ? keys.jwks : createLocalJWKSet(keys.jwks), {
          ...options,
          algorithms: ['ES256', 'EdDSA'],
        });
  const { sub, amr, iat, exp, jti, ctx, aud } = payload;
  if (!Array.isArray(amr) || amr.length === 0 || !amr.every((m): m is string => typeof m === 'string')) {
    throw new TypeError('result token: amr must be a non-empty array of strings');
  }
  if (sub === undefined || iat === undefined || exp === undefined || jti === undefined) {
    throw new TypeError('result token: sub, iat, exp and jti are required');
  }
  if (ctx !== undefined && typeof ctx !== 'string') throw new TypeError('result token: ctx must be a string');
  if (check.context !== undefined && ctx !== (check.context === null ? undefined : contextHash(check.context))) {
    throw new TypeError(check.context === null ? 'result token: it was issued for an action (ctx)' : 'result token: it was issued for another action (ctx)');
  }
  return {
    username: sub,
    methods: amr,
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    id: jti,
    ...(typeof ctx === 'string' ? { contextHash: ctx } : {}),
    ...(typeof aud === 'string' ? { audience: aud } : {}),
  };
}
