import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the named operations in schema/operations, checked against the
 * printed schema (npm run schema:print first). Tests run them through `execute()`;
 * `npm run codegen:check` fails when test/generated is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      // The operations use no fragments, so there is nothing to mask.
      presetConfig: { fragmentMasking: false },
      config: {
        // NodeNext ESM: relative imports need their .js extension.
        emitLegacyCommonJSImports: false,
        useTypeImports: true,
        strictScalars: true,
        // What the scalars are on the wire (JSON), not what the server holds.
        scalars: {
          DateTime: 'string',
          EmailAddress: 'string',
          PhoneNumber: 'string',
          JSON: 'unknown',
        },
      },
    },
  },
};

export default config;
