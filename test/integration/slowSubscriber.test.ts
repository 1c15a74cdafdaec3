import { expect, it } from 'vitest';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { CellChangesDocument, CellsPageDocument, LiveStatsDocument } from '../generated/graphql.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent } from '../support/publish.js';
import { CellView, pausableWsClient, subscribe } from '../support/subscriber.js';

const CELLS = 200;
const EVENTS = 100_000;

const nats = useNats();

it(`keeps a non-reading subscriber's queue bounded by its cells through ${EVENTS} events, then delivers each cell's latest state`, async () => {
  const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
  try {
    await app.source.whenReady();
    const { client, socket } = pausableWsClient(app.url);
    const view = new CellView();
    subscribe(client, CellChangesDocument, { include: 'CHANGES' }, (data) => view.apply(data.cells));
    await waitUntil(() => view.synced, 'subscription synced');
    socket().pause();

    const ids = Array.from({ length: CELLS }, (_, i) => `slow-${i}`);
    const events = ids.map((cellId) => cloudEvent('cell.lifecycle.v1.started', { cellId, specId: 'slow-spec' }));
    for (let i = 0; events.length < EVENTS; i++) {
      const cellId = ids[(i * 7919) % CELLS]!;
      events.push(
        i % 10 === 0
          ? cloudEvent('cell.command.v1.completed', { cellId, exitCode: i % 256 })
          : cloudEvent('cell.observability.v1.metrics', { cellId, sample: i }),
      );
    }
    let maxQueue = 0;
    const sampling = setInterval(() => {
      maxQueue = Math.max(maxQueue, app.hub.stats().maxQueueDepth);
    }, 20);
    const startSeq = app.projection.cursor;
    const publisher = await EventPublisher.connect(nats.url);
    const last = await publisher.publishUnacked(
      events.map((event) => ({ subject: 'cellos.events.test', event })),
      'CELLOS_EVENTS',
    );
    await publisher.close();
    // Unacked publishes: make sure the stream really holds every event.
    expect(last).toBe(startSeq + EVENTS);
    await waitUntil(() => app.projection.cursor >= last, 'projection applied everything', 60_000);
    clearInterval(sampling);

    // The server holds at most one pending change per cell, however many events went by.
    const { live } = await app.query(LiveStatsDocument);
    expect(live.maxQueueDepth).toBeLessThanOrEqual(CELLS);
    expect(maxQueue).toBeLessThanOrEqual(CELLS);
    expect(live.coalesced).toBeGreaterThan(EVENTS / 2);
    const received = view.messages.length;
    expect(received).toBeLessThan(EVENTS / 2);

    socket().resume();
    await waitUntil(() => view.lastSeq >= last, 'slow subscriber catching up', 60_000);
    const page = await app.query(CellsPageDocument, { first: 1000, filter: { specId: 'slow-spec' } });
    const fresh = page.cells.edges.map((e) => e.node).sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(fresh).toHaveLength(CELLS);
    expect(view.sorted().filter((c) => c.specId === 'slow-spec')).toEqual(fresh);
    await client.dispose();
  } finally {
    await app.stop();
  }
}, 180_000);
