/**
 * Default-deny on GraphQL. The attack: a new query or mutation is added without `authScopes`,
 * and Pothos' scope-auth lets every caller through it (it refuses only what a rule refuses), so
 * an anonymous caller or a token without the scope reads or writes what the field reaches. The
 * built schema is walked: every Query, Mutation and Subscription field must carry a rule of its
 * own or its type's, federation's `_entities` and `_service` included: they are declared with
 * `authScopes` like any field, since the ones the federation plugin adds after the build are out
 * of the plugin's reach. The check is shown to fail on a schema with an unguarded field.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/config.js';
import { createDatabase } from '../src/db/client.js';
import { createBuilder } from '../src/schema-builder/builder.js';
import { buildSchema } from '../src/graphql/schema.js';
import { unguardedRootFields } from '../src/graphql/scope-rules.js';

// Prisma connects lazily: a schema built on this client never opens a database.
const database = createDatabase(parseConfig({ DATABASE_URL: 'file::memory:' }).database);
afterAll(() => database.close());
// these builders' fields read no row's owner
const noOwners = { userIdOf: async () => null, passkeyOwnerOf: async () => null };

describe('default-deny: every root field has a scope rule', () => {
  it('the service schema has no Query, Mutation or Subscription field without one', () => {
    const schema = buildSchema(database);
    const fields = [schema.getQueryType(), schema.getMutationType()].flatMap((type) => Object.keys(type?.getFields() ?? {}));
    // The walk covers what it should, federation's fields included.
    expect(fields).toEqual(expect.arrayContaining(['user', 'node', 'nodes', '_entities', '_service', 'verifyOtp', 'createUser']));
    expect(unguardedRootFields(schema)).toEqual([]);
  });

  it('fails on a field added without authScopes, on Query and on Mutation', () => {
    const builder = createBuilder(database.db, noOwners);
    builder.queryField('guarded', (t) => t.string({ authScopes: { 'users:read': true }, resolve: () => 'x' }));
    builder.queryField('open', (t) => t.string({ authScopes: () => true, resolve: () => 'x' }));
    builder.queryField('forgotten', (t) => t.string({ resolve: () => 'x' }));
    builder.mutationField('forgottenWrite', (t) => t.string({ resolve: () => 'x' }));
    expect(unguardedRootFields(builder.toSchema())).toEqual(['Query.forgotten', 'Mutation.forgottenWrite']);
  });

  it("counts a type's rule, unless the field skips it", () => {
    const builder = createBuilder(database.db, noOwners);
    // createBuilder declared Query without scopes; this declaration gives it some.
    builder.queryType({ authScopes: { admitted: true } });
    builder.mutationField('guardedWrite', (t) => t.string({ authScopes: { admitted: true }, resolve: () => 'x' }));
    builder.queryField('byType', (t) => t.string({ resolve: () => 'x' }));
    builder.queryField('skipped', (t) => t.string({ skipTypeScopes: true, resolve: () => 'x' }));
    expect(unguardedRootFields(builder.toSchema())).toEqual(['Query.skipped']);
  });

  it("sees federation's own _service as unguarded: the service's _entities and _service are its own, with scopes", () => {
    const bare = createBuilder(database.db, noOwners);
    bare.queryField('guarded', (t) => t.string({ authScopes: { admitted: true }, resolve: () => 'x' }));
    bare.mutationField('guardedWrite', (t) => t.string({ authScopes: { admitted: true }, resolve: () => 'x' }));
    // What the federation plugin adds after the build carries no rule the plugin would check.
    expect(unguardedRootFields(bare.toSubGraphSchema({}))).toEqual(['Query._service']);

    const fields = buildSchema(database).getQueryType()?.getFields() ?? {};
    for (const name of ['_entities', '_service']) {
      const options = (fields[name]?.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions;
      expect(options?.authScopes, name).toBeDefined();
    }
  });
});
