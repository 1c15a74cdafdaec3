import { describe, expect, it } from 'vitest';
import type { CellFeed, CellFeedMessage } from '../../src/live/cellFeed.js';
import { CoalescingQueue } from '../../src/live/changes.js';
import { LiveHub } from '../../src/live/hub.js';
import { type CellPredicate, compileCellFilter } from '../../src/projection/cellFilter.js';
import type { CellRecord } from '../../src/projection/records.js';
import { simulateEvents } from '../../src/simulator/generator.js';
import { cellDeltas, Driver, destroyed, type Envelope, other, started } from './fixtures.js';

/**
 * A subscriber's view, checked message by message: seqs increase, each
 * change is the record as of its seq, its kind fits what the view holds,
 * and `changedFields` names every field that differs from the view's copy.
 */
class CheckedView {
  readonly cells = new Map<string, CellRecord>();
  readonly messages: CellFeedMessage[] = [];
  private lastSeq = 0;
  private syncedSeq: number | undefined;

  constructor(
    private readonly matches: CellPredicate,
    /** The record each seq's delta left, from the same projection the hub fans out. */
    private readonly recordAt: ReadonlyMap<number, CellRecord>,
  ) {}

  apply(message: CellFeedMessage): void {
    this.messages.push(message);
    if (message.kind === 'SYNCED') {
      expect(message.seq).toBeGreaterThanOrEqual(this.lastSeq);
      this.syncedSeq = message.seq;
      this.lastSeq = message.seq;
      return;
    }
    if (message.kind === 'BOOKMARK' || message.kind === 'SHUTDOWN' || message.kind === 'ERROR')
      throw new Error(`unexpected ${message.kind}`);
    const { kind, seq, cell, changed } = message;
    expect(seq).toBeGreaterThan(this.lastSeq);
    this.lastSeq = seq;
    expect(cell.lastSeq).toBe(seq);
    if (this.syncedSeq !== undefined) expect(cell).toBe(this.recordAt.get(seq));
    const held = this.cells.get(cell.id);
    if (kind === 'ADDED') {
      expect(held, `ADDED ${cell.id} at ${seq} while held`).toBeUndefined();
      expect(this.matches(cell)).toBe(true);
    } else {
      expect(held, `${kind} ${cell.id} at ${seq} while not held`).toBeDefined();
      expect(this.matches(cell)).toBe(kind === 'UPDATED');
      const differing = Object.keys(cell).filter(
        (field) => JSON.stringify(cell[field as keyof CellRecord]) !== JSON.stringify(held![field as keyof CellRecord]),
      );
      expect(changed).toEqual(expect.arrayContaining(differing));
    }
    if (kind === 'REMOVED') this.cells.delete(cell.id);
    else this.cells.set(cell.id, cell);
  }

  /** Every message ready now; the count read. */
  readReady(feed: CellFeed, most = Number.POSITIVE_INFINITY): CellFeedMessage[] {
    const read: CellFeedMessage[] = [];
    while (read.length < most) {
      const step = feed.takeReady();
      if (!step || step.done) break;
      this.apply(step.value);
      read.push(step.value);
    }
    return read;
  }

