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
  /**
   * `rows` and `run` for a write that locks one user's rows (the user's row, their codes, their
   * counters), `key` naming the user (the username). A PostgreSQL write group sends such writes
   * in the order of their keys, so two groups in flight take the users they share in the same
   * order and cannot deadlock each other (postgres-batch.ts). On SQLite, whose writes commit
   * one group at a time, the same as `rows` and `run`.
   */
  forUser(key: string): Pick<Sql, 'rows' | 'run'>;
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

/** The work of a {@link Sql.unit} with `seen` told of each statement it yields, as it yields it (spans, counts). */
export function observedUnit<T>(
  work: () => Generator<SqlStatement, T, SqlResult>,
  seen: (statement: SqlStatement) => void,
): () => Generator<SqlStatement, T, SqlResult> {
  return function* () {
    const steps = work();
    for (let step = steps.next(); ; ) {
      if (step.done) return step.value;
      seen(step.value);
      step = steps.next(yield step.value);
    }
  };
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

/**
 * A value's type in a composed statement: PostgreSQL is told it (`$1::int`) because inside
 * WITH and in SELECT lists nothing else gives it; SQLite needs no such thing.
 */
export type SqlType = 'int' | 'text' | 'timestamp' | 'boolean' | 'json';

/** What a value of each {@link SqlType} is in JavaScript (json travels as its text). */
export type SqlTypeValue<T extends SqlType> =
  | (T extends 'int' ? number : T extends 'timestamp' ? Date : T extends 'boolean' ? boolean : string)
  | null;

/**
 * SQL text with holes for named values: a piece of a statement as the store that owns a table
 * exports it, so a statement spanning tables is assembled from its owners' pieces rather than
 * retyped. Pieces join only other pieces: a value can never become SQL text.
 */
export class SqlText {
  /** @param parts the text around the holes: one more than the holes */
  constructor(
    readonly parts: readonly string[],
    readonly holes: readonly { readonly name: string; readonly type: SqlType }[],
  ) {}
}

/** SQL text made of literal text and other pieces (`sqlText\`${taken} RETURNING id\``). */
export function sqlText(strings: TemplateStringsArray, ...pieces: SqlText[]): SqlText {
  // the text between two holes grows until the next hole: a piece's first and last parts join its neighbours'
  const parts: string[] = [];
  const holes: SqlText['holes'][number][] = [];
  let open = strings[0] ?? '';
  pieces.forEach((piece, i) => {
    piece.parts.forEach((part, j) => {
      if (j === 0) open = `${open}${part}`;
      else {
        parts.push(open);
        open = part;
      }
    });
    holes.push(...piece.holes);
    open = `${open}${strings[i + 1] ?? ''}`;
  });
  parts.push(open);
  return new SqlText(parts, holes);
}

/** A statement composed once, at module load, and run by `sql.rows(...statement.args(sql.dialect, values))`. */
export interface ComposedStatement<V> {
  /**
   * The statement's strings for the dialect, the same array every call (the key the executors
   * prepare it under), and its values in the order of its holes.
   */
  args(dialect: Sql['dialect'], values: V): [TemplateStringsArray, ...SqlValue[]];
  /** the same, as a write for {@link Sql.atomic} */
  statement(sql: Pick<Sql, 'dialect' | 'statement'>, values: V): SqlStatement;
}

/**
 * Composes a statement from pieces: `params` names its values and their types, `build` gets a
 * hole for each and returns the statement's text. A value used twice is sent twice, as a
 * tagged template would send it.
 */
export function composeStatement<P extends Record<string, SqlType>>(
  params: P,
  build: (holes: { readonly [K in keyof P]: SqlText }) => SqlText,
): ComposedStatement<{ readonly [K in keyof P]: SqlTypeValue<P[K]> }> {
  const holes = Object.fromEntries(Object.entries(params).map(([name, type]) => [name, new SqlText(['', ''], [{ name, type }])]));
  const text = build(holes as { [K in keyof P]: SqlText });
  const strings = {
    sqlite: templateStrings(text.parts),
    postgres: templateStrings(text.parts.map((part, i) => (i === 0 ? part : `::${text.holes[i - 1]?.type ?? 'text'}${part}`))),
  };
  const names = text.holes.map((hole) => hole.name);
  const args = (dialect: Sql['dialect'], values: Record<string, SqlValue>): [TemplateStringsArray, ...SqlValue[]] => [
    strings[dialect],
    ...names.map((name) => values[name] ?? null),
  ];
  return { args, statement: (sql, values) => sql.statement(...args(sql.dialect, values)) };
}

/** A frozen strings array shaped like a tagged template's, so the executors prepare it once. */
function templateStrings(parts: readonly string[]): TemplateStringsArray {
  return Object.freeze(Object.assign([...parts], { raw: Object.freeze([...parts]) }));
}
