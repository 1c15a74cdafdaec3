/**
 * HTTP load from its own process: autocannon against one endpoint, ids
 * rotating for by-id reads. Reports requests/s and latency percentiles.
 */
import autocannon from 'autocannon';
import { CELL_QUERY, CELLS_QUERY, type LoadKind, TIMELINE_FIRST, TIMELINE_QUERY } from '../lib/queries.js';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  kind: LoadKind;
  graphqlUrl: string;
  bareUrl: string;
  /** The bare timeline endpoint (bare-timeline only). */
  timelineUrl?: string;
  ids: string[];
  connections: number;
  durationSeconds: number;
}

runWorker(async () => {
  const args = workerArgs<Args>();
  let n = 0;
  const nextId = () => args.ids[n++ % args.ids.length]!;
  const graphql = args.kind.startsWith('graphql');
  const url = graphql ? args.graphqlUrl : args.kind === 'bare-timeline' ? args.timelineUrl! : args.bareUrl;
  const request: autocannon.Request =
    args.kind === 'graphql-timeline'
      ? {
          method: 'POST',
          setupRequest: (req) => ({
            ...req,
            body: JSON.stringify({ query: TIMELINE_QUERY, variables: { id: nextId() } }),
          }),
        }
      : args.kind === 'bare-timeline'
        ? {
            method: 'GET',
            setupRequest: (req) => ({
              ...req,
              path: `/timeline?id=${encodeURIComponent(nextId())}&first=${TIMELINE_FIRST}`,
            }),
          }
        : args.kind === 'graphql-cells'
          ? { method: 'POST', body: JSON.stringify({ query: CELLS_QUERY }) }
          : args.kind === 'graphql-cell'
            ? {
                method: 'POST',
                setupRequest: (req) => ({
                  ...req,
                  body: JSON.stringify({ query: CELL_QUERY, variables: { id: nextId() } }),
                }),
              }
            : args.kind === 'bare-cells'
              ? { method: 'GET', path: '/cells?first=50' }
              : {
                  method: 'GET',
                  setupRequest: (req) => ({ ...req, path: `/cell?id=${encodeURIComponent(nextId())}` }),
                };
  const result = await autocannon({
    url,
    connections: args.connections,
    duration: args.durationSeconds,
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    requests: [request],
  });
  report({
    type: 'done',
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
    total: result.requests.total,
    bytesPerRequest: result.requests.total > 0 ? result.throughput.total / result.requests.total : 0,
  });
  process.exit(0);
});