  expectEquals(cells: Iterable<CellRecord>): void {
    const expected = [...cells].filter(this.matches).sort((a, b) => (a.id < b.id ? -1 : 1));
    const actual = [...this.cells.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    expect(actual).toEqual(expected);
    actual.forEach((cell, i) => {
      expect(cell).toBe(expected[i]);
    });
  }
}

describe('GroupLog: one shared log per group, a private queue for a member that falls behind', () => {
  it('moves a member from the shared log to a private queue and back mid-stream, every message right for its view', () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10, groupLogLimit: 16 });
    const running = compileCellFilter({ states: ['running'] });
    const recordAt = new Map<number, CellRecord>();
    const source = simulateEvents({ seed: 14, concurrentCells: 6, duplicateRate: 0 })[Symbol.iterator]();
    // What the mover's own coalescing queue would hand over (the behaviour before shared logs), read at the same pace.
    let reference: CoalescingQueue | undefined;
    const publish = (count: number) => {
      for (let i = 0; i < count; i++) {
        const deltas = cellDeltas(d, [source.next().value!.event as Envelope]);
        for (const delta of deltas) {
          recordAt.set(delta.seq, delta.after);
          reference?.offer(delta);
        }
        hub.publish(deltas);
      }
    };
    publish(30);

    const fast = hub.subscribeCells(running, { snapshot: true, group: 'running' });
    const mover = hub.subscribeCells(running, { snapshot: true, group: 'running' });
    reference = new CoalescingQueue(running);
    const fastView = new CheckedView(running, recordAt);
    const moverView = new CheckedView(running, recordAt);
    const moverReads = (most?: number) => {
      const read = moverView.readReady(mover, most);
      for (const message of read) if (message.kind !== 'SYNCED') expect(message).toEqual(reference!.take());
      return read;
    };
    const both = () => {
      const a = fastView.readReady(fast);
      const b = moverReads();
      return [a, b] as const;
    };
    fastView.readReady(fast);
    moverView.readReady(mover);
    fastView.expectEquals(d.projection.cells.values());
    moverView.expectEquals(d.projection.cells.values());

    // 1. Both keep up: the same runs of the log, the very same message objects.
    let shared = 0;
    for (let round = 0; round < 20; round++) {
      publish(1 + (round % 3));
      const [a, b] = both();
      expect(mover.sharing).toBe(true);
      expect(b).toHaveLength(a.length);
      b.forEach((message, i) => {
        expect(message).toBe(a[i]);
      });
      shared += a.length;
    }
    expect(shared).toBeGreaterThan(10);

    // 2. The mover takes one change of a run, then stops reading: once it is more than half the log behind,
    //    it reads a private queue (holding the rest of that run first).
    publish(6);
    fastView.readReady(fast);
    moverReads(1);
    let rounds = 0;
    while (mover.sharing) {
      publish(1);
      fastView.readReady(fast);
      expect(++rounds).toBeLessThan(200);
    }
    expect(hub.stats()).toMatchObject({ cellSubscriptions: 2, privateQueues: 1 });
    // Its queue holds one change per cell at most, the latest state.
    expect(mover.queueSize).toBeLessThanOrEqual(d.projection.cellCount);

    // 3. Private, under publishing, reading slower than the stream: still right message by message.
    for (let round = 0; round < 10; round++) {
      publish(3);
      fastView.readReady(fast);
      moverReads(1);
      expect(mover.sharing).toBe(false);
    }
    expect(mover.coalesced).toBeGreaterThan(0);

    // 4. It drains its queue: current again, back on the shared log; then the same objects as the fast member.
    moverReads();
    expect(reference!.size).toBe(0);
    expect(mover.sharing).toBe(true);
    moverView.expectEquals(d.projection.cells.values());
    expect(hub.stats()).toMatchObject({ privateQueues: 0 });
    for (let round = 0; round < 10; round++) {
      publish(1 + (round % 2));
      const [a, b] = both();
      expect(mover.sharing).toBe(true);
      b.forEach((message, i) => {
        expect(message).toBe(a[i]);
      });
    }
    fastView.expectEquals(d.projection.cells.values());
    moverView.expectEquals(d.projection.cells.values());
    hub.shutdown();
  });

  it('folds a run the way a coalescing queue does, and shares the folded messages within the group', () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 });
    const all = compileCellFilter({});
    const recordAt = new Map<number, CellRecord>();
    const a = hub.subscribeCells(all, { snapshot: false, group: 'all' });
    const b = hub.subscribeCells(all, { snapshot: false, group: 'all' });
    // Another key with an equal predicate: a log of its own, but the same shared objects for an identical run.
    const other = hub.subscribeCells(all, { snapshot: false, group: 'all, again' });
    const views = [a, b, other].map(() => new CheckedView(all, recordAt));
    [a, b, other].forEach((feed, i) => {
      expect(views[i]!.readReady(feed)).toEqual([{ kind: 'SYNCED', seq: 0 }]);
    });
    const source = simulateEvents({ seed: 3, concurrentCells: 4, duplicateRate: 0 })[Symbol.iterator]();
    for (let round = 0; round < 15; round++) {
      for (let i = 0; i < 8; i++) {
        const deltas = cellDeltas(d, [source.next().value!.event as Envelope]);
        for (const delta of deltas) recordAt.set(delta.seq, delta.after);
        hub.publish(deltas);
      }
      const [ra, rb, ro] = [a, b, other].map((feed, i) => views[i]!.readReady(feed));
      expect(rb).toEqual(ra);
      rb!.forEach((message, i) => {
        expect(message).toBe(ra![i]);
        expect(ro![i]).toBe(message);
      });
    }
    expect(a.coalesced).toBeGreaterThan(0);
    expect(a.coalesced).toBe(b.coalesced);
    for (const view of views) view.expectEquals(d.projection.cells.values());
    expect(hub.stats()).toMatchObject({ cellSubscriptions: 3, groups: 2, privateQueues: 0 });
    hub.shutdown();
  });

  it('moves a pending REMOVED on to a later change of the cell that matches nobody, as a queue does', () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 });
    const running = compileCellFilter({ states: ['running'] });
    const feed = hub.subscribeCells(running, { snapshot: false });
    const reference = new CoalescingQueue(running);
    const publish = (events: Envelope[]) => {
      const deltas = cellDeltas(d, events);
      for (const delta of deltas) reference.offer(delta);
      hub.publish(deltas);
    };
    const read = () => {
      const out: CellFeedMessage[] = [];
      for (let step = feed.takeReady(); step && !step.done; step = feed.takeReady()) out.push(step.value);
      return out.filter((m) => m.kind !== 'SYNCED');
    };
    read();
    publish([started({ cellId: 'a', specId: 's' }), started({ cellId: 'b', specId: 's' })]);
    for (const message of read()) expect(message).toEqual(reference.take());
    publish([
      destroyed({ cellId: 'a', outcome: 'succeeded' }),
      other('cell.observability.v1.metrics', { cellId: 'b' }),
      other('cell.export.v1.completed', { cellId: 'a' }),
    ]);
    const messages = read();
    expect(messages.map((m) => [m.kind, 'cell' in m ? m.cell.id : null, 'seq' in m ? m.seq : null])).toEqual([
      ['UPDATED', 'b', 4],
      ['REMOVED', 'a', 5],
    ]);
    for (const message of messages) expect(message).toEqual(reference.take());
    hub.shutdown();
  });

  it('gives a batched member that asks late the same batch as the others: it folds the log only up to the cut', async () => {
    const { BatchCache, BatchFeed } = await import('../../src/live/batchFeed.js');
    const { drain } = await import('./fixtures.js');
    const d = new Driver();
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10, batchWindowMs: 1 });
    const cache = new BatchCache();
    const all = compileCellFilter({});
    const early = new BatchFeed(hub.subscribeCells(all, { snapshot: false, group: 'all' }), 100, cache, hub);
    const late = new BatchFeed(hub.subscribeCells(all, { snapshot: false, group: 'all' }), 100, cache, hub);
    for (const feed of [early, late]) await drain(feed, 1); // SYNCED
    hub.publish(cellDeltas(d, [started({ cellId: 'x', specId: 's' })]));
    const [first] = await drain(early, 1);
    // More changes arrive (x again) before the late member asks: it still gets the batch the early one got.
    hub.publish(
      cellDeltas(d, [started({ cellId: 'y', specId: 's' }), other('cell.policy.v1.evaluated', { cellId: 'x' })]),
    );
    const [lateFirst] = await drain(late, 1);
    expect(lateFirst).toBe(first);
    expect((first as unknown as { changes: { seq: number }[] }).changes.map((c) => c.seq)).toEqual([1]);
    const [second, lateSecond] = [...(await drain(early, 1)), ...(await drain(late, 1))];
    expect(lateSecond).toBe(second);
    expect((second as unknown as { changes: { seq: number }[] }).changes.map((c) => c.seq)).toEqual([2, 3]);
    hub.shutdown();
  });
});
