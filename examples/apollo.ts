// Apollo Client (no React): one cell, queried over HTTP and then followed over WebSocket from the query's seq.
// Run: npx tsx examples/apollo.ts <cell-id>   (env: CELLGRAPH_URL, CELLGRAPH_TOKEN)
import { pathToFileURL } from 'node:url';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws'; // Node 20 has no global WebSocket; browsers and Node 22 need no import

const CELL = gql`
  query Cell($id: String!) {
    cells(filter: { ids: [$id] }, first: 1) {
      seq
      edges { node { id state lastSeq } }
    }
  }
`;
const WATCH = gql`
  subscription Watch($id: String!, $after: Seq) {
    cell(id: $id, after: $after) { kind seq cell { id state lastSeq } }
  }
`;

interface CellRecord {
  id: string;
  state: string;
  lastSeq: number;
}

export function createApolloClient(url: string, token?: string) {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ws = new GraphQLWsLink(
    createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: headers }),
  );
  return new ApolloClient({
    link: ApolloLink.split(
      (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
      ws,
      new HttpLink({ uri: url, headers }),
    ),
    cache: new InMemoryCache(),
  });
}

/** The cell now, then its changes until it reaches `state`. */
export async function watchCellUntil(url: string, id: string, state: string, token?: string) {
  const client = createApolloClient(url, token);
  // The connection's `seq` is the seq the answer was read at: subscribe from there, nothing is missed.
  const { data } = await client.query<{ cells: { seq: number; edges: { node: CellRecord }[] } }>({
    query: CELL,
    variables: { id },
    fetchPolicy: 'network-only',
  });
  const seen: CellRecord[] = data!.cells.edges.map((edge) => edge.node);
  if (seen.at(-1)?.state !== state) {
    await new Promise<void>((resolve, reject) => {
      const subscription = client
        .subscribe<{ cell: { kind: string; seq: number; cell: CellRecord | null } }>({
          query: WATCH,
          variables: { id, after: data!.cells.seq },
        })
        .subscribe({
          next: ({ data: message, error }) => {
            if (error) return reject(error);
            if (message?.cell.cell) seen.push(message.cell.cell);
            if (message?.cell.cell?.state === state) {
              subscription.unsubscribe();
              resolve();
            }
          },
          error: reject,
        });
    });
  }
  client.stop();
  return seen;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const id = process.argv[2] ?? 'cell-1';
  const seen = await watchCellUntil(
    process.env['CELLGRAPH_URL'] ?? 'http://127.0.0.1:4000/graphql',
    id,
    'DESTROYED',
    process.env['CELLGRAPH_TOKEN'],
  );
  for (const cell of seen) console.log(cell);
  process.exit(0);
}
