// A live view of every cell over WebSocket (graphql-ws): query, subscribe with `after`, resume after a drop.
// Run: npx tsx examples/graphql-ws.ts   (env: CELLGRAPH_URL, CELLGRAPH_TOKEN)
import { pathToFileURL } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node 20 has no global WebSocket; browsers and Node 22 need no import

export interface Cell {
  id: string;
  state: string;
  lastSeq: number;
}
interface Page {
  cells: { seq: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Cell }[] };
}
interface Change {
  cells: { kind: string; seq: number; id: string | null; cell: Cell | null };
}

const PAGE = `query Page($after: String) {
  cells(first: 1000, after: $after) {
    seq
    pageInfo { hasNextPage endCursor }
    edges { node { id state lastSeq } }
  }
}`;
const CHANGES = `subscription Changes($after: Seq!) {
  cells(after: $after) { kind seq id cell { id state lastSeq } }
}`;

/** Follows every cell until the view is current as of `untilSeq` (forever without it). */
export async function followCells(url: string, token?: string, untilSeq = Number.POSITIVE_INFINITY) {
  // One connection per attempt: a new connection resubscribes with the last seq received (retries are ours).
  const connect = () =>
    createClient({
      url: url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
    });
  const cells = new Map<string, Cell>();

  // 1. The current cells, read at one seq (the connection's `seq`); every page must come from the same one.
  let client = connect();
  let seq = 0;
  let after: string | null = null;
  do {
    const { value }: IteratorResult<{ data?: Page | null; errors?: unknown }> = await client
      .iterate<Page>({ query: PAGE, variables: { after } })
      .next();
    const page: Page['cells'] | undefined = value?.data?.cells;
    if (!page) throw new Error(`query failed: ${JSON.stringify(value?.errors)}`);
    if (seq && page.seq !== seq) throw new Error('the projection moved while paging: start again');
    seq = page.seq;
    for (const { node } of page.edges) cells.set(node.id, node);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);

  // 2. Every change after that seq: nothing between the query and the subscription is lost or sent twice.
  // 3. A dropped connection: connect again and subscribe with the last seq received (here or on another replica).
  for (let retry = 0; seq < untilSeq; retry++) {
    try {
      for await (const result of client.iterate<Change>({ query: CHANGES, variables: { after: seq } })) {
        // STREAM_RESET (the stream was recreated): seqs start over; clear the view and start again from 1.
        if (result.errors) throw new Error(result.errors.map((error) => error.message).join('; '));
        const change = result.data!.cells;
        if (change.kind === 'REMOVED') cells.delete(change.id!);
        else if (change.cell) cells.set(change.cell.id, change.cell);
        seq = change.seq; // every message's seq is a resume point, SYNCED and BOOKMARK included
        retry = 0;
        if (seq >= untilSeq) break;
      }
    } catch (error) {
      if (error instanceof Error) throw error; // a GraphQL error; a closed socket arrives as a CloseEvent
      await Promise.resolve(client.dispose()).catch(() => undefined); // its socket is gone: disposing may only report that again
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** retry)));
      client = connect();
    }
  }
  await client.dispose();
  return { cells, seq };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await followCells(process.env['CELLGRAPH_URL'] ?? 'http://127.0.0.1:4000/graphql', process.env['CELLGRAPH_TOKEN']);
}
