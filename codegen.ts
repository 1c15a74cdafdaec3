import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents from the checked-in schema.graphql, so result and variable
 * types are never written by hand: test/operations for the tests, and
 * dashboard/operations for the built-in dashboard. `npm run codegen`; a test
 * fails when either folder is stale.
 */

/** How the API's custom scalars look in JSON; the client guide (docs/clients.md) gives consumers the same mapping. */
export const scalars = {
  Seq: 'number',
  DateTime: 'string',
  UUID: 'string',
  JSON: 'unknown',
};

export const generatedDirs = ['test/generated/', 'dashboard/src/generated/'];

const config: CodegenConfig = {
  schema: 'schema.graphql',
  generates: {
    'test/generated/': {
      documents: ['test/operations/**/*.graphql'],
      preset: 'client',
      // persistedDocuments: also writes persisted-documents.json (hash -> text), the trusted-documents manifest
      // format (CELLGRAPH_TRUSTED_DOCUMENTS) the trusted-documents test serves; each document carries its hash.
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: 'sha256' } },
      config: {
        useTypeImports: true,
        // NodeNext resolution: relative imports in the generated files need their .js extension.
        importExtension: '.js',
        enumsAsTypes: true,
        scalars,
      },
    },
    'dashboard/src/generated/': {
      documents: ['dashboard/operations/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false, gqlTagName: 'graphql' },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // Documents as typed strings: the browser bundle needs no graphql-js to print an AST.
        documentMode: 'string',
        scalars,
      },
    },
  },
  hooks: {},
};

export default config;
