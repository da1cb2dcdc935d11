import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import type { TokenSigner } from '../tokens/signing-keys.js';
import { contextHash } from '../vocabulary/action-context.js';
import { acrOf, levelOfAcr, meets, type Assurance, type AssuranceLevel } from '../vocabulary/assurance.js';
import { CLOCK_TOLERANCE_SECONDS, hmacKey, RESULT_TOKEN_ISSUER } from '../auth/jwt.js';

export { RESULT_TOKEN_ISSUER } from '../auth/jwt.js';

/** What a result token says, once checked. */
export interface ResultTokenClaims {
  /** the token's `sub`: the user who just proved the second factor */
  username: string;
  /** the token's `amr` (RFC 8176 values and ours): how, e.g. ["otp", "email"], ["pop", "hwk", "user"] */
  methods: string[];
  /** the level the token's `acr` names (docs/assurance.md) */
  assurance: AssuranceLevel;
  /** the token's `auth_time`: when the factor was presented */
  authTime: Date;
  /** the token's `device`, on a device check's token: the remembered device; no factor was presented now */
  rememberedDevice?: string;
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
  /** what the proof reaches (`acr`) and how it was made (`amr`) */
  assurance: Assurance;
  /** when the factor was presented (`auth_time`): now, unless a remembered device vouches for an earlier proof */
  authTime?: Date;
  /**
   * A device check's token: the remembered device's id, which the token names as `device`,
   * with `factor_presented: false`, since no factor was presented now.
   */
  rememberedDevice?: string;
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

  async function issue({ username, assurance, authTime, rememberedDevice, context, audience }: ResultTokenRequest): Promise<string> {
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
        auth_time: authTime === undefined ? issuedAt : Math.floor(authTime.getTime() / 1000),
        acr: acrOf[assurance.level],
        amr: assurance.amr,
        ...(rememberedDevice === undefined ? {} : { factor_presented: false, device: rememberedDevice }),
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
  /** the least the proof must reach (`acr`) */
  minimumAssurance?: AssuranceLevel;
  /** the longest ago, in seconds, the factor may have been presented (`auth_time`) */
  maxAgeSeconds?: number;
  /** whether a device check's token (no factor presented now, `factor_presented: false`) will do; by default it does not */
  allowRememberedDevice?: boolean;
  currentDate?: Date;
}

/**
 * The check another service makes (docs/rest.md shows it without this helper): signed by one
 * of the service's keys under an algorithm fixed here (ES256 or EdDSA with a JWKS, HS256 with
 * SECRET_KEY; never the one the token names alone), issued by this service, unexpired, with a
 * subject, methods, a level (`acr`) and `auth_time`, addressed to `audience` when given, for
 * `context` when given, reaching `minimumAssurance` and no older than `maxAgeSeconds` when
 * given, and a fresh proof unless `allowRememberedDevice`. Throws (a jose error, or a
 * TypeError) when any of that fails.
 */
export async function verifyResultToken(token: string, keys: ResultTokenKeys, check: ResultTokenCheck = {}): Promise<ResultTokenClaims> {
  const options = {
    issuer: RESULT_TOKEN_ISSUER,
    audience: check.audience,
    requiredClaims: ['sub', 'exp', 'iat', 'jti', 'amr', 'acr', 'auth_time'],
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
  const { sub, amr, iat, exp, jti, ctx, aud, acr, auth_time: authTime, factor_presented: presented, device } = payload;
  if (!Array.isArray(amr) || amr.length === 0 || !amr.every((m): m is string => typeof m === 'string')) {
    throw new TypeError('result token: amr must be a non-empty array of strings');
  }
  if (sub === undefined || iat === undefined || exp === undefined || jti === undefined) {
    throw new TypeError('result token: sub, iat, exp and jti are required');
  }
  if (ctx !== undefined && typeof ctx !== 'string') throw new TypeError('result token: ctx must be a string');
  const assurance = levelOfAcr(acr);
  if (assurance === undefined) throw new TypeError('result token: acr is not one this service issues');
  if (typeof authTime !== 'number') throw new TypeError('result token: auth_time must be a number');
  if (!meets(assurance, check.minimumAssurance)) throw new TypeError(`result token: acr does not reach ${String(check.minimumAssurance)}`);
  const now = Math.floor((check.currentDate ?? new Date()).getTime() / 1000);
  if (check.maxAgeSeconds !== undefined && now - authTime > check.maxAgeSeconds + CLOCK_TOLERANCE_SECONDS) {
    throw new TypeError('result token: the factor was presented too long ago (auth_time)');
  }
  const remembered = presented === false;
  if (remembered && check.allowRememberedDevice !== true) throw new TypeError('result token: no factor was presented now (a remembered device)');
  if (check.context !== undefined && ctx !== (check.context === null ? undefined : contextHash(check.context))) {
    throw new TypeError(check.context === null ? 'result token: it was issued for an action (ctx)' : 'result token: it was issued for another action (ctx)');
  }
  return {
    username: sub,
    methods: amr,
    assurance,
    authTime: new Date(authTime * 1000),
    ...(remembered && typeof device === 'string' ? { rememberedDevice: device } : {}),
    issuedAt: new Date(iat * 1000),
    expiresAt: new Date(exp * 1000),
    id: jti,
    ...(typeof ctx === 'string' ? { contextHash: ctx } : {}),
    ...(typeof aud === 'string' ? { audience: aud } : {}),
  };
}
