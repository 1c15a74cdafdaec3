// GraphQL Code Generator settings for a TypeScript client of cellgraph: typed documents from your .graphql files,
// with cellgraph's custom scalars typed as they travel in JSON. Run: npx graphql-codegen --config codegen.ts
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // cellgraph's schema.graphql (checked in, printed from the server's types), or a running server's URL.
  schema: 'schema.graphql',
  documents: ['examples/operations/*.graphql'],
  generates: {
    'src/generated/': {
      preset: 'client',
      config: {
        scalars: {
          // Stream sequence: a JSON number (exact up to 2^53-1); as input a decimal string is accepted too.
          Seq: { input: 'number | string', output: 'number' },
          // RFC 3339 with the precision the event carried (up to nanoseconds): keep it a string, or parse it
          // knowing that Date drops everything below the millisecond.
          DateTime: 'string',
          UUID: 'string',
          // A formation's document: any JSON value.
          JSON: 'unknown',
        },
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
