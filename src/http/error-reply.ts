import { databaseFault } from '../db/faults.js';
import { DatabaseUnavailableError, DomainError, errorCatalogue } from '../errors/errors.js';

/**
 * The REST answer for an error thrown by a service: expected failures get their status and
 * message from the catalogue; an unreachable database gets 503; anything else is a 500 whose
 * text is not shown.
 */
export function restError(error: unknown): { status: number; detail: string; expected: boolean; retryAfter?: number } {
  if (error instanceof DomainError && !(error instanceof DatabaseUnavailableError)) {
    const retryAfter = 'retryAfter' in error && typeof error.retryAfter === 'number' ? error.retryAfter : undefined;
    return { status: errorCatalogue[error.code].status, detail: error.message, expected: true, retryAfter };
  }
  if (isDatabaseUnavailable(error)) {
    return { status: 503, detail: errorCatalogue.DATABASE_UNAVAILABLE.message, expected: false };
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
