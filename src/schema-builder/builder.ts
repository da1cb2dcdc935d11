import SchemaBuilder, { PothosValidationError } from '@pothos/core';
import DirectivesPlugin from '@pothos/plugin-directives';
import ErrorsPlugin from '@pothos/plugin-errors';
import FederationPlugin from '@pothos/plugin-federation';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { decodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure, type AuthScopeMap } from '@pothos/plugin-scope-auth';
import { DateTimeResolver, EmailAddressResolver, JSONResolver, PhoneNumberResolver } from 'graphql-scalars';
import type { PrismaReads } from '../db/client.js';
import type PrismaTypes from '../db/generated/pothos-types.js';
import { getDatamodel } from '../db/generated/pothos-types.js';
import type { CallContext, Scope } from '../auth/caller.js';
import { normaliseUsername } from '../vocabulary/username.js';
import { ForbiddenError, UnauthenticatedError } from '../errors/errors.js';
import type { GraphQLContext } from './context.js';

export type { GraphQLContext } from './context.js';

export interface BuilderTypes {
  PrismaTypes: PrismaTypes;
  Context: GraphQLContext;
  // Fields are non-null unless they say otherwise, so clients do not null-check values that
  // are always there; an optional value is marked `nullable: true` where it is defined.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  // `authScopes` on fields and types name these: each scope a caller token can grant, and
  // `admitted`, held by every caller that may call at all (a valid token with any scopes, or no
  // token where ALLOW_ANONYMOUS_CALLERS lets an anonymous caller in). The `self…` ones take what
  // a field is about and hold for a `self` token bound to that user only (docs/security.md):
  // `selfUser` a username (an argument), `selfUserId` a user's row id (a row's owner; null, an
  // event about nobody, never holds), `selfPasskey` a passkey's row id (read to find its owner).
  AuthScopes: Record<Scope, boolean> & { admitted: boolean; selfUser: string; selfUserId: number | null; selfPasskey: number };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    EmailAddress: { Input: string; Output: string };
    PhoneNumber: { Input: string; Output: string };
    /** WebAuthn's JSON forms (options to the browser, its answers back): read by the passkeys service */
    JSON: { Input: unknown; Output: unknown };
    /** federation's entity representations (`_entities`), each naming its type */
    _Any: { Input: EntityRepresentation; Output: unknown };
  };
}

export type Types = PothosSchemaTypes.ExtendDefaultTypes<BuilderTypes>;

/** What a gateway sends `_entities` for one entity: its type and the fields of one of its keys. */
export type EntityRepresentation = { __typename: string } & Record<string, unknown>;

/** Granted to what a mutation returns: `$granted: mutationResult` in a type's `authScopes`. */
export const mutationResult = 'mutationResult';

/**
 * Decodes a global id, `base64("<Type>:<database id>")`. Every node's database id is a positive
 * integer: any other id is refused here as invalid (a client's mistake, said so), before
 * Prisma would fail on it as an internal error.
 */
export function decodeNodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = decodeGlobalID(globalId);
  if (!/^[1-9]\d{0,15}$/.test(decoded.id) || !Number.isSafeInteger(Number(decoded.id))) {
    throw new PothosValidationError(`Invalid global ID: ${globalId}`);
  }
  return decoded;
}

/** The scope a failed check named first (the caller lacks it), if it named one. */
function missingScope(failure: AuthFailure): string | undefined {
  if (failure.kind === AuthScopeFailureType.AuthScope) return failure.scope;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    for (const inner of failure.failures) {
      const scope = missingScope(inner);
      if (scope !== undefined) return scope;
    }
  }
  return undefined;
}

/**
 * What a caller refused by `authScopes` is told, as on REST: UnauthenticatedError without a
 * valid token (anonymous callers off, or a token refused), else ForbiddenError naming the scope.
 * A field with `errors` answers them as union members (the builder's defaultTypes); any other field fails with them.
 */
function refusal(caller: CallContext, failure: AuthFailure): UnauthenticatedError | ForbiddenError {
  const scope = missingScope(failure);
  if (!caller.authenticated || scope === undefined || scope === 'admitted') return new UnauthenticatedError(caller.refusal);
  return new ForbiddenError(scope);
}

/**
 * A new builder per schema build: the Prisma client is passed in, never imported, so the
 * schema can be built for any database (or none, to print it).
 */
