import { describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import {
  CellBatchesDocument,
  type CellBatchesSubscription,
  type CellFilter,
  LiveStatsDocument,
} from '../generated/graphql.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { cellsOnOnePage } from '../support/cells.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';
import { CellView, pausableWsClient, subscribe, wsClient } from '../support/subscriber.js';

/** A CellView fed batch by batch, checking each batch's own guarantees. */
class BatchView extends CellView {
  batches = 0;
  constructor(private readonly maxBatch: number) {
    super();
  }
  applyBatch(batch: CellBatchesSubscription['cellBatches']): void {
    this.batches += 1;
    expect(batch.changes.length).toBeGreaterThan(0);
    expect(batch.changes.length).toBeLessThanOrEqual(this.maxBatch);
    expect(batch.seq).toBe(batch.changes[batch.changes.length - 1]!.seq);
    for (const change of batch.changes) this.apply(change);
  }
}

const nats = useNats();
const events = takeEvents(5000, { seed: 23, concurrentCells: 40 }).map((e) => e.event);

describe('cellBatches subscription', () => {
  it('hands over gap-free from a query seq for several filters, a fast and a paused subscriber of the same group each ending with the right view', async () => {
    await publishAll(nats.url, events.slice(0, 1000));
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    try {
      await app.source.whenReady();
      const publishing = publishAll(nats.url, events.slice(1000, 3000), { rate: 1500, window: 64 });
      const client = wsClient(app.url);
      const watchers: { filter: CellFilter | null; view: BatchView }[] = [];
      for (const filter of [{ states: ['PENDING', 'RUNNING'] }, { state: 'RUNNING' }, null] as (CellFilter | null)[]) {
        const before = app.projection.cursor;
        await waitUntil(() => app.projection.cursor > before + 100, 'publisher progress');
        const { seq, cells } = await cellsOnOnePage(app, filter);
        const view = new BatchView(7);
        for (const cell of cells) view.cells.set(cell.id, cell);
        view.lastSeq = seq;
        subscribe(
          client,
          CellBatchesDocument,
          { filter, after: seq, maxBatch: 7 },
          (data) => view.applyBatch(data.cellBatches),
          view.recordErrors,
        );
        watchers.push({ filter, view });
      }
      // Two more subscribers with identical documents and variables (one group): one reads, one is paused.
      const { client: slowClient, socket: pausedSocket } = pausableWsClient(app.url);
      const fast = new BatchView(50);
      const slow = new BatchView(50);
      const group = { filter: null, include: 'SNAPSHOT' as const, maxBatch: 50 };
      subscribe(client, CellBatchesDocument, group, (data) => fast.applyBatch(data.cellBatches), fast.recordErrors);
      subscribe(slowClient, CellBatchesDocument, group, (data) => slow.applyBatch(data.cellBatches), slow.recordErrors);
      await waitUntil(() => fast.synced && slow.synced, 'group synced');
      pausedSocket().pause();
      const seqs = await publishing;
      const last = Math.max(...seqs);
      await waitUntil(() => app.projection.cursor >= last, 'projection caught up');
      const { live } = await app.query(LiveStatsDocument);
      expect(live.coalesced).toBeGreaterThan(0);
      pausedSocket().resume();

      for (const { filter, view } of [...watchers, { filter: null, view: fast }, { filter: null, view: slow }]) {
        const fresh = await cellsOnOnePage(app, filter);
        await waitUntil(
          () => view.lastSeq >= fresh.seq,
          `subscriber for ${JSON.stringify(filter)} reaching ${fresh.seq}`,
        );
        expect(view.sorted()).toEqual(fresh.cells);
        expect(view.errors).toEqual([]);
      }
      // The paused member never gets more changes than the reading one: whatever the server could not hand to
      // its socket was coalesced. Whether any was depends on how much the kernel's socket buffers absorbed
      // while paused, so "strictly fewer" is not asserted here; slowSubscriber.test.ts forces that case.
      const changes = (v: CellView) => v.messages.filter((m) => m.kind !== 'SYNCED' && m.kind !== 'BOOKMARK').length;
      expect(changes(slow)).toBeLessThanOrEqual(changes(fast));
      await Promise.all([client.dispose(), slowClient.dispose()]);
    } finally {
      await app.stop();
    }
  });

  it('resumes after a disconnect from the last batch seq, on a second replica, to the query view', async () => {
    const a = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    const b = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    try {
      await Promise.all([a.source.whenReady(), b.source.whenReady()]);
      const filter = { state: 'RUNNING' } as CellFilter;
      const view = new BatchView(20);
      const first = wsClient(a.url);
      const firstSub = subscribe(first, CellBatchesDocument, { filter, maxBatch: 20 }, (data) =>
        view.applyBatch(data.cellBatches),
      );
      const start = a.projection.cursor;
      const publishing = publishAll(nats.url, events.slice(3000, 5000), { rate: 1000, window: 64 });
      await waitUntil(
        () => view.synced && a.projection.cursor > start + 300 && view.lastSeq > start + 200,
        'first client mid-stream',
      );
      firstSub.stop();
      await first.dispose();
      const resumeFrom = view.lastSeq;
      await waitUntil(() => a.projection.cursor > resumeFrom + 200, 'events while disconnected');
      const second = wsClient(b.url);
      subscribe(second, CellBatchesDocument, { filter, after: resumeFrom, maxBatch: 20 }, (data) =>
        view.applyBatch(data.cellBatches),
      );
      const last = Math.max(...(await publishing));
      await waitUntil(() => b.projection.cursor >= last, 'replica caught up');
      await waitUntil(() => view.lastSeq >= last, 'resumed subscriber at the last seq');
      expect(view.sorted()).toEqual((await cellsOnOnePage(b, filter)).cells);
      await second.dispose();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('rejects maxBatch out of range with BAD_ARGUMENT', async () => {
    const app = await startTestCellgraph(nats.url);
    try {
      const client = wsClient(app.url);
      const sub = subscribe(client, CellBatchesDocument, { include: 'CHANGES', maxBatch: 0 });
      await sub.done.catch(() => undefined);
      await waitUntil(() => sub.results.length > 0, 'an answer');
      expect(sub.results[0]!.errors?.[0]?.extensions?.['code']).toBe('BAD_ARGUMENT');
      await client.dispose();
    } finally {
      await app.stop();
    }
  });
});
