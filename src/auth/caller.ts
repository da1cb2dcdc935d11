import { ForbiddenError, UnauthenticatedError } from '../errors/errors.js';

export const scopes = ['otp:generate', 'otp:verify', 'users:read', 'users:write', 'logs:read', 'webhooks:read', 'webhooks:write'] as const;
export type Scope = (typeof scopes)[number];

/**
 * Who is calling and from where: built once per request at the edge (REST or GraphQL) and
 * passed to services, which record it in the audit trail. Its scopes are checked by `authorize`
 * on REST, and by the `authScopes` of fields and types on GraphQL (src/graphql/builder.ts).
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
  if (context.scopes.has(scope)) return;
  if (!context.authenticated) throw new UnauthenticatedError(context.refusal);
  throw new ForbiddenError(scope);
}

/** A context for work that no request started (the admin CLI, start-up, tests). */
export function systemContext(name: string): CallContext {
  return { caller: name, authenticated: true, scopes: new Set(scopes), ip: '127.0.0.1', userAgent: null, requestId: name };
}
