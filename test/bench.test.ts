import { describe, expect, it } from 'vitest';
import { benchOptions, renderReport, runBench } from '../bench/run.js';

// Benchmarks are not tests: nothing here looks at a figure. This runs the
// `bench:quick` logic at tiny sizes so a change that breaks the benchmark
// (a worker, the harness, a baseline) fails CI instead of the next bench run.
describe('bench (tiny sizes, no timing assertions)', () => {
  it('runs every section end to end and renders the table', async () => {
    const options = {
      ...benchOptions(['--quick', '--no-write']),
      events: 3000,
      querySeconds: 1,
      fanoutClients: [5],
      fanoutRate: 50,
      fanoutSeconds: 1,
      fanoutIdle: 20,
      memoryCells: 2000,
      log: () => undefined,
    };
    const result = await runBench(options);
    const sections = new Set(result.rows.map((r) => r.section));
    expect([...sections].sort()).toEqual([
      'boot',
      'checkpoint',
      'fan-out',
      'memory',
      'queries',
      'replay',
      'rss',
      'timeline',
    ]);
    for (const row of result.rows.filter((r) => r.section !== 'rss' && r.section !== 'fan-out')) {
      expect(row.cellgraph, row.metric).toMatch(/\d/);
    }
    expect(renderReport(result)).toContain('| replay |');
  }, 300_000);

  it('runs the reconnect storm section end to end (--only storm)', async () => {
    const options = {
      ...benchOptions(['--quick', '--no-write', '--only', 'storm']),
      stormEvents: 1000,
      stormSeconds: 2,
      stormWave: 4,
      log: () => undefined,
    };
    const result = await runBench(options);
    const storm = result.rows.filter((r) => r.section === 'storm');
    expect(storm).toHaveLength(6);
    for (const row of storm) expect(row.cellgraph, row.metric).toMatch(/\d/);
  }, 300_000);
});
