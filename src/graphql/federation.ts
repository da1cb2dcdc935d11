import { printSubgraphSchema } from '@apollo/subgraph';
import { AnyType, entitiesResolver } from '@apollo/subgraph/dist/types.js';
import type { ObjectRef } from '@pothos/core';
import { getRefFromModel } from '@pothos/plugin-prisma';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema, type GraphQLNamedType } from 'graphql';
import type { UsersStore } from '../users/users.store.js';
import { decodeNodeGlobalId, scopesOfTypes, type Builder, type Types } from '../schema-builder/builder.js';
import { normaliseUsername } from '../vocabulary/username.js';

/**
 * Makes `User` a federation entity, so other subgraphs of the FountainAI supergraph can extend
 * it: resolvable by its global `id` (what this subgraph returns as `User.id`) and by `username`
 * (what every FountainAI service already knows a user by).
 */
export function addUserEntity(builder: Builder, users: Pick<UsersStore, 'findByName' | 'findById'>) {
  // User is a prismaNode (users.graphql.ts): an object type, so a member of `_Entity`.
  const User = getRefFromModel('User', builder, 'object') as ObjectRef<Types, object>;
  builder.asEntity(User, {
    key: [builder.selection<{ id: string }>('id'), builder.selection<{ username: string }>('username')],
    // Reached only through `_entities`, whose authScopes hold the check (addFederationFields).
    resolveReference: (reference) => {
      if ('username' in reference) return users.findByName(normaliseUsername(reference.username));
      const id = userIdFromGlobalId(reference.id);
      return id === null ? null : users.findById(id);
    },
  });
  addFederationFields(builder, [User]);
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

/** The subgraph SDL of each schema `_service` answered for, printed once. */
const sdlOf = new WeakMap<GraphQLSchema, string>();

/**
 * `_service { sdl }` and `_entities`, declared here with the same types and resolvers the
 * federation plugin gives them (its `toSubGraphSchema` lets the Query type's own fields win), so
 * that scope-auth checks them as every other field. `_service` shows the whole schema,
 * introspection on or off, so it needs `admitted` (any valid token, or an anonymous caller where
 * they are let in); `_entities` needs that and the scopes of every type its representations
 * name, before any row is read, so a refused caller cannot tell which ones exist.
 */
function addFederationFields(builder: Builder, entities: ObjectRef<Types, object>[]) {
  builder.addScalarType('_Any', AnyType);
  const Service = builder.objectRef<{ sdl: string }>('_Service').implement({
    fields: (t) => ({
      sdl: t.exposeString('sdl', {
        nullable: true,
        description:
          'The sdl representing the federated service capabilities. Includes federation directives, removes federation types, and includes rest of full schema after schema directives have been applied',
      }),
    }),
  });
  const Entity = builder.unionType('_Entity', {
    types: entities,
    resolveType: (entity) => (entity as { __typename?: string }).__typename ?? null,
  });
  builder.queryField('_service', (t) =>
    t.field({
      type: Service,
      authScopes: { admitted: true },
      resolve: (_root, _args, _context, { schema }) => {
        const sdl = sdlOf.get(schema) ?? printSubgraphSdl(schema);
        sdlOf.set(schema, sdl);
        return { sdl };
      },
    }),
  );
  builder.queryField('_entities', (t) =>
    t.field({
      type: [Entity],
      nullable: { list: false, items: true },
      args: { representations: t.arg({ type: ['_Any'], required: true }) },
      authScopes: (_root, { representations }) => {
        const types = scopesOfTypes(builder, representations.map((reference) => reference.__typename));
        return types === true ? { admitted: true } : { $all: { admitted: true, $any: types } };
      },
      // (@apollo/subgraph types the entities it resolves as any: each is a User row or null)
      resolve: (_root, { representations }, context, info) => entitiesResolver({ representations, context, info }) as Promise<object | null>[],
    }),
  );
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
