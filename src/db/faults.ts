import { DatabaseUnavailableError } from '../errors/errors.js';

/**
 * What keeps the database from serving, read from an error of Prisma, its driver adapters or
 * the drivers themselves (pg, better-sqlite3): words for /readyz, or undefined for an error
 * that is not the database's state (a bug, a constraint). Every error given a fault here is
 * answered 503 DATABASE_UNAVAILABLE, never 500.
 */
export function databaseFault(error: unknown): string | undefined {
  for (const e of errorChain(error)) {
    if (e instanceof DatabaseUnavailableError) return (e as { reason?: string }).reason ?? UNREACHABLE;
    const { code, originalCode, kind, name, message } = e;
    const fault =
      faultOfCode(code) ??
      faultOfCode(originalCode) ??
      (typeof kind === 'string' ? byKind[kind] : undefined) ??
      (name === 'PrismaClientInitializationError' ? UNREACHABLE : undefined) ??
      (typeof message === 'string' ? byMessage.find(([pattern]) => pattern.test(message))?.[1] : undefined);
    if (fault) return fault;
  }
  return undefined;
}

interface ChainedError {
  code?: unknown;
  originalCode?: unknown;
  kind?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
}

/** An error and what it wraps, outermost first, five deep at most. */
function* errorChain(error: unknown): Generator<ChainedError> {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const link = e as ChainedError;
    yield link;
    // A Prisma request error carries the driver adapter's error in its meta, not as its cause.
    e = link.cause ?? link.meta?.driverAdapterError;
  }
}

/** Whether an error is a connection that was open and is gone (not one refused or never made). */
export function connectionLost(error: unknown): boolean {
  for (const { code, originalCode, kind, message } of errorChain(error)) {
    if (kind === 'ConnectionClosed' || [code, originalCode].some((c) => c === '57P01' || c === '57P02' || c === '08006')) return true;
    if (typeof message === 'string' && /Connection terminated|terminating connection/i.test(message)) return true;
  }
  return false;
}

const UNREACHABLE = 'database unreachable';
const CREDENTIALS = 'database refused the credentials';
const NO_DATABASE = 'database does not exist';
const NO_SCHEMA = 'database schema missing (run the migrations)';
const OLD_SCHEMA = 'database schema not migrated to this version (run the migrations)';
/** exported for readiness, which finds the same states by asking rather than by failing */
export const READ_ONLY = 'database is read-only';
export const STANDBY = 'database is a read-only standby';
export const FORBIDDEN = 'database denies the service a privilege it needs';
const FILE_READ_ONLY = 'database file not writable';
/**
 * The database is up but could not serve this request in time: the pool had no connection free
 * within its wait, a lock or statement timeout fired, or PostgreSQL aborted the statement as a
 * deadlock's or a serialization conflict's victim. Nothing of the statement was written.
 */
const BUSY = 'database busy';

