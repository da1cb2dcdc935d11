/**
 * The statements every generate and verify makes, run on the driver itself rather than
 * through Prisma, whose query compiler and adapter cost each statement about ten times the
 * driver's own work (bench/statements.ts). Each statement is a tagged template, like
 * Prisma's `$queryRaw`: its values become parameters, never SQL text, and its call site's
 * strings array is the key under which it is prepared once.
 *
 * What the drivers hand back differs and is left to the caller to read with {@link dateOf}
 * and {@link boolOf}: SQLite returns timestamps as the ISO text Prisma stored and booleans
 * as 0/1; PostgreSQL returns Dates and booleans. Values sent are written the way Prisma
 * writes them, so both can read and compare each other's rows.
 */
export interface Sql {
  /** the rows of a statement (a SELECT, or a write with RETURNING) */
  rows<T extends object>(strings: TemplateStringsArray, ...values: SqlValue[]): Promise<T[]>;
  /** the number of rows a write changed */
  run(strings: TemplateStringsArray, ...values: SqlValue[]): Promise<number>;
  /** opens what has to be opened; called once before use */
  open(): void;
  close(): Promise<void>;
}

export type SqlValue = string | number | boolean | Date | null;
/** a timestamp column as a driver returns it: ISO text (SQLite) or a Date (PostgreSQL) */
export type SqlDate = string | Date;
/** a boolean column as a driver returns it: 0/1 (SQLite) or a boolean (PostgreSQL) */
export type SqlBool = number | boolean;

export function dateOf(value: SqlDate): Date;
export function dateOf(value: SqlDate | null): Date | null;
export function dateOf(value: SqlDate | null): Date | null {
  if (value === null) return null;
  return value instanceof Date ? value : new Date(value);
}

export function boolOf(value: SqlBool): boolean {
  return value === true || value === 1;
}
