import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships index.mjs (via "module") and index.js: vite would load the
    // .mjs for our sources while graphql-yoga requires the .js, and two GraphQLError
    // classes make yoga mask every coded error as INTERNAL_SERVER_ERROR. One copy, as
    // under node/tsx.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration files each start their own nats-server; two cores: run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
  },
});