const byCode: Record<string, string> = {
  // our own DatabaseUnavailableError, once Prisma has wrapped it (it keeps the code, not the class)
  DATABASE_UNAVAILABLE: 'database unavailable',
  P1000: CREDENTIALS, // authentication failed
  P1001: UNREACHABLE, // cannot reach database server
  P1002: UNREACHABLE, // database server timed out
  P1003: NO_DATABASE,
  P1008: UNREACHABLE, // operations timed out
  P1010: CREDENTIALS, // access denied
  P1017: UNREACHABLE, // server closed the connection
  P2021: NO_SCHEMA, // table does not exist
  P2022: OLD_SCHEMA, // column does not exist
  P2024: BUSY, // timed out fetching a connection from the pool
  P2034: BUSY, // transaction failed due to a write conflict or a deadlock
  ECONNREFUSED: UNREACHABLE,
  ECONNRESET: UNREACHABLE,
  ETIMEDOUT: UNREACHABLE,
  ENOTFOUND: UNREACHABLE,
  EAI_AGAIN: UNREACHABLE,
  // PostgreSQL SQLSTATEs
  '57P01': UNREACHABLE, // admin_shutdown: terminating connection due to administrator command
  '57P02': UNREACHABLE, // crash_shutdown
  '57P03': UNREACHABLE, // cannot_connect_now: the database system is starting up
  '08000': UNREACHABLE, // connection_exception
  '08001': UNREACHABLE, // sqlclient_unable_to_establish_sqlconnection
  '08003': UNREACHABLE, // connection_does_not_exist
  '08006': UNREACHABLE, // connection_failure
  '53300': 'database has too many connections',
  // Contention, not breakage: the statement was rolled back and may be sent again (postgres-sql.ts
  // sends a deadlock's or a serialization failure's victim once more before giving up).
  '40P01': BUSY, // deadlock_detected
  '40001': BUSY, // serialization_failure
  '55P03': BUSY, // lock_not_available: lock_timeout, or NOWAIT
  '57014': BUSY, // query_canceled: statement_timeout, or a cancel request
  '28000': CREDENTIALS, // invalid_authorization_specification (role unknown or not allowed to log in)
  '28P01': CREDENTIALS, // invalid_password
  '3D000': NO_DATABASE, // invalid_catalog_name
  '42P01': NO_SCHEMA, // undefined_table
  '42703': OLD_SCHEMA, // undefined_column
  // A failover's standby, or a database set read-only (default_transaction_read_only): every
  // write fails with 25006 while reads still work.
  '25006': READ_ONLY, // read_only_sql_transaction
  '42501': FORBIDDEN, // insufficient_privilege: a grant revoked, or the service running as the wrong role
  // SQLite (better-sqlite3 gives the extended code, e.g. SQLITE_IOERR_WRITE: see faultOfCode)
  SQLITE_BUSY: BUSY,
  SQLITE_LOCKED: BUSY,
  SQLITE_CANTOPEN: 'database file cannot be opened',
  // and its extended codes (_RECOVERY, _CANTLOCK, _ROLLBACK, _CANTINIT, _DIRECTORY): the file,
  // its -wal/-shm or its folder cannot be written (permissions, chattr +i, a read-only mount)
  SQLITE_READONLY: FILE_READ_ONLY,
  SQLITE_PERM: FILE_READ_ONLY,
  SQLITE_IOERR: 'database file input/output error',
  SQLITE_FULL: 'database disk full',
  SQLITE_NOTADB: 'database file is not a database',
  SQLITE_CORRUPT: 'database file is corrupt',
};

function faultOfCode(code: unknown): string | undefined {
  if (typeof code !== 'string') return undefined;
  // SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED, ...: the primary code is what matters
  return byCode[code] ?? (code.startsWith('SQLITE_') ? byCode[/^SQLITE_[A-Z]+/.exec(code)?.[0] ?? ''] : undefined);
}

/** Prisma driver adapters' kinds of error (DriverAdapterError's cause). */
const byKind: Record<string, string> = {
  DatabaseNotReachable: UNREACHABLE,
  ConnectionClosed: UNREACHABLE,
  SocketTimeout: UNREACHABLE,
  TooManyConnections: 'database has too many connections',
  TransactionWriteConflict: BUSY, // 40001, as Prisma's pg adapter names it
  AuthenticationFailed: CREDENTIALS,
  DatabaseAccessDenied: CREDENTIALS,
  DatabaseDoesNotExist: NO_DATABASE,
  TableDoesNotExist: NO_SCHEMA,
  ColumnNotFound: OLD_SCHEMA,
};

const byMessage: [RegExp, string][] = [
  [/ECONNREFUSED|Connection terminated|connection (?:timeout|refused)|Can't reach database/i, UNREACHABLE],
  // pg-pool's own error, no code: every connection of the pool stayed checked out for its whole
  // wait (connectTimeoutMs, 5 s), as on a machine too loaded to finish the statements ahead
  [/^timeout exceeded when trying to connect$/, BUSY],
  // a statement on a connection closed under it, its file having been deleted or replaced
  [/^The database connection is not open$/, 'database file replaced or missing'],
  [/^no such table/, NO_SCHEMA],
  [/^no such column|has no column named/, OLD_SCHEMA],
  // the words, should a wrapper have dropped the codes above
  [/^attempt to write a readonly database/, FILE_READ_ONLY],
  [/^cannot execute \w+ in a read-only transaction/, READ_ONLY],
  [/^permission denied for /, FORBIDDEN],
];
