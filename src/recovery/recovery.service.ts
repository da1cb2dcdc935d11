import { randomInt } from 'node:crypto';
import type { CallContext } from '../auth/caller.js';
import type { Config } from '../config/config.js';
import type { FactorServiceDeps } from '../step-up/fresh-verification.js';
import type { UsersStore } from '../users/users.store.js';
import { isStorableText, storableText } from '../db/storable-text.js';
import { UserNotFoundError } from '../errors/errors.js';
import { codeKey, hashCode } from '../otp/code.js';
import type { RecoveryStore } from './recovery.store.js';
import { securityEvent } from '../events/events.js';
import { normaliseUsername } from '../vocabulary/username.js';

/**
 * Crockford's base32 alphabet: no I, L, O or U, so nothing is misread; what a user
 * types anyway (O for 0, I or L for 1, any case, spaces, no hyphen) still counts.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const GROUP = 5;
/** 10 symbols of 5 bits: 50 bits per code, beyond any online guessing. */
const LENGTH = 2 * GROUP;
const NORMALISED = new RegExp(`^[${ALPHABET}]{${LENGTH}}$`);

export interface RecoveryCodes {
  /** the new codes, e.g. `7k2qd-m9xrt`: shown once, stored only as keyed hashes */
  codes: string[];
}

export interface RecoveryServiceDeps extends FactorServiceDeps {
  users: Pick<UsersStore, 'idOf'>;
  store: RecoveryStore;
  config: Pick<Config, 'recovery' | 'security'>;
}

export type RecoveryService = ReturnType<typeof createRecoveryService>;

/** Whether `code` has the shape of a recovery code (as opposed to a 6-digit one). */
export function looksLikeRecoveryCode(code: string): boolean {
  return NORMALISED.test(normalise(code));
}

/**
 * Single-use recovery codes, for a user who lost their phone. A set is shown once and
 * replaces the previous set whole; each code is consumed by one conditional update.
 */
export function createRecoveryService({ users, store, clock, config, audit, fresh }: RecoveryServiceDeps) {
  const secret = codeKey(config.security.secretKey);
  // Domain-separated from delivered codes, which share the helper and the key.
  const hashOf = (userId: number, normalised: string) => hashCode(secret, userId, `recovery:${normalised}`);

  async function generate(given: string, context: CallContext): Promise<RecoveryCodes> {
    const username = normaliseUsername(given);
    // A name the databases cannot take (a lone surrogate, a NUL) belongs to nobody.
    const userId = isStorableText(username) ? await users.idOf(username) : null;
    if (userId === null) {
      const error = new UserNotFoundError();
      const audited = storableText(username);
      await audit.record({ event: 'RECOVERY_CODES_GENERATE', outcome: 'REFUSED', reason: error.code, username: audited }, context);
      throw error;
    }
    const stale = await fresh.refusal(username, userId, context);
    if (stale) {
      await audit.record({ event: 'RECOVERY_CODES_GENERATE', outcome: 'REFUSED', reason: stale.code, userId, username }, context);
      throw stale;
    }
    const now = clock.now();
    const codes = Array.from({ length: config.recovery.count }, newRecoveryCode);
    const added = securityEvent('factor.added', userId, { username, method: 'recovery_codes' }, now);
    await store.replaceSet(userId, codes.map((code) => hashOf(userId, normalise(code))), now, [added]);
    await audit.record({ event: 'RECOVERY_CODES_GENERATE', outcome: 'SUCCESS', method: 'recovery', userId, username }, context);
    return { codes };
  }

  /**
   * Uses up one of the user's codes: OK if `code` was an unused one, ALREADY_USED if it is
   * one the user used before (a retry, not a guess), else INVALID. The check and the use are
   * one conditional update (`used_at` set only while null), so of concurrent requests with
   * one code exactly one gets OK.
   */
  async function consume(userId: number, code: string, now: Date): Promise<'OK' | 'ALREADY_USED' | 'INVALID'> {
    const normalised = normalise(code);
    if (!NORMALISED.test(normalised)) return 'INVALID';
    if (await store.consume(userId, hashOf(userId, normalised), now)) return 'OK';
    return (await wasUsed(userId, code)) ? 'ALREADY_USED' : 'INVALID';
  }

  /** Whether `code` is one of the user's codes that was used already: a retry, judged without writing. */
  async function wasUsed(userId: number, code: string): Promise<boolean> {
    const normalised = normalise(code);
    if (!NORMALISED.test(normalised)) return false;
    return store.isUsed(userId, hashOf(userId, normalised));
  }

  /** How many unused codes the user has left. */
  function remaining(userId: number): Promise<number> {
    return store.remaining(userId);
  }

  return { generate, consume, wasUsed, remaining, looksLikeRecoveryCode };
}

function newRecoveryCode(): string {
  const symbols = Array.from({ length: LENGTH }, () => ALPHABET.charAt(randomInt(ALPHABET.length)));
  return `${symbols.slice(0, GROUP).join('')}-${symbols.slice(GROUP).join('')}`;
}

/** The canonical form that is hashed: lower case, separators dropped, look-alikes mapped. */
function normalise(code: string): string {
  return code
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
}
