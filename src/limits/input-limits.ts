/**
 * How much text and how many items any argument may carry, on both surfaces: REST declares
 * these in its JSON schemas (and so in OpenAPI), GraphQL in each argument's description and
 * in the check that runs before an operation. A value over its bound is refused before it
 * reaches a service, so it is never looked up, stored or audited.
 */

/** The longest username accepted anywhere: a lookup, a generate, a verify, an audit row. */
export const USERNAME_MAX_LENGTH = 256;

/** The longest code accepted: delivered and app codes have 6 digits, recovery codes fewer than 20 symbols. */
export const CODE_MAX_LENGTH = 64;

/** The longest action context (`context`, e.g. "Pay 42.00 EUR to ACME GmbH") and `audience` of a verification. */
export const CONTEXT_MAX_LENGTH = 256;

/** The most items a list argument may hold and a page may ask for (`first`, `last`). */
export const MAX_LIST_ITEMS = 100;

/** The longest text of an argument not named in `maxLengthByName`. */
export const DEFAULT_MAX_LENGTH = 256;

/** Maximum lengths (in characters, i.e. Unicode code points) of text arguments, by name. */
export const maxLengthByName: Readonly<Record<string, number>> = {
  username: USERNAME_MAX_LENGTH,
  usernamePrefix: USERNAME_MAX_LENGTH,
  code: CODE_MAX_LENGTH,
  context: CONTEXT_MAX_LENGTH,
  audience: CONTEXT_MAX_LENGTH,
  // RFC 5321's limit on a forward path
  email: 254,
  // E.164 has at most 15 digits; room for a `+` and separators
  phoneNumber: 32,
  // RFC 5646 §4.4.1: a tag of 35 characters must be supported
  locale: 35,
  // a passkey's answer (WebAuthn JSON): its attestation object and client data are base64url
  // strings of a few hundred characters (an RSA key, a long credential id: under 2,000)
  response: 4096,
  // global ids and cursors are short base64 strings
  id: 128,
  ids: 128,
  after: 128,
  before: 128,
};

/** Whether `text` is at most `max` characters long, counting code points as Python and Ajv do. */
export function fitsLength(text: string, max: number): boolean {
  // A string has at least as many UTF-16 units as code points: most need no counting.
  if (text.length <= max) return true;
  if (text.length > 2 * max) return false;
  const characters = text[Symbol.iterator]();
  for (let count = 0; !characters.next().done; ) if (++count > max) return false;
  return true;
}

/** At most `max` characters of `text`, never splitting a surrogate pair. */
export function truncateText(text: string, max: number): string {
  return fitsLength(text, max) ? text : Array.from(text.slice(0, 2 * max)).slice(0, max).join('');
}

/**
 * Bidirectional controls (U+202A-U+202E, U+2066-U+2069) and zero-width characters (U+200B-U+200D,
 * U+2060, U+FEFF): invisible, yet they reorder or split what is shown around them, so a name or
 * an action context could read one way to the user and mean another (the "Trojan Source" trick,
 * CVE-2021-42574). Refused in usernames and in `context`.
 */
const invisibleControls = /[\u200B-\u200D\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/u;

export const INVISIBLE_CONTROLS_MESSAGE = 'must not contain bidirectional controls or zero-width characters';

/** Whether `text` holds a bidirectional control or a zero-width character. */
export function hasInvisibleControls(text: string): boolean {
  return invisibleControls.test(text);
}
