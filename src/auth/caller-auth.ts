import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
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

const knownScopes: ReadonlySet<string> = new Set(scopes);
const isScope = (value: string): value is Scope => knownScopes.has(value);

/**
 * Turns a request into its CallContext; never throws. Without an Authorization header the
 * caller is anonymous: allowed every scope when ALLOW_ANONYMOUS_CALLERS is on (the legacy
 * callers' way), none otherwise. `Authorization: Bearer <JWT>` signed with SECRET_KEY under
 * exactly ALGORITHM, with `sub`, an unexpired `exp` at most CALLER_TOKEN_MAX_TTL_SECONDS after
 * its `iat`, and CALLER_AUDIENCE in `aud` where that is set, makes the caller `sub` with the
 * known scopes of its `scope` claim. Anything else in the header (another scheme, a token that
 * does not verify) gives no scope at all, never the anonymous ones, so `authorize` answers 401.
 */
export function createCallerAuth(config: Pick<Config, 'security'>, { clock = systemClock, logger }: CallerAuthDeps = {}) {
  const anonymousScopes: ReadonlySet<Scope> = new Set(config.security.allowAnonymousCallers ? scopes : []);
  const refusedScopes: ReadonlySet<Scope> = new Set();
  const key = hmacCryptoKey(config.security.secretKey, config.security.algorithm, 'verify');
  // One algorithm only: a token may not choose how it is checked (no `none`, no HS/RS confusion).
  const algorithms = [config.security.algorithm];
  const { callerTokenMaxTtlSeconds: maxTtl, callerAudience: audience } = config.security;

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
      ({ payload } = await jwtVerify(token, await key, {
        algorithms,
        requiredClaims: ['exp', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: clock.now(),
      }));
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
