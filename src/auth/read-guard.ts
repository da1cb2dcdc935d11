import {
  defaultFieldResolver,
  defaultTypeResolver,
  getNamedType,
  isAbstractType,
  isObjectType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { decodeNodeGlobalId } from '../graphql/builder.js';
import { authorize, refusalOf, type CallContext, type Scope } from './caller.js';

/**
 * Which scope reading each kind of object needs, wherever in a query the object is reached:
 * `user(username:)`, `users`, `node(id:)`, `nodes`, a code's `user`, a user's `logs`, the
 * gateway's `_entities`. Types not listed (payloads, errors, page info) need none of their own.
 */
export const readScopes: Readonly<Record<string, Scope>> = {
  User: 'users:read',
  OtpLog: 'logs:read',
  AuditEvent: 'logs:read',
};

/**
 * Fields that need a scope of their own wherever they are read, mutation results included: a
 * caller allowed to change a user (users:write) does not thereby read its contact details.
 */
export const fieldReadScopes: Readonly<Record<string, Readonly<Record<string, Scope>>>> = {
  User: { email: 'users:read', phoneNumber: 'users:read' },
};

interface WithCaller {
  caller: CallContext;
}

/**
 * Enforces `readScopes` on a built schema, in place, and returns it. Resolvers of root fields
 * call `authorize` themselves, where a reader sees it; this is the net under them for every
 * other way to reach an object, so a relation or an interface added later cannot open a path
 * around a scope:
 *
 * - a field (of any type but Mutation) whose result is, or holds through a connection, a
 *   guarded type checks that type's scope before it resolves (before any database query);
 * - an interface or union (Node, _Entity) checks the scope of the type it resolves to;
 * - `node(id:)` and `nodes(ids:)` check the scope of the type an id names before loading it;
 * - a field of `fieldReadScopes` checks its scope, wherever its object came from.
 *
 * Mutation fields are left to their resolvers: a caller allowed to write a user sees the user
 * it wrote, but reading anything further from it (a user's `logs`, its contact details) needs
 * the read scope.
 */
export function guardReads(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  const guardedNames = new Set(Object.keys(readScopes));

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) && type !== mutation) {
      const parentScope = readScopes[type.name];
      for (const field of Object.values(type.getFields())) {
        const needed = new Set([...scopesWithin(getNamedType(field.type))].filter((scope) => scope !== parentScope));
        const own = fieldReadScopes[type.name]?.[field.name];
        if (own) needed.add(own);
        if (needed.size === 0) continue;
        const resolve = field.resolve ?? defaultFieldResolver;
        field.resolve = (source, args, context: WithCaller, info) => {
          for (const scope of needed) authorize(context.caller, scope);
          return resolve(source, args, context, info);
        };
      }
    }
    if (isAbstractType(type) && schema.getPossibleTypes(type).some((member) => guardedNames.has(member.name))) {
      const resolveType = type.resolveType ?? defaultTypeResolver;
      type.resolveType = (value, context: WithCaller, info, abstractType) => {
        const check = (name: string | undefined) => {
          const scope = name === undefined ? undefined : readScopes[name];
          if (scope && info.parentType !== mutation) authorize(context.caller, scope);
          return name;
        };
        const name = resolveType(value, context, info, abstractType);
        return name instanceof Promise ? name.then(check) : check(name);
      };
    }
  }
  const query = schema.getQueryType();
  if (query) guardNodeLookups(query);
  return schema;
}

/**
 * `node(id:)` and `nodes(ids:)` learn an object's type from its id. Its scope is checked then,
 * before any database read, so a caller refused the type gets the same answer for an id that
 * names a row as for one that does not (the check as the Node resolves to a type comes only
 * after the read, and only for a row that exists). An id that does not decode is left to the
 * resolver, which refuses it as invalid.
 */
function guardNodeLookups(query: GraphQLObjectType) {
  const { node, nodes } = query.getFields();
  if (node) {
    const resolve = node.resolve ?? defaultFieldResolver;
    node.resolve = (source, args: { id: string }, context: WithCaller, info) => {
      const refusal = refusalForId(context.caller, args.id);
      if (refusal) throw refusal;
      return resolve(source, args, context, info);
    };
  }
  if (nodes) {
    const resolve = nodes.resolve ?? defaultFieldResolver;
    nodes.resolve = async (source, args: { ids: string[] }, context: WithCaller, info) => {
      const refusals = args.ids.map((id) => refusalForId(context.caller, id));
      if (refusals.every((refusal) => refusal === undefined)) return resolve(source, args, context, info);
      const allowed = args.ids.filter((_id, index) => refusals[index] === undefined);
      const loaded: unknown = allowed.length === 0 ? [] : await resolve(source, { ...args, ids: allowed }, context, info);
      const rows: unknown[] = Array.isArray(loaded) ? loaded : [];
      let next = 0;
      // An Error in a list's place is that item's error, at its own path, as graphql-js completes lists.
      return refusals.map((refusal): unknown => refusal ?? rows[next++]);
    };
  }
}

function refusalForId(caller: CallContext, globalId: string) {
  let typename: string;
  try {
    ({ typename } = decodeNodeGlobalId(globalId));
  } catch {
    return undefined;
  }
  const scope = readScopes[typename];
  return scope === undefined ? undefined : refusalOf(caller, scope);
}

/**
 * The scopes of the guarded types a value of `start` is or holds (through connections, edges,
 * payloads) without passing through another guarded type. Interfaces and unions are checked
 * when they resolve to a concrete type, so the walk stops at them.
 */
function scopesWithin(start: GraphQLNamedType): Set<Scope> {
  const found = new Set<Scope>();
  const seen = new Set<string>();
  const queue = [start];
  for (let type = queue.shift(); type; type = queue.shift()) {
    if (seen.has(type.name) || !isObjectType(type)) continue;
    seen.add(type.name);
    const scope = readScopes[type.name];
    if (scope) {
      found.add(scope);
      continue;
    }
    for (const field of Object.values(type.getFields())) queue.push(getNamedType(field.type));
  }
  return found;
}
