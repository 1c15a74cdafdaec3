import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the operations under test/operations: tests (and any
 * TypeScript client) get result and variable types from the checked-in
 * schema.graphql instead of writing them by hand. `npm run codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: ['test/operations/**/*.graphql'],
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        // NodeNext resolution: relative imports in the generated files need their .js extension.
        importExtension: '.js',
        enumsAsTypes: true,
        scalars: {
          Seq: 'number',
          DateTime: 'string',
          UUID: 'string',
          JSON: 'unknown',
        },
      },
    },
  },
  hooks: {},
};

export default config;