export function createBuilder(db: PrismaReads, owners: Owners) {
  const builder: PothosSchemaTypes.SchemaBuilder<Types> = new SchemaBuilder<BuilderTypes>({
    // ErrorsPlugin goes first, so that a refusal of ScopeAuthPlugin becomes a member of a
    // field's error union, and before PrismaPlugin; RelayPlugin before ScopeAuthPlugin, so that
    // `node(id:)`'s authScopes see the id parsed; FederationPlugin (with the DirectivesPlugin it
    // needs) after every plugin that wraps resolvers, as Pothos' docs require.
    plugins: [ErrorsPlugin, RelayPlugin, ScopeAuthPlugin, PrismaPlugin, DirectivesPlugin, FederationPlugin],
    defaultFieldNullability: false,
    prisma: { client: db, dmmf: getDatamodel(), exposeDescriptions: false, filterConnectionTotalCount: true },
    scopeAuth: {
      authScopes: (context) => {
        const caller = context.call;
        return {
        'otp:generate': caller.scopes.has('otp:generate'),
        'otp:verify': caller.scopes.has('otp:verify'),
        'users:read': caller.scopes.has('users:read'),
        'users:write': caller.scopes.has('users:write'),
        'logs:read': caller.scopes.has('logs:read'),
        'webhooks:read': caller.scopes.has('webhooks:read'),
        'webhooks:write': caller.scopes.has('webhooks:write'),
        self: caller.scopes.has('self'),
        admitted: caller.authenticated || caller.scopes.size > 0,
        selfUser: (username) => caller.self !== undefined && caller.self === normaliseUsername(username),
        selfUserId: async (userId) => userId !== null && caller.self !== undefined && (await selfIdOf(owners, context)) === userId,
        selfPasskey: async (passkeyId) => {
          if (caller.self === undefined || !Number.isSafeInteger(passkeyId)) return false;
          const owner = await owners.passkeyOwnerOf(passkeyId);
          return owner !== null && owner === (await selfIdOf(owners, context));
        },
      };
      },
      unauthorizedError: (_parent, context, _info, { failure }) => refusal(context.call, failure),
      // A type's scopes are checked once per object, as the field that returns it completes,
      // and refuse that field (one error, at its path), not each field read from the object.
      runScopesOnType: true,
    },
    relay: {
      clientMutationId: 'omit',
      decodeGlobalID: decodeNodeGlobalId,
      cursorType: 'String',
      nodeTypeOptions: { description: 'An object with a global identifier, fetchable with `node(id:)`.' },
      idFieldOptions: { description: 'Global (Relay) identifier.' },
      nodeQueryOptions: {
        description: 'Any object by its global identifier, or null when there is none.',
        args: { id: { description: 'A global identifier, as returned in `id`.' } },
        // The scopes of the type the id names, before any row is read: a caller refused the
        // type gets the same answer for an id that names a row as for one that does not.
        authScopes: (_root, { id }) => typeScopes(builder, id.typename) ?? true,
      },
      nodesQueryOptions: {
        description: 'Objects by their global identifiers, null for each one not found; null as a whole when the caller may not read one of the types the ids name.',
        args: { ids: { description: 'Global identifiers, as returned in `id`.' } },
        // Nullable, so that a refusal (of any one id's type) leaves the operation's other fields.
        nullable: { list: true, items: true },
        // As node(id:): the scopes of every type the ids name, all of them, before any row is
        // read, so a refused caller cannot tell which ids name a row.
        authScopes: (_root, { ids }) => scopesOfTypes(builder, ids.map((id) => id.typename)),
      },
      pageInfoTypeOptions: { description: 'Where a page sits in a connection, and the cursors to page on.' },
      pageInfoFieldOptions: { description: 'How to fetch the pages before and after this one.' },
      hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
      hasPreviousPageFieldOptions: { description: 'Whether items come before this page.' },
      startCursorFieldOptions: { description: 'Cursor of the first item of the page; pass it as `before`.' },
      endCursorFieldOptions: { description: 'Cursor of the last item of the page; pass it as `after`.' },
      defaultConnectionTypeOptions: { description: 'One page of a list.' },
      defaultEdgeTypeOptions: { description: 'One item of a page and its cursor.' },
      edgesFieldOptions: { nullable: false, description: 'The items of this page, each with its cursor.' },
      nodeFieldOptions: { nullable: false, description: 'The item.' },
      cursorFieldOptions: { description: 'Opaque position of the item, for `after` or `before`.' },
      firstArgOptions: { description: 'At most this many items after the `after` cursor.' },
      afterArgOptions: { description: 'Start after this cursor (a previous page’s `endCursor`).' },
      lastArgOptions: { description: 'At most this many items before the `before` cursor.' },
      beforeArgOptions: { description: 'End before this cursor (a later page’s `startCursor`).' },
    },
    errors: {
      directResult: true,
      // Every field with typed errors can be refused by its authScopes: these two join each
      // such field's union (after the field's own types) without the field naming them.
      defaultTypes: [UnauthenticatedError, ForbiddenError],
      defaultUnionOptions: { description: 'The result, or one of the typed errors this field can return.' },
    },
  });
  builder.addScalarType('DateTime', DateTimeResolver);
  builder.addScalarType('EmailAddress', EmailAddressResolver);
  builder.addScalarType('PhoneNumber', PhoneNumberResolver);
  builder.addScalarType('JSON', JSONResolver);
  builder.queryType({ description: 'Reads: users and the log of delivered codes.' });
  builder.mutationType({
    description: 'Writes: users, and sending and checking one-time codes.',
    // A mutation's caller sees the object it wrote (a type's `$granted: mutationResult`), but
    // reading anything further from it needs the scopes of that.
    grantScopes: () => [mutationResult],
  });
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;

/** What the `self…` scopes read to find whose a row is (the users' and passkeys' stores). */
export interface Owners {
  /** the row id of the user with this name, or null */
  userIdOf(username: string): Promise<number | null>;
  /** the row id of the user whose passkey this is, or null */
  passkeyOwnerOf(passkeyId: number): Promise<number | null>;
}

/** The row id of the user a `self` caller is bound to, read once per request (null: no such user). */
const selfIds = new WeakMap<GraphQLContext, Promise<number | null>>();
function selfIdOf(owners: Owners, context: GraphQLContext): Promise<number | null> {
  const known = selfIds.get(context);
  if (known) return known;
  const self = context.call.self;
  const found = self === undefined ? Promise.resolve(null) : owners.userIdOf(self);
  selfIds.set(context, found);
  return found;
}

/** For a type checked by a function of its row that `ownedBy` did not make: no id reads it. */
const refuseEveryone: AuthScopeMap<Types> = { $all: { selfUser: '', admitted: true } };

/** What `ownedBy` made, mapped to the scopes it adds the owner to: what an id's check reads. */
const scopesForId = new WeakMap<object, AuthScopeMap<Types>>();

/**
 * The `authScopes` of a type whose rows belong to one user (a user, a passkey, an audit event):
 * `scopes`, or a `self` token of the row's owner. The owner is known only from the row, so
 * checks made from an id before its row is read (`node`, `nodes`, `_entities`) use `scopes`
 * alone: a `self` caller is refused every id, its own included, and cannot tell which exist.
 */
export function ownedBy<Row>(scopes: AuthScopeMap<Types>, ownerOf: (row: Row) => number | null) {
  const check = (row: Row): AuthScopeMap<Types> => ({ ...scopes, selfUserId: ownerOf(row) });
  scopesForId.set(check, scopes);
  return check;
}

/**
 * The `authScopes` an object type declares, for checks made from an id's type before its row is
 * read (`node`, `nodes`, `_entities`); undefined for a type without any.
 */
export function typeScopes(builder: Builder, typename: string): AuthScopeMap<Types> | undefined {
  if (!builder.configStore.hasConfig(typename)) return undefined;
  const config = builder.configStore.getTypeConfig(typename);
  const scopes = config.kind === 'Object' ? config.pothosOptions.authScopes : undefined;
  if (typeof scopes === 'function') return scopesForId.get(scopes) ?? refuseEveryone;
  return typeof scopes === 'object' ? scopes : undefined;
}

/**
 * One scope map that holds when the caller holds the scopes of every type named (types without
 * scopes add nothing; none at all: every caller): for fields that reach rows of types given in
 * their arguments (`nodes`, `_entities`), so that the plugin checks them before any row is read.
 * Scope maps are "any of" by default, so each type's map sits under its own `$any`, chained by `$all`.
 */
export function scopesOfTypes(builder: Builder, typenames: readonly string[]): AuthScopeMap<Types> | true {
  const maps = [...new Set(typenames)].flatMap((typename) => typeScopes(builder, typename) ?? []);
  const chain = (index: number): AuthScopeMap<Types> => {
    const map = maps[index] as AuthScopeMap<Types>;
    return index === maps.length - 1 ? { $any: map } : { $any: map, $all: chain(index + 1) };
  };
  return maps.length === 0 ? true : { $all: chain(0) };
}
