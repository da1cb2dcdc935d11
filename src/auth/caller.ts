import { ForbiddenError, UnauthenticatedError } from '../errors/errors.js';

export const scopes = ['otp:generate', 'otp:verify', 'users:read', 'users:write', 'logs:read'] as const;
export type Scope = (typeof scopes)[number];

/**
 * Who is calling and from where: built once per request at the edge (REST or GraphQL) and
 * passed to services, which record it in the audit trail and check scopes with `authorize`.
 */
export interface CallContext {
  /** the calling service (the token's `sub`), or null for an anonymous caller */
  caller: string | null;
  /** false when the request carried no usable token */
  authenticated: boolean;
  /** why a token was refused, in words safe to show its caller, where more can be said than "invalid" */
  refusal?: string;
  scopes: ReadonlySet<Scope>;
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/** Throws the typed error a caller without `scope` gets: 401 when unauthenticated, else 403. */
export function authorize(context: CallContext, scope: Scope): void {
  const refusal = refusalOf(context, scope);
  if (refusal) throw refusal;
}

/** The error `authorize` would throw, or undefined when the caller has the scope. */
export function refusalOf(context: CallContext, scope: Scope): UnauthenticatedError | ForbiddenError | undefined {
  if (context.scopes.has(scope)) return undefined;
  if (!context.authenticated) return new UnauthenticatedError(context.refusal);
  return new ForbiddenError(scope);
}

/**
 * Throws UnauthenticatedError unless the caller may call at all, whatever for: a valid token
 * (with any scopes), or no token where ALLOW_ANONYMOUS_CALLERS lets an anonymous caller in
 * (the only case in which an unauthenticated caller holds scopes).
 */
export function admit(context: CallContext): void {
  if (context.authenticated || context.scopes.size > 0) return;
  throw new UnauthenticatedError(context.refusal);
}

/** A context for work that no request started (the admin CLI, start-up, tests). */
export function systemContext(name: string): CallContext {
  return { caller: name, authenticated: true, scopes: new Set(scopes), ip: '127.0.0.1', userAgent: null, requestId: name };
}
