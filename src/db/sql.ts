/**
 * The statements every generate and verify makes, run on the driver itself rather than
 * through Prisma, whose query compiler and adapter cost each statement many times the
 * driver's own work (docs/performance.md). Each statement is a tagged template, like
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
  /** a write to run later in {@link Sql.atomic}: built like `run`, prepared under the same key */
  statement(strings: TemplateStringsArray, ...values: SqlValue[]): SqlStatement;
  /**
   * Runs the writes in order as one unit: every one commits or none does (a failing one rolls
   * the others back and rejects with its error). Resolves to the number of rows each changed.
   * On PostgreSQL one pooled connection between BEGIN and COMMIT; on SQLite a SAVEPOINT inside
   * the group commit, so the set shares its group's commit but rolls back alone.
   */
  atomic(statements: readonly SqlStatement[]): Promise<number[]>;
  /**
   * A unit whose later statements depend on what earlier ones found (a conditional write that
   * decides whether the rest is written, an insert whose id the next rows need): `work` yields
   * each statement (built with `statement`), is handed back its {@link SqlResult}, and returns
   * the unit's answer. Every statement commits or none does; a statement or `work` that throws
   * rolls the unit back and rejects with its error. `work` is synchronous on purpose: on SQLite
   * it runs inside the group commit (a SAVEPOINT, like `atomic`), where nothing may wait; on
   * PostgreSQL one pooled connection between BEGIN and COMMIT. It may run twice (PostgreSQL
   * sends an aborted unit again once), so it must not do anything but yield statements.
   */
  unit<T>(work: () => Generator<SqlStatement, T, SqlResult>): Promise<T>;
  /** the database the statements run on, for the few statements whose SQL differs */
  readonly dialect: 'sqlite' | 'postgres';
  /** opens what has to be opened; called once before use */
  open(): void;
  close(): Promise<void>;
}

/** A write waiting for {@link Sql.atomic}: its call site's strings and its values. */
export interface SqlStatement {
  readonly strings: TemplateStringsArray;
  readonly values: readonly SqlValue[];
}

/** What a statement of a {@link Sql.unit} did: its rows (a SELECT, or RETURNING), and how many it changed or found. */
export interface SqlResult {
  readonly rows: object[];
  readonly count: number;
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

/** Whether a write failed on a unique index or key (PostgreSQL's 23505, SQLite's constraint codes). */
export function isUniqueViolation(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
