import { databaseFault } from '../db/faults.js';
import { DomainError, entryOf, errorCatalogue } from '../errors/errors.js';

/**
 * How long a client is told to wait after a database fault: the faults seen under load (no
 * pooled connection free in time, a lock or statement timeout, a deadlock) clear in about that.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 1;

/**
 * The REST answer for an error thrown by a service: expected failures get their status and
 * message from the catalogue; a database that cannot serve now gets 503 with Retry-After;
 * anything else is a 500 whose text is not shown.
 */
export function restError(error: unknown): { status: number; detail: string; expected: boolean; retryAfter?: number } {
  // A transport code thrown as a class (DatabaseUnavailableError) is a fault, logged as one.
  if (error instanceof DomainError && !entryOf(error.code).transport) {
    const retryAfter = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : undefined;
    return { status: entryOf(error.code).status, detail: error.message, expected: true, retryAfter };
  }
  if (isDatabaseUnavailable(error)) {
    const { status, message } = errorCatalogue.DATABASE_UNAVAILABLE;
    return { status, detail: message, expected: false, retryAfter: DATABASE_RETRY_AFTER_SECONDS };
  }
  return { status: 500, detail: 'Internal server error', expected: false };
}

/**
 * Whether an error means the database cannot serve right now (unreachable, credentials refused,
 * dropped, not migrated, its file gone or read-only), as opposed to a bug: see databaseFault.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return databaseFault(error) !== undefined;
}
