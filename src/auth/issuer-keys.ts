import { createLocalJWKSet, errors as joseErrors, type FlattenedJWSInput, type JSONWebKeySet, type JWTHeaderParameters } from 'jose';
import type { Clock } from '../clock/clock.js';
import type { Logger } from '../logging/logger.js';

/** A JWKS is a few KB; an issuer answering more is broken or hostile, and is not read further. */
export const JWKS_MAX_BYTES = 64 * 1024;

/** At most one fetch of the issuer's JWKS starts in this long, whatever the previous one gave. */
export const JWKS_FETCH_INTERVAL_MS = 30_000;

/** Keys this old are fetched again in the background (a rotation that reused no kid), as jose's remote set does. */
const JWKS_MAX_AGE_MS = 10 * 60_000;

/** No key can be judged: the issuer's JWKS was never fetched, or its last fetch failed and the key is unknown. */
export class IssuerKeysUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the issuer's keys are unavailable: ${reason}`);
  }
}

/** Why one fetch failed, in words for the log: never the body, which a hostile issuer writes. */
class JwksFetchError extends Error {}

interface IssuerKeysOptions {
  url: string;
  timeoutMs: number;
  clock: Clock;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * The platform issuer's keys, as a jose key resolver. The set is fetched on first use, again on
 * an unknown `kid`, and in the background once it is older than ten minutes; but a fetch starts
 * at most once every JWKS_FETCH_INTERVAL_MS, whether the last one succeeded or not, and the
 * requests that arrive meanwhile share the one in flight. So a dead, slow or hostile issuer
 * holds a request at most `timeoutMs` and at most once in that interval: the others are judged
 * at once on the keys fetched last, or refused (IssuerKeysUnavailableError) when there are none.
 * Each fetch is bounded in time (the body included) and in size (JWKS_MAX_BYTES, read no
 * further), so an issuer cannot fill the heap however many requests wait on it.
 */
export function createIssuerKeys({ url, timeoutMs, clock, logger }: IssuerKeysOptions) {
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = 0;
  let attemptedAt: number | undefined;
  let failure: string | undefined;
  let inFlight: Promise<void> | undefined;
  const where = redactedUrl(url);

  const due = () => attemptedAt === undefined || clock.now().getTime() - attemptedAt >= JWKS_FETCH_INTERVAL_MS;

  function refresh(): Promise<void> {
    inFlight ??= (async () => {
      attemptedAt = clock.now().getTime();
      try {
        keys = createLocalJWKSet(await fetchJwks(url, timeoutMs));
        fetchedAt = clock.now().getTime();
        failure = undefined;
      } catch (error) {
        failure = error instanceof JwksFetchError ? error.message : 'it could not be reached';
        logger?.warn({ jwksUrl: where, reason: failure, retryInMs: JWKS_FETCH_INTERVAL_MS }, 'caller JWKS fetch failed');
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  }

  /** The key of the set fetched last for this header, or undefined when no key there matches it. */
  async function known(header: JWTHeaderParameters, token: FlattenedJWSInput) {
    if (!keys) return undefined;
    try {
      return await keys(header, token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey) return undefined;
      throw error;
    }
  }

  /** Waits for the fetch in flight, or starts one if one may start; false when neither. */
  async function fetched(): Promise<boolean> {
    if (inFlight) await inFlight;
    else if (due()) await refresh();
    else return false;
    return true;
  }

  return async function issuerKey(header: JWTHeaderParameters, token: FlattenedJWSInput) {
    if (!keys) await fetched();
    else if (due() && clock.now().getTime() - fetchedAt >= JWKS_MAX_AGE_MS) void refresh();
    let key = await known(header, token);
    // An unknown kid may be a key the issuer published since the set was read (a rotation).
    if (!key && keys && (await fetched())) key = await known(header, token);
    if (key) return key;
    // The set could not be read again: the key may be one the issuer published meanwhile.
    if (failure !== undefined || !keys) throw new IssuerKeysUnavailableError(failure ?? 'not fetched yet');
    throw new joseErrors.JWKSNoMatchingKey();
  };
}

/**
 * One GET of the JWKS: no redirects (as jose's own fetch), a 200 only, at most JWKS_MAX_BYTES
 * read from the stream (then cancelled, never buffered whole), all of it within `timeoutMs`.
 */
async function fetchJwks(url: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const signal = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'manual', headers: { accept: 'application/json' } });
  } catch (error) {
    throw new JwksFetchError(signal.aborted ? `no answer within ${timeoutMs} ms` : `it could not be reached (${causeOf(error)})`);
  }
  const body = response.body;
  const stop = () => void body?.cancel().catch(() => undefined);
  if (response.status !== 200) {
    stop();
    throw new JwksFetchError(`it answered HTTP ${response.status}`);
  }
  if (!body) throw new JwksFetchError('it answered no body');
  if (Number(response.headers.get('content-length')) > JWKS_MAX_BYTES) {
    stop();
    throw new JwksFetchError(`its answer is larger than ${JWKS_MAX_BYTES} bytes`);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > JWKS_MAX_BYTES) throw new JwksFetchError(`its answer is larger than ${JWKS_MAX_BYTES} bytes`);
      chunks.push(value);
    }
  } catch (error) {
    void reader.cancel().catch(() => undefined);
    if (error instanceof JwksFetchError) throw error;
    throw new JwksFetchError(signal.aborted ? `its answer did not end within ${timeoutMs} ms` : `its answer broke off (${causeOf(error)})`);
  }
  let jwks: unknown;
  try {
    jwks = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new JwksFetchError('its answer is not JSON');
  }
  if (!isKeySet(jwks)) throw new JwksFetchError('its answer is not a JWKS (an object with a list of keys)');
  return jwks;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  if (typeof value !== 'object' || value === null || !('keys' in value)) return false;
  const { keys } = value;
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

/** A network error's code (ECONNREFUSED, ECONNRESET, ...), the useful part of undici's "fetch failed". */
function causeOf(error: unknown): string {
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown error';
}

/** The URL as logged: no credentials or query a deployment may have put in it. */
function redactedUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}
