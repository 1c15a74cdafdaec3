// The same live view over Server-Sent Events (graphql-sse): for networks that pass no WebSocket.
// Run: npx tsx examples/graphql-sse.ts   (env: CELLGRAPH_URL, CELLGRAPH_TOKEN)
//
// graphql-sse's client reads the stream with fetch, so it can send the Authorization header. The browser's
// own EventSource cannot send headers at all: against a cellgraph with a token, use this client (or fetch),
// never `new EventSource(url)`.
import { pathToFileURL } from 'node:url';
import { createClient } from 'graphql-sse';

interface Change {
  cells: { kind: string; seq: number; id: string | null; cell: { id: string; state: string } | null };
}

const RUNNING = `subscription Running {
  cells(filter: { state: RUNNING }, include: SNAPSHOT) { kind seq id cell { id state } }
}`;

/** The running cells: the snapshot up to SYNCED (then it returns; keep iterating for live changes). */
export async function runningCells(url: string, token?: string) {
  const client = createClient({
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const running = new Map<string, { id: string; state: string }>();
  let seq = 0;
  for await (const result of client.iterate<Change>({ query: RUNNING })) {
    if (result.errors) throw new Error(result.errors.map((error) => error.message).join('; '));
    const change = result.data!.cells;
    if (change.kind === 'REMOVED') running.delete(change.id!);
    else if (change.cell) running.set(change.cell.id, change.cell);
    seq = change.seq;
    if (change.kind === 'SYNCED') break; // the view equals the projection at `seq`; live changes would follow
  }
  client.dispose();
  return { running, seq };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { running, seq } = await runningCells(
    process.env['CELLGRAPH_URL'] ?? 'http://127.0.0.1:4000/graphql',
    process.env['CELLGRAPH_TOKEN'],
  );
  console.log(`${running.size} running cells as of seq ${seq}`);
}
