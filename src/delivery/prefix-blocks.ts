import type { AuditService } from '../audit/audit.service.js';
import { systemContext, type CallContext } from '../auth/caller.js';
import type { Clock } from '../clock/clock.js';
import type { Config } from '../config/config.js';
import { PrefixBlockedError } from '../errors/errors.js';
import { securityEvent } from '../events/events.js';
import type { Logger } from '../logging/logger.js';
import type { CodesStore, InsightRow } from './codes.store.js';
import type { PrefixBlock, PrefixBlocksStore } from './prefix-blocks.store.js';

const MINUTE_MS = 60_000;

/** Sent, delivered and verified codes per country, number range and channel, with the blocks that hold. */
export interface DeliveryInsights {
  at: Date;
  rows: (InsightRow & { blockedUntil: Date | null })[];
  blocks: PrefixBlock[];
}

export type PrefixBlocks = ReturnType<typeof createPrefixBlocks>;

export interface PrefixBlocksDeps {
  store: PrefixBlocksStore;
  codes: Pick<CodesStore, 'prefixConversion' | 'insights'>;
  audit: Pick<AuditService, 'statements'>;
  clock: Clock;
  config: Pick<Config, 'sms'>;
  logger: Logger;
}

/**
 * The conversion rule of the SMS-pumping defence. Pumped numbers receive codes nobody types
 * in: a range (`+88212`, the country code and 3 digits) that took at least `minSends` codes in
 * the window, of which under `minVerifyRate` were verified, is blocked for `blockMinutes`.
 * Ranges of the allow-list are never blocked (a business's own test numbers, a partner's
 * range whose users verify elsewhere). Counts are read from otp_logs and blocks kept in
 * prefix_blocks, so every instance sees the same ones; instances racing to block a range make
 * one block, audited and announced once, in the same unit as the block (and a lift with its
 * audit row): a fault leaves neither.
 */
export function createPrefixBlocks({ store, codes, audit, clock, config, logger }: PrefixBlocksDeps) {
  const { minSends, minVerifyRate, windowMinutes, blockMinutes, allowlist } = config.sms.prefixBlock;

  const allowed = (prefix: string) => allowlist.some((entry) => prefix.startsWith(entry));
  const secondsUntil = (until: Date, now: Date) => Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));

  /** Throws PrefixBlockedError when sends to `prefix` are blocked, or this send's counts block it. */
  async function check(prefix: string, now: Date): Promise<void> {
    if (allowed(prefix)) return;
    const previous = await store.find(prefix);
    if (previous && previous.expiresAt > now) throw new PrefixBlockedError(secondsUntil(previous.expiresAt, now));

    // only sends after the last block was made count: those before it were judged already, and
    // none is made while it holds, so a lifted block (expired or by the CLI) starts a fresh window
    const windowStart = new Date(now.getTime() - windowMinutes * MINUTE_MS);
    const since = previous && previous.blockedAt > windowStart ? previous.blockedAt : windowStart;
    const { sends, verified } = await codes.prefixConversion(prefix, since, now);
    if (sends < minSends || verified / sends >= minVerifyRate) return;

    const expiresAt = new Date(now.getTime() + blockMinutes * MINUTE_MS);
    const recorded = audit.statements({ event: 'PREFIX_BLOCK', outcome: 'SUCCESS', reason: prefix }, systemContext('sms-guard'), [
      securityEvent('prefix.blocked', null, { username: null, prefix, sends, verified, blockedUntil: expiresAt.toISOString() }, now),
    ]);
    if (await store.block({ prefix, sends, verified, blockedAt: now, expiresAt }, recorded)) {
      logger.warn({ prefix, sends, verified, blockedUntil: expiresAt.toISOString() }, 'sms-guard: number range blocked for its verification rate');
    }
    throw new PrefixBlockedError(secondsUntil(expiresAt, now));
  }

  /** Lifts the range's block before it expires (`npm run cli -- prefixes:unblock`): false when none held. */
  async function unblock(prefix: string, context: CallContext): Promise<boolean> {
    return store.lift(prefix, clock.now(), audit.statements({ event: 'PREFIX_UNBLOCK', outcome: 'SUCCESS', reason: prefix }, context));
  }

  async function insights(): Promise<DeliveryInsights> {
    const at = clock.now();
    const [rows, blocks] = await Promise.all([codes.insights(at), store.holding(at)]);
    const until = new Map(blocks.map((block) => [block.prefix, block.expiresAt]));
    return { at, rows: rows.map((row) => ({ ...row, blockedUntil: row.prefix ? (until.get(row.prefix) ?? null) : null })), blocks };
  }

  return { check, unblock, insights };
}
