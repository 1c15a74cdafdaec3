import { defineConfig } from 'vitest/config';

export default defineConfig({
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
