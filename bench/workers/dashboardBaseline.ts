// The dashboard benchmark's baseline: the least work that gives the dashboard's answer (the same cellBatches
// view, kept in a Map), without a browser or rendering. Prints JSON lines: synced, then cpu on stdin "report".
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const url = process.env['CELLGRAPH_WS_URL']!;
const query = process.env['CELLGRAPH_BASELINE_QUERY']!;
const cells = new Map<string, unknown>();
let seq = 0;
let synced = false;
const started = performance.now();
const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0 });
client.subscribe<{ cellBatches: { seq: number; changes: { kind: string; id: string | null; cell: unknown }[] } }>(
  { query, variables: { filter: {}, include: 'SNAPSHOT' } },
  {
    next: ({ data }) => {
      const batch = data!.cellBatches;
      for (const change of batch.changes) {
        if (change.kind === 'REMOVED') cells.delete(change.id!);
        else if (change.cell) cells.set(change.id!, change.cell);
        else if (change.kind === 'SYNCED' && !synced) {
          synced = true;
          console.log(
            JSON.stringify({
              type: 'synced',
              ms: performance.now() - started,
              cells: cells.size,
              cpu: process.cpuUsage(),
            }),
          );
        }
      }
      seq = batch.seq;
    },
    error: (error) => {
      console.error(error);
      process.exit(1);
    },
    complete: () => undefined,
  },
);
process.stdin.on('data', () => {
  console.log(JSON.stringify({ type: 'report', seq, cells: cells.size, cpu: process.cpuUsage() }));
});
