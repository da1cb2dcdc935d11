/**
 * Whether both databases can take this text as a query parameter: well-formed UTF-16 (Prisma's
 * query protocol cannot carry a lone surrogate) and no NUL (PostgreSQL text refuses it). A
 * value that fails can match no stored row, so a lookup may answer "not found" without asking.
 */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

/** The text made storable for a log or audit row: lone surrogates and NULs become U+FFFD. */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}
