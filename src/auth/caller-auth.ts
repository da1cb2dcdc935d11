import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { systemClock, type Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { errorCatalogue } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { normaliseUsername } from '../vocabulary/username.js';
import { scopes, serviceScopes, type CallContext, type Scope } from './caller.js';
import { createIssuerKeys, IssuerKeysUnavailableError } from './issuer-keys.js';
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
  /** told why a token was refused (a reason code, never the token), and why the issuer's keys could not be fetched */
  logger?: Pick<Logger, 'info' | 'warn'>;
}

/** How a refusal with a reason begins: the words of every other 401. */
const invalid = errorCatalogue.UNAUTHENTICATED.message;

/** `aud` as a list: one string or several, as RFC 7519 allows. */
const audiences = (aud: JWTPayload['aud']): string[] => (aud === undefined ? [] : Array.isArray(aud) ? aud : [aud]);

/** What the platform issuer may sign with; never an HMAC (its JWKS is public) nor `none`. */
export const ISSUER_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const issuerAlgorithms: ReadonlySet<string> = new Set(ISSUER_ALGORITHMS);

/** A refused token: a reason code for the log, and what its caller is told. */
interface Refusal {
  refused: string;
  message: string;
}

/**
 * Says why, in words of this service: never the token, nor a value the token chose (its `iss`,
 * `aud`, `kid` or `alg`), which would echo whatever an attacker put there.
 */
const refuse = (refused: string, why: string): Refusal => ({ refused, message: `${invalid}: ${why}` });

/** What jose's failure, or the issuer's keys being out of reach, tells the caller. */
function refusalOf(error: unknown): Refusal {
  if (error instanceof IssuerKeysUnavailableError) {
    return refuse('ISSUER_KEYS_UNAVAILABLE', 'the platform issuer’s keys (CALLER_JWKS_URL) cannot be fetched now; try again shortly');
  }
  if (!(error instanceof joseErrors.JOSEError)) return refuse('INVALID_TOKEN', 'it could not be read');
  if (error instanceof joseErrors.JWTExpired) return refuse(error.code, 'it has expired (exp)');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refuse('WRONG_ISSUER', 'its iss is not the platform issuer (CALLER_ISSUER)');
    if (error.claim === 'nbf') return refuse('NOT_YET_VALID', 'it is not valid yet (nbf)');
    if (error.reason === 'missing' && (error.claim === 'exp' || error.claim === 'sub')) return refuse(`NO_${error.claim.toUpperCase()}`, `it must carry ${error.claim}`);
    return refuse(error.code, 'its claims do not verify');
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return refuse(error.code, 'its signature does not verify');
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return refuse(error.code, 'its key (kid) is not one of the platform issuer’s keys (CALLER_JWKS_URL)');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return refuse(error.code, 'it is signed under an algorithm this service does not accept');
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) return refuse(error.code, 'it is not a well-formed JWT');
  return refuse(error.code, 'it does not verify');
}

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
 * ones, so `authorize` answers 401, saying why (`refusal`).
 */
export function createCallerAuth(config: Pick<Config, 'security'>, { clock = systemClock, logger }: CallerAuthDeps = {}) {
  const anonymousScopes: ReadonlySet<Scope> = new Set(config.security.allowAnonymousCallers ? serviceScopes : []);
  const refusedScopes: ReadonlySet<Scope> = new Set();
  const key = hmacCryptoKey(config.security.secretKey, config.security.algorithm, 'verify');
  // One algorithm only: a token may not choose how it is checked (no `none`, no HS/RS confusion).
  const algorithms = [config.security.algorithm];
  const { callerTokenMaxTtlSeconds: maxTtl, callerAudience: audience } = config.security;
  const platform = config.security.callerIssuer;
  const issuerKeys = platform ? createIssuerKeys({ url: platform.jwksUrl, timeoutMs: platform.timeoutMs, clock, logger }) : undefined;

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
    return { ...base, caller: verified.caller, authenticated: true, scopes: verified.scopes, ...(verified.self !== undefined ? { self: verified.self } : {}) };
  }

  async function verifyBearer(header: string): Promise<{ caller: string; scopes: ReadonlySet<Scope>; self?: string } | Refusal> {
    const token = /^Bearer +([\w-]+\.[\w-]+\.[\w-]+) *$/i.exec(header)?.[1];
    if (!token) return refuse('NOT_A_BEARER_JWT', 'the Authorization header must be "Bearer" followed by a signed JWT');
    let payload: JWTPayload;
    try {
      const checks = { requiredClaims: ['exp', 'sub'], clockTolerance: CLOCK_TOLERANCE_SECONDS, currentDate: clock.now() };
      // The header only picks which key set to try; each set fixes its own algorithms and issuer.
      if (platform && issuerKeys && issuerAlgorithms.has(decodeProtectedHeader(token).alg ?? '')) {
        ({ payload } = await jwtVerify(token, issuerKeys, { ...checks, algorithms: ISSUER_ALGORITHMS, issuer: platform.issuer }));
      } else {
        ({ payload } = await jwtVerify(token, await key, { ...checks, algorithms }));
        // The platform issuer signs with its published keys only: SECRET_KEY cannot speak for it.
        if (platform && payload.iss === platform.issuer) {
          return refuse('ISSUER_REQUIRES_ITS_KEYS', 'the platform issuer’s tokens must be signed with its published keys (CALLER_JWKS_URL)');
        }
      }
    } catch (error) {
      return refusalOf(error);
    }
    const now = clock.now().getTime() / 1000;
    // jose checks `iat` only against a maximum age; a token from the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_TOLERANCE_SECONDS) return refuse('IAT_IN_FUTURE', 'it was issued in the future (iat)');
    // A user's result token proves a verification to other services; it is no credential here.
    if (payload.iss === RESULT_TOKEN_ISSUER) return refuse('RESULT_TOKEN', 'a result token proves a verification to other services; it is no caller’s token');
    // A leaked token is worth no more than its lifetime: a long one is refused however it is
    // used. Without `iat` its lifetime is unknown.
    if (typeof payload.iat !== 'number') {
      return refuse('NO_IAT', `it must carry iat, so that its lifetime (exp - iat, at most ${maxTtl} s) can be checked`);
    }
    const lifetime = (payload.exp ?? Infinity) - payload.iat;
    if (lifetime > maxTtl) {
      return refuse('LIFETIME_TOO_LONG', `its lifetime (exp - iat) is ${lifetime} s, more than CALLER_TOKEN_MAX_TTL_SECONDS (${maxTtl} s)`);
    }
    if (audience !== undefined && !audiences(payload.aud).includes(audience)) {
      return refuse('WRONG_AUDIENCE', `its aud must include ${audience} (CALLER_AUDIENCE)`);
    }
    if (typeof payload.sub !== 'string' || payload.sub.trim() === '') return refuse('NO_SUBJECT', 'its sub must name the calling service');
    if (payload.scope !== undefined && typeof payload.scope !== 'string') {
      return refuse('SCOPE_NOT_A_STRING', 'its scope must be a string of space-separated scopes');
    }
    const granted = (payload.scope ?? '').split(' ').filter(isScope);
    // A user's token is worth that user only: a `self` scope drops every service scope beside
    // it, so a frontend's token cannot be minted (or mistaken) into a service's reach.
    if (granted.includes('self')) return { caller: payload.sub, scopes: new Set(['self']), self: normaliseUsername(payload.sub) };
    return { caller: payload.sub, scopes: new Set(granted) };
  }

  return { contextFor };
}
