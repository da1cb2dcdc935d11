import type { CountryCode, PhoneNumberType } from 'libphonenumber-js/max';
import type * as LibPhoneNumber from 'libphonenumber-js/max';

/** A phone number as libphonenumber reads it, in international form. */
export type ReadPhoneNumber =
  | {
      valid: true;
      /** normalised, e.g. `+4915112345678` for `+49 151 1234 5678` */
      e164: string;
      /** ISO 3166-1 alpha-2; undefined for non-geographic numbers (+800, +882, +883, ...) */
      country: CountryCode | undefined;
      /** what the number is (MOBILE, FIXED_LINE, PREMIUM_RATE, ...); undefined when unknown */
      type: PhoneNumberType | undefined;
      /** the country calling code and the national number's first three digits, e.g. `+49151`: the range a carrier holds */
      prefix: string;
    }
  | {
      valid: false;
      /** looks like a short code (at most six digits after the country code), not a phone number */
      short: boolean;
    };

/** SMS short codes run from three to six digits (read only for numbers that are not valid). */
const SHORT_CODE_DIGITS = 6;

/**
 * libphonenumber with its full metadata, imported at the first number read rather than at
 * start-up: about 2 MB of heap (docs/performance.md, "Memory") that an instance sending only
 * email never needs.
 */
let libphonenumber: Promise<typeof LibPhoneNumber> | undefined;
function loadLibphonenumber() {
  libphonenumber ??= import('libphonenumber-js/max');
  return libphonenumber;
}

/**
 * Reads a number written in international form (`+` and the country calling code; spaces,
 * dashes and brackets allowed) against the full metadata ("max"), which is also what
 * tells a mobile number from a premium-rate one.
 */
export async function readPhoneNumber(input: string): Promise<ReadPhoneNumber> {
  const { parsePhoneNumberFromString, validatePhoneNumberLength } = await loadLibphonenumber();
  const text = input.trim();
  const parsed = text.startsWith('+') ? parsePhoneNumberFromString(text) : undefined;
  if (!parsed?.isValid()) {
    const short = parsed ? parsed.nationalNumber.length <= SHORT_CODE_DIGITS : text.startsWith('+') && validatePhoneNumberLength(text) === 'TOO_SHORT';
    return { valid: false, short };
  }
  const prefix = `+${parsed.countryCallingCode}${parsed.nationalNumber.slice(0, 3)}`;
  return { valid: true, e164: parsed.number, country: parsed.country, type: parsed.getType(), prefix };
}
