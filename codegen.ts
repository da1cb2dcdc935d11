import type { CodegenConfig } from '@graphql-codegen/cli';

/** What the scalars are on the wire (JSON), not what the server holds. */
const scalars = {
  DateTime: 'string',
  EmailAddress: 'string',
  PhoneNumber: 'string',
  JSON: 'unknown',
};

/**
 * Typed documents for the named operations in schema/operations, checked against the
 * printed schema (npm run schema:print first): for the tests (test/generated, run through
 * `execute()`) and for the drop-in components (web/generated). `npm run codegen:check` fails
 * when either is stale.
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
        scalars,
      },
    },
    'web/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        strictScalars: true,
        scalars,
        // The operations' text as strings: a browser sends them as they are, without graphql-js
        // (about 40 KiB compressed) in the components' bundle to print an AST.
        documentMode: 'string',
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
