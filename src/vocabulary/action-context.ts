import { createHash } from 'node:crypto';
import { hasInvisibleControls, INVISIBLE_CONTROLS_MESSAGE } from '../limits/input-limits.js';

/**
 * The action a code is bound to (`context`, e.g. "Pay 42.00 EUR to ACME GmbH"): shown to the
 * user with the code, required again to verify it, and carried by the result token as
 * `ctx`, its base64url SHA-256, so the service about to act can check that the user approved
 * this action and not another (PSD2's dynamic linking).
 */

/** base64url(SHA-256(UTF-8 of the context)): the token's `ctx` and the code's `context_hash`. */
export function contextHash(context: string): string {
  return createHash('sha256').update(context, 'utf8').digest('base64url');
}

// Line breaks and other control characters would let a context forge lines of the message.
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Why `context` cannot be shown to a user, or undefined when it can. */
export function contextProblem(context: string): string | undefined {
  if (context.trim() === '') return 'must not be empty or blank';
  if (controlCharacters.test(context)) return 'must be one line, without control characters';
  if (hasInvisibleControls(context)) return INVISIBLE_CONTROLS_MESSAGE;
  return undefined;
}
