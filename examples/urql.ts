// urql: counts over HTTP, and the batched live feed a dashboard table wants, over WebSocket.
// Run: npx tsx examples/urql.ts   (env: CELLGRAPH_URL, CELLGRAPH_TOKEN)
import { pathToFileURL } from 'node:url';
import { Client, fetchExchange, gql, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node 20 has no global WebSocket; browsers and Node 22 need no import

const COUNTS = gql`
  query Counts {
    cellCounts { total running destroyed failed }
  }
`;
const BATCHES = gql`
  subscription Table {
    cellBatches(include: SNAPSHOT, maxBatch: 500) {
      seq
      changes { kind seq id cell { id state } }
    }
  }
`;

interface Batch {
  cellBatches: {
    seq: number;
    changes: { kind: string; id: string | null; cell: { id: string; state: string } | null }[];
  };
}

export function createUrqlClient(url: string, token?: string): Client {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ws = createWsClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: headers,
  });
  return new Client({
    url,
    // urql's defaults: short queries go as GET (cellgraph answers them without a CSRF header), long ones as POST.
    fetchOptions: { headers },
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}

/** The counts, and every cell as of the first SYNCED of a `cellBatches` subscription. */
export async function countsAndTable(url: string, token?: string) {
  const client = createUrqlClient(url, token);
  const counts = await client.query(COUNTS, {}).toPromise();
  if (counts.error) throw counts.error;

  const table = new Map<string, { id: string; state: string }>();
  const seq = await new Promise<number>((resolve, reject) => {
    const { unsubscribe } = client.subscription<Batch>(BATCHES, {}).subscribe((result) => {
      if (result.error) return reject(result.error);
      const batch = result.data!.cellBatches;
      for (const change of batch.changes) {
        if (change.kind === 'REMOVED') table.delete(change.id!);
        else if (change.cell) table.set(change.cell.id, change.cell);
        if (change.kind === 'SYNCED') {
          unsubscribe(); // a dashboard keeps going: later batches are live changes
          resolve(batch.seq);
        }
      }
    });
  });
  return { counts: counts.data.cellCounts, table, seq };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { counts, table, seq } = await countsAndTable(
    process.env['CELLGRAPH_URL'] ?? 'http://127.0.0.1:4000/graphql',
    process.env['CELLGRAPH_TOKEN'],
  );
  console.log(counts, `${table.size} cells as of seq ${seq}`);
  process.exit(0);
}
