import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/client.js';
import { appCode } from './totp.js';

/** The three ways to prove it by typing something, each with its own right answer and wrong guesses. */
export type GuessMethod = 'otp' | 'totp' | 'recovery';
export const guessMethods: GuessMethod[] = ['otp', 'totp', 'recovery'];

/** What one burst of verifications did, read from the answers and from the audit trail. */
export interface BurstOutcome {
  statuses: number[];
  /** verifications whose code was compared and found wrong (audit OTP_VERIFY FAILURE) */
  judgedFailures: number;
  /** verifications accepted (audit OTP_VERIFY SUCCESS) */
  successes: number;
  /** verifications refused before judging because the user was locked (audit REFUSED USER_LOCKED) */
  refusedLocked: number;
}

/**
 * `count` wrong guesses for `method` that no window of the right answer accepts: delivered
 * codes near `right`, app codes that differ from every step around `at`, recovery-shaped
 * strings that are no code of the user's.
 */
export function wrongGuesses(method: GuessMethod, count: number, right: string, secret?: string, at?: Date): string[] {
  if (method === 'recovery') {
    // Crockford symbols, shaped as recovery codes are; 40 random bits make a collision with one of the user's negligible.
    const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
    return Array.from({ length: count }, () => {
      const symbols = Array.from(randomBytes(10), (byte) => alphabet.charAt(byte % 32)).join('');
      return `${symbols.slice(0, 5)}-${symbols.slice(5)}`;
    });
  }
  const avoid = new Set([right]);
  if (method === 'totp' && secret && at) {
    for (let step = -2; step <= 3; step++) avoid.add(appCode(secret, new Date(at.getTime() + step * 30_000)));
  }
  const codes: string[] = [];
  for (let offset = 1; codes.length < count; offset++) {
    const code = ((Number(right) + offset * 7919) % 1_000_000).toString().padStart(6, '0');
    if (!avoid.has(code)) codes.push(code);
  }
  return codes;
}

/** Sends every guess at once through `verify` and reads back what the audit trail says was judged. */
export async function burst(
  database: Database,
  username: string,
  guesses: string[],
  verify: (code: string, i: number) => Promise<number>,
): Promise<BurstOutcome> {
  const statuses = await Promise.all(guesses.map((code, i) => verify(code, i)));
  const rows = await database.db.auditEvent.findMany({
    where: { username, event: 'OTP_VERIFY' },
    select: { outcome: true, reason: true },
  });
  return {
    statuses,
    judgedFailures: rows.filter((row) => row.outcome === 'FAILURE').length,
    successes: rows.filter((row) => row.outcome === 'SUCCESS').length,
    refusedLocked: rows.filter((row) => row.outcome === 'REFUSED' && row.reason === 'USER_LOCKED').length,
  };
}

/** The user's guess-budget columns. */
export async function budgetOf(database: Database, username: string) {
  return database.db.user.findUniqueOrThrow({
    where: { username },
    select: { failedVerifications: true, consecutiveFailures: true, lockedUntil: true, suspendedAt: true },
  });
}
