import { SignJWT } from 'jose';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { scopes, type Scope } from './caller.js';
import { hmacCryptoKey } from './jwt.js';

const known: ReadonlySet<string> = new Set(scopes);
const isScope = (value: string): value is Scope => known.has(value);

/** A token request that would give a token the service refuses, or one it must not mint here; nothing was signed. */
export class CallerTokenRefusedError extends Error {
  override name = 'CallerTokenRefusedError';
}

export interface CallerTokenRequest {
  /** space-separated, as the `scope` claim carries them */
  scope: string;
  ttlSeconds: number;
  /** the calling service, the token's `sub` */
  sub: string;
  /** production refuses unless this is set: there the platform's issuer mints callers' tokens */
  allowProduction: boolean;
}

/**
 * A caller's bearer token as the service accepts it (auth/caller-auth.ts): signed with
 * SECRET_KEY under ALGORITHM, with `sub`, `scope`, `iat`, `exp` (at most
 * CALLER_TOKEN_MAX_TTL_SECONDS later) and CALLER_AUDIENCE as `aud` where that is set. For
 * development and operations; in production services get theirs from the platform's issuer.
 */
export async function mintCallerToken(
  config: Pick<Config, 'production' | 'security'>,
  clock: Clock,
  request: CallerTokenRequest,
): Promise<{ token: string; scopes: Scope[]; expiresAt: Date }> {
  const { security } = config;
  if (config.production && !request.allowProduction) {
    throw new CallerTokenRefusedError(
      'NODE_ENV is production: services get their tokens from the platform issuer (CALLER_JWKS_URL); ' +
        'pass --allow-production to mint one signed with SECRET_KEY anyway',
    );
  }
  // A random key of this process would sign a token no running service accepts.
  if (security.secretKeyIsEphemeral) {
    throw new CallerTokenRefusedError('SECRET_KEY is not set: set it to the SECRET_KEY of the service the token is for');
  }
  const requested = request.scope.split(/\s+/).filter(Boolean);
  const unknown = requested.filter((scope) => !isScope(scope));
  if (requested.length === 0 || unknown.length > 0) {
    throw new CallerTokenRefusedError(
      `${requested.length === 0 ? '--scope is required' : `unknown scope ${unknown.join(', ')}`}: choose from ${scopes.join(' ')}`,
    );
  }
  const maxTtl = security.callerTokenMaxTtlSeconds;
  if (!Number.isInteger(request.ttlSeconds) || request.ttlSeconds < 1 || request.ttlSeconds > maxTtl) {
    throw new CallerTokenRefusedError(`--ttl must be a whole number of seconds from 1 to ${String(maxTtl)} (CALLER_TOKEN_MAX_TTL_SECONDS)`);
  }
  const sub = request.sub.trim();
  if (!sub) throw new CallerTokenRefusedError('--sub must name the calling service');

  const granted = [...new Set(requested.filter(isScope))];
  return { ...(await signCallerToken(security, clock, { scope: granted.join(' '), sub, ttlSeconds: request.ttlSeconds })), scopes: granted };
}

/**
 * Signs a caller's token without judging the request: for callers that chose its scope and
 * lifetime themselves (mintCallerToken above, the development try page at /ui/).
 */
export async function signCallerToken(
  security: Config['security'],
  clock: Clock,
  { scope, sub, ttlSeconds }: { scope: string; sub: string; ttlSeconds: number },
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(clock.now().getTime() / 1000);
  const jwt = new SignJWT({ scope })
    .setProtectedHeader({ alg: security.algorithm, typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds);
  if (security.callerAudience !== undefined) jwt.setAudience(security.callerAudience);
  const token = await jwt.sign(await hmacCryptoKey(security.secretKey, security.algorithm, 'sign'));
  return { token, expiresAt: new Date((now + ttlSeconds) * 1000) };
}
