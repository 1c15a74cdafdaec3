import { describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import {
  CellBatchesDocument,
  type CellBatchesSubscription,
  CellChangesDocument,
  EventFeedDocument,
} from '../generated/graphql.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { sseSubscribe } from '../support/sse.js';
import { CellView, subscribe, watchCells, wsClient } from '../support/subscriber.js';

const nats = useNats({ perTest: true });

/** Events about cells of a spec nobody in these tests filters on: they move the cursor and nothing else. */
const unrelated = (count: number, tag: string) =>
  Array.from({ length: count }, (_, i) =>
    cloudEvent('cell.lifecycle.v1.started', { cellId: `elsewhere-${tag}-${i}`, specId: 'elsewhere' }),
  );

/** Waits generously for what does not depend on bookmarks (subscriptions synced, a publisher done). */
const ARRIVES = 60_000;
/**
 * How long an idle subscriber may wait for its bookmark: the default promises about a second; this
 * is generous for a shared, loaded machine, yet below the 15 s interval bookmarks once had, so the
 * test fails if they fall back to a slow timer. Not a latency measurement (that is in BENCHMARKS.md).
 */
const BOOKMARK_ARRIVES = 12_000;

describe('bookmarks', () => {
  it('with the default settings, idle filtered subscribers (graphql-ws cells and cellBatches, SSE, events) learn the new seq after unrelated events', async () => {
    await publishAll(nats.url, unrelated(20, 'history'));
    // No CELLGRAPH_BOOKMARK_INTERVAL_MS: the default must do it.
    const app = await startTestCellgraph(nats.url);
    try {
      await app.source.whenReady();
      const client = wsClient(app.url);
      const overWs = watchCells(client, { filter: { specId: 'watched-a' } });
      const other = watchCells(client, { filter: { specId: 'watched-b' }, include: 'CHANGES' });
      const batched = new CellView();
      subscribe(
        client,
        CellBatchesDocument,
        { filter: { specId: 'watched-c' }, maxBatch: 100 },
        (data: CellBatchesSubscription) => {
          for (const change of data.cellBatches.changes) batched.apply(change);
        },
        batched.recordErrors,
      );
      const overSse = new CellView();
      const sse = sseSubscribe(app.url, CellChangesDocument, { filter: { specId: 'watched-d' } }, (data) =>
        overSse.apply(data.cells),
      );
      expect(await sse.status).toBe(200);
      const eventSeqs: number[] = [];
      subscribe(client, EventFeedDocument, { types: ['no.such.type'] }, (data) => {
        if (data.events.kind === 'EVENT') throw new Error(`unexpected event at ${data.events.seq}`);
        if (data.events.kind === 'BOOKMARK') eventSeqs.push(data.events.seq);
      });
      const views = [overWs.view, other.view, batched, overSse];
      await waitUntil(() => views.every((view) => view.synced), 'every subscriber synced', ARRIVES);
      const before = app.projection.cursor;
      for (const view of views) expect(view.lastSeq).toBe(before);

      const seqs = await publishAll(nats.url, unrelated(30, 'live'));
      const last = Math.max(...seqs);
      expect(last).toBeGreaterThan(before);
      await waitUntil(
        () => views.every((view) => view.lastSeq === last) && eventSeqs.at(-1) === last,
        `every subscriber told seq ${last}`,
        BOOKMARK_ARRIVES,
      );
      for (const view of [...views]) {
        const after = view.messages.filter((m) => m.seq > before);
        // Told by bookmarks only: none of the events concerned their filters.
        expect(after.length).toBeGreaterThan(0);
        expect(after.every((m) => m.kind === 'BOOKMARK')).toBe(true);
        expect(view.errors).toEqual([]);
      }
      sse.stop();
      await client.dispose();
    } finally {
      await app.stop();
    }
  }, 180_000);

  it('never sends a bookmark older than a change already delivered: seqs never decrease, every bookmark moves the seq on', async () => {
    const events = takeEvents(3000, { seed: 31, concurrentCells: 40 }).map((e) => e.event);
    await publishAll(nats.url, events.slice(0, 500));
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '100' });
    try {
      await app.source.whenReady();
      const client = wsClient(app.url);
      // Filters that some events match and most do not: changes and bookmarks interleave.
      const watches = [
        watchCells(client, { filter: { state: 'RUNNING' } }),
        watchCells(client, { filter: { specId: 'pytest-shard' } }),
        watchCells(client, { filter: { states: ['DESTROYED'], outcome: 'FAILED' } }),
      ];
      const overSse = new CellView();
      const sse = sseSubscribe(app.url, CellChangesDocument, { filter: { specId: 'pytest-shard' } }, (data) =>
        overSse.apply(data.cells),
      );
      const views = [...watches.map((w) => w.view), overSse];
      await waitUntil(() => views.every((view) => view.synced), 'every subscriber synced', ARRIVES);
      // Slow enough that the cursor moves between bookmark rounds many times.
      const seqs = await publishAll(nats.url, events.slice(500, 3000), { rate: 800, window: 32 });
      const last = Math.max(...seqs);
      await waitUntil(() => views.every((view) => view.lastSeq === last), `every subscriber at ${last}`, ARRIVES);
      for (const view of views) {
        // CellView.apply throws (and the subscription fails) on a seq that goes backwards; checked here too.
        const order = view.messages.map((m) => m.seq);
        expect(order).toEqual([...order].sort((a, b) => a - b));
        const bookmarks = view.messages.flatMap((m, i) => (m.kind === 'BOOKMARK' ? [i] : []));
        expect(bookmarks.length).toBeGreaterThan(0);
        // A bookmark says something new: its seq is above the message before it.
        for (const i of bookmarks) expect(view.messages[i]!.seq).toBeGreaterThan(view.messages[i - 1]!.seq);
        expect(view.errors).toEqual([]);
      }
      sse.stop();
      await client.dispose();
    } finally {
      await app.stop();
    }
  }, 180_000);
});
