/**
 * A dashboard's poll next to a reconnect storm: `cells(first: 50)` over
 * HTTP, one request at a time, `pauseMs` apart, for `seconds`. Its own
 * process, so its latency is the server's answer time, not a busy client's.
 */
import { CELLS_QUERY } from '../lib/queries.js';
import { quantile } from '../lib/stats.js';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  graphqlUrl: string;
  seconds: number;
  pauseMs: number;
}

runWorker(async () => {
  const args = workerArgs<Args>();
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  while (performance.now() - started < args.seconds * 1000) {
    const sent = performance.now();
    try {
      const response = await fetch(args.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: CELLS_QUERY }),
      });
      const body = (await response.json()) as { errors?: unknown };
      if (!response.ok || body.errors) errors += 1;
    } catch {
      errors += 1;
    }
    latencies.push(performance.now() - sent);
    await new Promise((resolve) => setTimeout(resolve, args.pauseMs));
  }
  report({
    type: 'done',
    requests: latencies.length,
    errors,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: quantile(latencies, 1),
  });
  process.exit(0);
});
