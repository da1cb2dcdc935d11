import { generateSecret, generateSync, verifySync } from 'otplib';

/**
 * The project's HOTP (RFC 4226) and TOTP (RFC 6238) functions, over otplib, always with
 * HMAC-SHA-1 as authenticator apps expect. A secret is a base32 string (as apps and
 * otpauth URIs carry it) or its raw bytes (as the RFC test vectors give it).
 */
export type OtpSecret = string | Uint8Array;

export interface TotpParams {
  digits: number;
  periodSeconds: number;
}

/** What authenticator apps assume when a URI says nothing: 6 digits every 30 s. */
export const defaultTotpParams: TotpParams = { digits: 6, periodSeconds: 30 };

/** 20 random bytes (160 bits, RFC 4226's recommended length), base32 encoded. */
export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

/** HOTP value of `counter`. */
export function hotp(secret: OtpSecret, counter: number, digits = defaultTotpParams.digits): string {
  return generateSync({ strategy: 'hotp', algorithm: 'sha1', secret, counter, digits });
}

/** The time step (RFC 6238's T) that `unixSeconds` falls in, counted from the Unix epoch. */
export function stepAt(unixSeconds: number, periodSeconds = defaultTotpParams.periodSeconds): number {
  return Math.floor(unixSeconds / periodSeconds);
}

/** TOTP value at `unixSeconds`. */
export function totpAt(secret: OtpSecret, unixSeconds: number, params: TotpParams = defaultTotpParams): string {
  return generateSync({
    strategy: 'totp',
    algorithm: 'sha1',
    secret,
    epoch: unixSeconds,
    period: params.periodSeconds,
    digits: params.digits,
  });
}

/**
 * The time step whose code `code` is, searching `window` steps either side of the step of
 * `unixSeconds` (clock drift between phone and server), or null when none matches. Codes
 * are compared in constant time by otplib. Whether the step was used before is the
 * caller's question: this function keeps no state.
 */
export function matchStep(
  secret: OtpSecret,
  code: string,
  unixSeconds: number,
  window: number,
  params: TotpParams = defaultTotpParams,
): number | null {
  if (!new RegExp(`^\\d{${params.digits}}$`).test(code)) return null;
  const result = verifySync({
    strategy: 'totp',
    algorithm: 'sha1',
    secret,
    token: code,
    epoch: unixSeconds,
    period: params.periodSeconds,
    digits: params.digits,
    // In seconds: `window` periods either side reaches exactly `window` steps either side.
    epochTolerance: window * params.periodSeconds,
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

/**
 * The `otpauth://` URI an authenticator app scans (Google's Key URI format). Every
 * parameter is written out, defaults included, since some apps misread a missing one;
 * issuer and account are percent-encoded separately so a colon in a username cannot
 * shift the label's issuer prefix.
 */
export function totpUri({
  issuer,
  account,
  secret,
  params = defaultTotpParams,
}: {
  issuer: string;
  account: string;
  secret: string;
  params?: TotpParams;
}): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = [
    `secret=${encodeURIComponent(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${params.digits}`,
    `period=${params.periodSeconds}`,
  ].join('&');
  return `otpauth://totp/${label}?${query}`;
}
