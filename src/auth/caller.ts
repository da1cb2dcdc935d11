import { ForbiddenError, UnauthenticatedError } from '../errors/errors.js';
import { normaliseUsername } from '../vocabulary/username.js';

/** What a calling service may be granted: each acts on any user. */
export const serviceScopes = ['otp:generate', 'otp:verify', 'users:read', 'users:write', 'logs:read', 'webhooks:read', 'webhooks:write'] as const;
/**
 * Every scope a token can name. `self` is of another kind: it acts only on the one user its
 * token's `sub` names (a frontend acting for the signed-in user), and a token that carries it
 * gets nothing else (docs/security.md).
 */
export const scopes = [...serviceScopes, 'self'] as const;
export type Scope = (typeof scopes)[number];

/**
 * Who is calling and from where: built once per request at the edge (REST or GraphQL) and
 * passed to services, which record it in the audit trail. Its scopes are checked by `authorize`
 * on REST, and by the `authScopes` of fields and types on GraphQL (src/schema-builder/builder.ts).
 */
export interface CallContext {
  /** the calling service (the token's `sub`), or null for an anonymous caller */
  caller: string | null;
  /** false when the request carried no usable token */
  authenticated: boolean;
  /** why a token was refused, in words safe to show its caller, where more can be said than "invalid" */
  refusal?: string;
  scopes: ReadonlySet<Scope>;
  /** for a `self` token: the user it is bound to (its `sub`, normalised as every username is) */
  self?: string;
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

/**
 * As `authorize`, for work on one user: a `self` token bound to that user passes too. Any other
 * user is refused as a missing scope, so a `self` caller learns nothing about who exists.
 */
export function authorizeFor(context: CallContext, scope: Scope, username: string): void {
  if (context.self !== undefined && !context.scopes.has(scope) && context.self === normaliseUsername(username)) return;
  authorize(context, scope);
}

/** Whether the caller is a `self` token (its rules on enrolment differ: see step-up/fresh-verification.ts). */
export const isSelfCaller = (context: CallContext): boolean => context.self !== undefined;

/** A context for work that no request started (the admin CLI, start-up, tests). */
export function systemContext(name: string): CallContext {
  return { caller: name, authenticated: true, scopes: new Set(serviceScopes), ip: '127.0.0.1', userAgent: null, requestId: name };
}
