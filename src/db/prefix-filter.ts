import type { DbProvider } from './client.js';

/**
 * An exact, case-sensitive "starts with" filter for a string column on either database.
 * Prisma's `startsWith` becomes SQL LIKE with the prefix unescaped, so `_` and `%` in it act
 * as wildcards, and SQLite's LIKE also ignores case. PostgreSQL gets LIKE with the wildcards
 * escaped; SQLite, whose LIKE has no default escape character, gets a range on its binary
 * collation, which is exact and uses the index.
 */
export function startsWithFilter(provider: DbProvider, prefix: string) {
  if (provider === 'postgres') return { startsWith: prefix.replace(/[\\%_]/g, (c) => `\\${c}`) };
  return { gte: prefix, lt: `${prefix}\u{10FFFF}` };
}
