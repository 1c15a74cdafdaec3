import { print } from 'graphql';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { takeEvents } from '../../src/simulator/generator.js';
import { CellChangesDocument, type CellChangesSubscription, CellsPageDocument } from '../generated/graphql.js';
import { cellgraphForTest, waitCursor, waitUntil } from '../support/cellgraph.js';
import { allCells } from '../support/cells.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';
import { CellView, wsUrl } from '../support/subscriber.js';

const nats = useNats();

const WAVES = 4;
const PER_WAVE = 20;
/** Two filters, so subscribers of one share catch-ups and the other's are apart. */
const FILTERS = [null, { states: ['RUNNING' as const] }];

interface StormClient {
  socket: WebSocket;
  filter: (typeof FILTERS)[number];
  view: CellView;
  /** Cut abruptly (terminate, no close handshake) after this many messages; null: reads on. */
  cutAfter: number | null;
  snapshotIds: Set<string>;
  problems: string[];
  closed: boolean;
}

/** A raw graphql-transport-ws client with one snapshot subscription (a dashboard after a deploy). */
function connect(url: string, filter: StormClient['filter'], cutAfter: number | null): StormClient {
  const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
  const client: StormClient = {
    socket,
    filter,
    view: new CellView(),
    cutAfter,
    snapshotIds: new Set(),
    problems: [],
    closed: false,
  };
  socket.on('error', () => undefined);
  socket.on('close', () => (client.closed = true));
  socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
  socket.on('message', (raw) => {
    const message = JSON.parse(String(raw)) as {
      type: string;
      payload?: { data?: CellChangesSubscription; errors?: unknown[] };
    };
    if (message.type === 'connection_ack') {
      const payload = { query: print(CellChangesDocument), variables: { filter, include: 'SNAPSHOT' } };
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
    } else if (message.type === 'ping') {
      socket.send(JSON.stringify({ type: 'pong' }));
    } else if (message.type === 'next' && message.payload?.data) {
      const change = message.payload.data.cells;
      const { view } = client;
      if (!view.synced) {
        if (change.kind === 'ADDED') {
          if (client.snapshotIds.has(change.id!)) client.problems.push(`${change.id} twice in the snapshot`);
          client.snapshotIds.add(change.id!);
        } else if (change.kind !== 'SYNCED') client.problems.push(`${change.kind} before SYNCED`);
      }
      if (change.seq < view.lastSeq) client.problems.push(`seq ${change.seq} after ${view.lastSeq}`);
      else view.apply(change);
      if (client.cutAfter !== null && view.messages.length >= client.cutAfter) socket.terminate();
    } else {
      client.problems.push(JSON.stringify(message).slice(0, 300));
    }
  });
  return client;
}

it('a storm of snapshot subscriptions, half cut abruptly, leaves queries answering, every completed snapshot correct, and nothing held', async () => {
  const history = await publishAll(
    nats.url,
    takeEvents(6000, { seed: 81 }).map((e) => e.event),
  );
  // A 1 ms slice: each snapshot is delivered over many turns of the event loop, whatever the machine's speed.
  const app = await cellgraphForTest(nats.url, {
    CELLGRAPH_CATCHUP_SLICE_MS: '1',
    CELLGRAPH_BOOKMARK_INTERVAL_MS: '200',
  });
  await waitCursor(app, history.at(-1)!);
  const clients: StormClient[] = [];
  try {
    // Ingest goes on through the storm.
    const live = publishAll(
      nats.url,
      takeEvents(1500, { seed: 82 }).map((e) => e.event),
      { rate: 300, window: 32 },
    );
    for (let wave = 0; wave < WAVES; wave++) {
      for (let i = 0; i < PER_WAVE; i++) {
        // Every other client is cut somewhere in its snapshot (or just after it).
        const cutAfter = i % 2 === 1 ? 1 + (((wave * PER_WAVE + i) * 97) % 400) : null;
        clients.push(connect(app.url, FILTERS[i % FILTERS.length]!, cutAfter));
      }
      // Queries are answered while the wave's snapshots go out.
      const page = await app.query(CellsPageDocument, { first: 50 });
      expect(page.cells.edges.length).toBe(50);
    }
    const lastSeq = (await live).at(-1)!;
    await waitCursor(app, lastSeq);

    const readers = clients.filter((c) => c.cutAfter === null);
    await waitUntil(
      () => readers.every((c) => c.view.lastSeq >= lastSeq || c.problems.length > 0),
      'every reading client current (a change or a bookmark at the last seq)',
      60_000,
    );
    const stats = app.hub.stats();
    // Subscribers of one filter that arrived at one seq shared a catch-up; every one waited for later turns.
    expect(stats.catchUpsTaken + stats.catchUpsShared).toBe(clients.length);
    expect(stats.catchUpPauses).toBeGreaterThan(0);
    for (const filter of FILTERS) {
      const expected = (await allCells(app, lastSeq, filter)).cells;
      for (const client of readers.filter((c) => c.filter === filter)) {
        expect(client.problems).toEqual([]);
        expect(client.view.synced).toBe(true);
        expect(client.view.sorted()).toEqual(expected);
      }
    }
    for (const client of clients.filter((c) => c.cutAfter !== null)) expect(client.problems).toEqual([]);

    // Readers close normally; a client whose cut point lay beyond what it received is cut now.
    for (const client of clients) {
      if (client.cutAfter === null) client.socket.close();
      else client.socket.terminate();
    }
    await waitUntil(() => clients.every((c) => c.closed), 'every client socket closed');
    await waitUntil(
      () => app.hub.stats().cellSubscriptions === 0 && app.http.wsServer.clients.size === 0,
      'subscriptions and connections back to 0',
    );
    const after = await app.query(CellsPageDocument, { first: 50 });
    expect(after.cells.seq).toBe(lastSeq);
  } finally {
    for (const client of clients) client.socket.terminate();
  }
}, 180_000);
