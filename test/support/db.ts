import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/config.js';
import { createDatabase, type Database } from '../../src/db/client.js';
import { observedUnit, type Sql } from '../../src/db/sql.js';
import { testEnv, uniqueName } from './app.js';

/**
 * A connection of the test's own to this run's database (or `url`'s), for looking at what the app
 * stored where no public surface shows it (the stored hash, a delivery error). Close it
 * after use.
 */
export async function openTestDatabase(url?: string): Promise<Database> {
  const database = createDatabase(parseConfig(testEnv(url ? { DATABASE_URL: url } : {})).database);
  await database.init();
  return database;
}

/** A user written straight to the database (no app, no audit), with an email address. */
export function insertUser(database: Database, username = uniqueName('db')) {
  return database.db.user.create({ data: { username, email: `${username}@example.com` } });
}

/** An otp_logs row exactly as stored, every column under its SQL name. */
export type StoredOtpLog = Record<string, unknown> & {
  id: number | bigint;
  code_hash: string;
  status: string;
  attempts: number | bigint;
  delivery_error: string | null;
};

/** Every stored code row of one user, oldest first. */
export function storedOtpLogs(database: Database, username: string): Promise<StoredOtpLog[]> {
  return database.db.$queryRaw<StoredOtpLog[]>`
    SELECT l.* FROM otp_logs l JOIN users u ON u.id = l.user_id
     WHERE u.username = ${username}
     ORDER BY l.id`;
}

/**
 * The same database behind a slow link: every raw statement (Prisma's raw templates and the
 * hot path's `sql`) waits `delayMs` first, so concurrent requests reach the database
 * together, as they do on a loaded server. Close it after use.
 */
export function slowDatabase(delayMs: number): Database {
  const database = createDatabase(parseConfig(testEnv()).database);
  const pause = () => new Promise((resolve) => setTimeout(resolve, delayMs));
  const delayed = new Set<PropertyKey>(['$queryRaw', '$executeRaw']);
  const db = new Proxy(database.db, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property);
      if (typeof value !== 'function') return value;
      const call = (args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, target, args);
        return result;
      };
      if (!delayed.has(property)) return (...args: unknown[]) => call(args);
      // Still Prisma's own (lazy) promise, so it can join a $transaction; awaited alone, it waits first.
      return (...args: unknown[]) => {
        const promise = call(args) as PromiseLike<unknown>;
        const then = promise.then.bind(promise);
        return Object.assign(promise, {
          then: (onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) =>
            pause().then(() => then(onFulfilled, onRejected)),
        });
      };
    },
  });
  const paused = (inner: Pick<Sql, 'rows' | 'run'>): Pick<Sql, 'rows' | 'run'> => ({
    rows: async (strings, ...values) => {
      await pause();
      return inner.rows(strings, ...values);
    },
    run: async (strings, ...values) => {
      await pause();
      return inner.run(strings, ...values);
    },
  });
  const sql: Sql = {
    ...database.sql,
    ...paused(database.sql),
    forUser: (key) => paused(database.sql.forUser(key)),
    atomic: async (statements) => {
      await pause();
      return database.sql.atomic(statements);
    },
  };
  return { ...database, db, sql };
}

/** The checked-in migrations of a provider, in the order they apply. */
export function migrationNames(provider: 'sqlite' | 'postgres'): string[] {
  const dir = join(import.meta.dirname, '..', '..', 'prisma', provider, 'migrations');
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * The same database, counting the round trips the hot path's statements make (`sql`): one per
 * statement on SQLite; on PostgreSQL one per statement too, an atomic set one in all (its
 * statements go out together in one pipeline, src/db/postgres-batch.ts, as a write does in the
 * group of its turn, counted here as its own). Prisma's own queries are not counted. `statements` keeps the start
 * of each statement's SQL, in order, so a count that is off says which statements it took.
 * Close it after use.
 */
export function countingDatabase(): Database & { roundTrips: { count: number; statements: string[] } } {
  const database = createDatabase(parseConfig(testEnv()).database);
  const roundTrips = { count: 0, statements: [] as string[] };
  const seen = (strings: TemplateStringsArray) => roundTrips.statements.push(strings.join('?').replace(/\s+/g, ' ').trim().slice(0, 100));
  const counted = (inner: Pick<Sql, 'rows' | 'run'>): Pick<Sql, 'rows' | 'run'> => ({
    rows: (strings, ...values) => {
      roundTrips.count++;
      seen(strings);
      return inner.rows(strings, ...values);
    },
    run: (strings, ...values) => {
      roundTrips.count++;
      seen(strings);
      return inner.run(strings, ...values);
    },
  });
  const sql: Sql = {
    ...database.sql,
    ...counted(database.sql),
    forUser: (key) => counted(database.sql.forUser(key)),
    atomic: (statements) => {
      roundTrips.count += database.provider === 'postgres' ? Math.min(statements.length, 1) : statements.length;
      for (const statement of statements) seen(statement.strings);
      return database.sql.atomic(statements);
    },
    // each statement a unit yields (on PostgreSQL each is a round trip of its own)
    unit: (work) =>
      database.sql.unit(
        observedUnit(work, (statement) => {
          roundTrips.count++;
          seen(statement.strings);
        }),
      ),
  };
  return Object.assign({ ...database, sql }, { roundTrips });
}
