import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTHeaderParameters,
  type FlattenedJWSInput,
  type JWTPayload,
} from 'jose';
import { systemClock, type Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { errorCatalogue } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { scopes, type CallContext, type Scope } from './caller.js';
import { CLOCK_TOLERANCE_SECONDS, hmacCryptoKey, RESULT_TOKEN_ISSUER } from './jwt.js';

/** What the edge knows about a request before it is authenticated. */
export interface RequestFacts {
  authorization: string | undefined;
  ip: string;
  userAgent: string | undefined;
  requestId: string;
}

export type CallerAuth = ReturnType<typeof createCallerAuth>;

interface CallerAuthDeps {
  clock?: Clock;
  /** told why a token was refused (a jose error code, never the token) */
  logger?: Pick<Logger, 'info'>;
}

/** How a refusal with a reason begins: the words of every other 401. */
const invalid = errorCatalogue.UNAUTHENTICATED.message;

/** `aud` as a list: one string or several, as RFC 7519 allows. */
const audiences = (aud: JWTPayload['aud']): string[] => (aud === undefined ? [] : Array.isArray(aud) ? aud : [aud]);

/** What the platform issuer may sign with; never an HMAC (its JWKS is public) nor `none`. */
export const ISSUER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const issuerAlgorithms: ReadonlySet<string> = new Set(ISSUER_ALGORITHMS);

/** After a failed fetch of the issuer's JWKS, how long tokens are judged on the keys known so far before fetching again. */
const JWKS_RETRY_AFTER_MS = 30_000;

const knownScopes: ReadonlySet<string> = new Set(scopes);
const isScope = (value: string): value is Scope => knownScopes.has(value);

/**
 * Turns a request into its CallContext; never throws. Without an Authorization header the
 * caller is anonymous: allowed every scope when ALLOW_ANONYMOUS_CALLERS is on (the legacy
 * callers' way), none otherwise. `Authorization: Bearer <JWT>` signed with SECRET_KEY under
 * exactly ALGORITHM, with `sub`, an unexpired `exp` at most CALLER_TOKEN_MAX_TTL_SECONDS after
 * its `iat`, and CALLER_AUDIENCE in `aud` where that is set, makes the caller `sub` with the
 * known scopes of its `scope` claim. Where CALLER_JWKS_URL is set, so does a token signed by one
 * of the platform issuer's keys (an asymmetric algorithm only) with `iss` CALLER_ISSUER, under
 * the same checks; an HMAC token claiming that issuer is refused. Anything else in the header
 * (another scheme, a token that does not verify) gives no scope at all, never the anonymous
 * ones, so `authorize` answers 401.
 */
export function createCallerAuth(config: Pick<Config, 'security'>, { clock = systemClock, logger }: CallerAuthDeps = {}) {
  const anonymousScopes: ReadonlySet<Scope> = new Set(config.security.allowAnonymousCallers ? scopes : []);
  const refusedScopes: ReadonlySet<Scope> = new Set();
  const key = hmacCryptoKey(config.security.secretKey, config.security.algorithm, 'verify');
  // One algorithm only: a token may not choose how it is checked (no `none`, no HS/RS confusion).
  const algorithms = [config.security.algorithm];
  const { callerTokenMaxTtlSeconds: maxTtl, callerAudience: audience } = config.security;
  const platform = config.security.callerIssuer;
  const issuerKeys = platform ? issuerKeySet(platform.jwksUrl, platform.timeoutMs, clock) : undefined;

  async function contextFor(facts: RequestFacts): Promise<CallContext> {
    const base = { ip: facts.ip, userAgent: facts.userAgent ?? null, requestId: facts.requestId };
    if (facts.authorization === undefined) {
      return { ...base, caller: null, authenticated: false, scopes: anonymousScopes };
    }
    const verified = await verifyBearer(facts.authorization);
    if ('refused' in verified) {
      logger?.info({ reqId: facts.requestId, reason: verified.refused }, 'caller token refused');
      return { ...base, caller: null, authenticated: false, scopes: refusedScopes, refusal: verified.message };
    }
    return { ...base, caller: verified.caller, authenticated: true, scopes: verified.scopes };
  }

  async function verifyBearer(
    header: string,
  ): Promise<{ caller: string; scopes: ReadonlySet<Scope> } | { refused: string; message?: string }> {
    const token = /^Bearer +([\w-]+\.[\w-]+\.[\w-]+) *$/i.exec(header)?.[1];
    if (!token) return { refused: 'NOT_A_BEARER_JWT' };
    let payload: JWTPayload;
    try {
      const checks = { requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE_SECONDS, currentDate: clock.now() };
      // The header only picks which key set to try; each set fixes its own algorithms and issuer.
      if (platform && issuerKeys && issuerAlgorithms.has(decodeProtectedHeader(token).alg ?? '')) {
        ({ payload } = await jwtVerify(token, issuerKeys, { ...checks, algorithms: ISSUER_ALGORITHMS, issuer: platform.issuer }));
      } else {
        ({ payload } = await jwtVerify(token, await key, { ...checks, algorithms }));
        // The platform issuer signs with its published keys only: SECRET_KEY cannot speak for it.
        if (platform && payload.iss === platform.issuer) return { refused: 'ISSUER_REQUIRES_ITS_KEYS' };
      }
    } catch (error) {
      return { refused: error instanceof joseErrors.JOSEError ? error.code : 'INVALID_TOKEN' };
    }
    const now = clock.now().getTime() / 1000;
    // jose checks `iat` only against a maximum age; a token from the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_TOLERANCE_SECONDS) return { refused: 'IAT_IN_FUTURE' };
    // A user's result token proves a verification to other services; it is no credential here.
    if (payload.iss === RESULT_TOKEN_ISSUER) return { refused: 'RESULT_TOKEN' };
    // A leaked token is worth no more than its lifetime: a long one is refused however it is
    // used. Without `iat` its lifetime is unknown.
    if (typeof payload.iat !== 'number') {
      return { refused: 'NO_IAT', message: `${invalid}: it must carry iat, so that its lifetime (exp - iat, at most ${maxTtl} s) can be checked` };
    }
    const lifetime = (payload.exp ?? Infinity) - payload.iat;
    if (lifetime > maxTtl) {
      return {
        refused: 'LIFETIME_TOO_LONG',
        message: `${invalid}: its lifetime (exp - iat) is ${lifetime} s, more than CALLER_TOKEN_MAX_TTL_SECONDS (${maxTtl} s)`,
      };
    }
    if (audience !== undefined && !audiences(payload.aud).includes(audience)) {
      return { refused: 'WRONG_AUDIENCE', message: `${invalid}: its aud must include ${audience} (CALLER_AUDIENCE)` };
    }
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '') return { refused: 'NO_SUBJECT' };
    if (payload.scope !== undefined && typeof payload.scope !== 'string') return { refused: 'SCOPE_NOT_A_STRING' };
    const granted = (payload.scope ?? '').split(' ').filter(isScope);
    return { caller: payload.sub, scopes: new Set(granted) };
  }

  return { contextFor };
}

/**
 * The platform issuer's keys: jose's remote JWKS (fetched on first use, cached, fetched again on
 * an unknown `kid` at most every 30 s, each fetch bounded by `timeoutMs`), and, while the
 * issuer cannot be reached, the keys it published last: a token under a known key still
 * passes, an unknown `kid` is refused at once, and no request waits on a dead issuer more than
 * once every JWKS_RETRY_AFTER_MS.
 */
function issuerKeySet(url: string, timeoutMs: number, clock: Clock) {
  const remote = createRemoteJWKSet(new URL(url), { timeoutDuration: timeoutMs, cooldownDuration: 30_000 });
  let failedAt: number | undefined;
  return async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    const known = remote.jwks();
    const now = clock.now().getTime();
    if (known && failedAt !== undefined && now - failedAt < JWKS_RETRY_AFTER_MS) return createLocalJWKSet(known)(header, token);
    try {
      const found = await remote(header, token);
      failedAt = undefined;
      return found;
    } catch (error) {
      // The set was read and holds no such key: a refusal, not an outage.
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
      failedAt = now;
      if (known) return createLocalJWKSet(known)(header, token);
      throw error;
    }
  };
}
