import { DomainError, errorCatalogue } from '../errors/errors.js';

/**
 * The REST answer for an error thrown by a service: expected failures get their status and
 * message from the catalogue; an unreachable database gets 503; anything else is a 500 whose
 * text is not shown.
 */
export function restError(error: unknown): { status: number; detail: string; expected: boolean; retryAfter?: number } {
  if (error instanceof DomainError) {
    const retryAfter = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : undefined;
    return { status: errorCatalogue[error.code].status, detail: error.message, expected: true, retryAfter };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, detail: errorCatalogue.DATABASE_UNAVAILABLE.message, expected: false };
  }
  return { status: 500, detail: 'Internal server error', expected: false };
}

const unavailableCodes = new Set([
  'P1001', // cannot reach database server
  'P1002', // database server timed out
  'P1008', // operations timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
  // PostgreSQL SQLSTATEs: the server is shutting down or starting up, or the connection broke
  '57P01', // admin_shutdown: terminating connection due to administrator command
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
  '53300', // too_many_connections
]);

/** Prisma driver adapters' kinds of error for a database that cannot be reached. */
const unavailableKinds = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

/** Whether an error means the database cannot be reached right now (as opposed to a bug). */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (typeof e !== 'object') return false;
    const { code, kind, name, message, cause, meta } = e as {
      code?: unknown;
      kind?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      meta?: { driverAdapterError?: unknown };
    };
    if (typeof code === 'string' && unavailableCodes.has(code)) return true;
    if (typeof kind === 'string' && unavailableKinds.has(kind)) return true;
    if (name === 'PrismaClientInitializationError') return true;
    if (typeof message === 'string' && /ECONNREFUSED|Connection terminated|connection (?:timeout|refused)|Can't reach database/i.test(message))
      return true;
    // A Prisma request error carries the driver adapter's error in its meta, not as its cause.
    e = cause ?? meta?.driverAdapterError;
  }
  return false;
}
