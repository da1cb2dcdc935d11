import type { GraphQLField, GraphQLObjectType, GraphQLSchema } from 'graphql';

/** What Pothos keeps of a field's or type's options in the built schema's `extensions`. */
interface PothosExtensions {
  pothosOptions?: { authScopes?: unknown; skipTypeScopes?: unknown };
}

const optionsOf = (extensions: unknown) => (extensions as PothosExtensions | undefined)?.pothosOptions;

/**
 * Whether a root field declares who may call it: its own `authScopes` (an explicit "every
 * caller" rule counts: it was written on purpose), or its type's `authScopes` unless it skips them.
 */
function hasScopeRule(type: GraphQLObjectType, field: GraphQLField<unknown, unknown>): boolean {
  const options = optionsOf(field.extensions);
  if (options?.authScopes !== undefined) return true;
  return optionsOf(type.extensions)?.authScopes !== undefined && options?.skipTypeScopes !== true;
}

/**
 * Every Query, Mutation and Subscription field (as `Type.field`) that no scope rule guards:
 * default-deny means this list is empty, since scope-auth lets a field without a rule through.
 */
export function unguardedRootFields(schema: GraphQLSchema): string[] {
  const unguarded: string[] = [];
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!type) continue;
    for (const field of Object.values(type.getFields())) {
      if (!hasScopeRule(type, field)) unguarded.push(`${type.name}.${field.name}`);
    }
  }
  return unguarded;
}
