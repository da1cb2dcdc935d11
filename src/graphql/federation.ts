import { printSubgraphSchema } from '@apollo/subgraph';
import { completeValue } from '@pothos/core';
import { getRefFromModel } from '@pothos/plugin-prisma';
import {
  defaultFieldResolver,
  GraphQLObjectType,
  GraphQLSchema,
  lexicographicSortSchema,
  printSchema,
  type GraphQLNamedType,
} from 'graphql';
import type { UsersStore } from '../users/users.store.js';
import { decodeNodeGlobalId, refusalOfScopes, typeScopes, type Builder, type GraphQLContext } from './builder.js';
import { normaliseUsername } from '../users/username.js';

/**
 * Makes `User` a federation entity, so other subgraphs of the FountainAI supergraph can extend
 * it: resolvable by its global `id` (what this subgraph returns as `User.id`) and by `username`
 * (what every FountainAI service already knows a user by).
 */
export function addUserEntity(builder: Builder, users: Pick<UsersStore, 'findByName' | 'findById'>) {
  builder.asEntity(getRefFromModel('User', builder), {
    key: [builder.selection<{ id: string }>('id'), builder.selection<{ username: string }>('username')],
    // The gateway reaches a user through here as through node(id:): User's scopes are checked
    // before the row is read, so a user that exists and one that does not are refused alike.
    resolveReference: (reference, context) =>
      completeValue(refusalOfScopes(builder, context, typeScopes(builder, 'User')), (refused) => {
        if (refused) throw refused;
        if ('username' in reference) return users.findByName(normaliseUsername(reference.username));
        const id = userIdFromGlobalId(reference.id);
        return id === null ? null : users.findById(id);
      }),
  });
}

/** The database id inside a `User` global id, or null for any other id. */
function userIdFromGlobalId(globalId: string): number | null {
  try {
    const { typename, id } = decodeNodeGlobalId(globalId);
    return typename === 'User' ? Number(id) : null;
  } catch {
    return null;
  }
}

/** What federation adds to a subgraph schema; the gateway uses it, frontends never do. */
const federationFields = new Set(['_entities', '_service']);
const anyCaller = { admitted: true };
/** The fields wrapped below, so the default-deny check (scope-rules.ts) can tell they are guarded. */
const guardedFields = new WeakSet<object>();

/** Whether `guardFederationFields` wrapped this field with the `admitted` check. */
export function isGuardedFederationField(field: object): boolean {
  return guardedFields.has(field);
}

/**
 * `_service { sdl }` shows the whole schema, introspection on or off, and `_entities` reads
 * users: where anonymous callers are off, both need a valid token (the gateway has one), as
 * every other field does: the `admitted` scope. Any scope will do for `_service`; each entity
 * `_entities` resolves still needs its type's scopes. The federation plugin adds these two
 * fields after Pothos has built the schema, out of reach of `authScopes`, so their resolvers are
 * wrapped here, in place, with the same check and the same refusal.
 */
export function guardFederationFields(subgraph: GraphQLSchema, builder: Builder): GraphQLSchema {
  const fields = subgraph.getQueryType()?.getFields() ?? {};
  for (const name of federationFields) {
    const field = fields[name];
    if (!field) continue;
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context: GraphQLContext, info) =>
      completeValue(refusalOfScopes(builder, context, anyCaller), (refused) => {
        if (refused) throw refused;
        return resolve(source, args, context, info);
      });
    guardedFields.add(field);
  }
  return subgraph;
}
const isFederationType = (type: GraphQLNamedType) =>
  ['_Any', '_Entity', '_Service', 'link__Import', 'link__Purpose', 'federation__FieldSet'].includes(type.name);

/**
 * The public API schema (what `schema/schema.graphql` holds and codegen checks operations
 * against): the subgraph schema less `_entities`, `_service` and their types.
 */
export function publicSchema(subgraph: GraphQLSchema): GraphQLSchema {
  const queryType = subgraph.getQueryType();
  if (!queryType) return subgraph;
  const queryConfig = queryType.toConfig();
  const query = new GraphQLObjectType({
    ...queryConfig,
    fields: Object.fromEntries(Object.entries(queryConfig.fields).filter(([name]) => !federationFields.has(name))),
  });
  const config = subgraph.toConfig();
  return new GraphQLSchema({
    ...config,
    query,
    types: config.types.filter((type) => type !== queryType && !isFederationType(type)),
  });
}

/** `schema/schema.graphql`: the public API, what frontends and codegen use. */
export function printPublicSchema(subgraph: GraphQLSchema): string {
  return `${printSchema(lexicographicSortSchema(publicSchema(subgraph)))}\n`;
}

/**
 * `schema/subgraph.graphql`: what `_service { sdl }` answers and the supergraph composes, with
 * its `@link` and `@key` directives (graphql-js' printer would drop them).
 */
export function printSubgraphSdl(subgraph: GraphQLSchema): string {
  return `${printSubgraphSchema(subgraph)}\n`;
}
