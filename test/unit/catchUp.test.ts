import { describe, expect, it } from 'vitest';
import { BatchCache, BatchFeed } from '../../src/live/batchFeed.js';
import { CatchUp } from '../../src/live/catchUp.js';
import { CatchUpPacer } from '../../src/live/catchUpPacer.js';
import { CellFeed, type CellFeedMessage } from '../../src/live/cellFeed.js';
import { DeltaMessages } from '../../src/live/changes.js';
import { GroupLog } from '../../src/live/groupLog.js';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import { cellDeltas, completed, Driver, drain, started } from './fixtures.js';

const options = { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 };
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves `step` ms each time it is read: every message "costs" that much. */
function steppingClock(step: number): () => number {
  let now = 0;
  return () => (now += step);
}

function projectionWith(cells: number): Driver {
  const d = new Driver();
  const events = [];
  for (let i = 0; i < cells; i++) events.push(started({ cellId: `c${i}`, specId: i % 3 === 0 ? 'x' : 's' }));
  for (let i = 0; i < cells; i += 4) events.push(completed({ cellId: `c${i}`, exitCode: 0 }));
  cellDeltas(d, events);
  return d;
}

/** What a snapshot of `matches` must be: the matching cells in lastSeq order, each as an ADDED message. */
function expectedSnapshot(d: Driver, matches: (cell: never) => boolean) {
  return [...d.projection.cells.values()]
    .filter((cell) => matches(cell as never))
    .sort((a, b) => a.lastSeq - b.lastSeq)
    .map((cell) => ['ADDED', cell.id, cell.lastSeq]);
}

const summary = (messages: CellFeedMessage[]) =>
  messages.map((m) => [m.kind, 'cell' in m ? m.cell.id : null, m.kind === 'ERROR' ? null : m.seq]);

describe('CatchUpPacer', () => {
  it('grants a slice of wall-clock time per turn, then resumes the waiting in order on the next turn', async () => {
    const pacer = new CatchUpPacer(3, steppingClock(1));
    const granted = [pacer.mayDeliver(), pacer.mayDeliver(), pacer.mayDeliver(), pacer.mayDeliver()];
    expect(granted).toEqual([true, true, true, false]);
    const order: string[] = [];
    pacer.resumeNextTurn(pacer.ticket(), () => order.push(`a:${pacer.mayDeliver()}`));
    pacer.resumeNextTurn(pacer.ticket(), () => order.push(`b:${pacer.mayDeliver()}`));
    expect(order).toEqual([]);
    await nextTurn();
    // A fresh budget for the new turn, shared by both.
    expect(order).toEqual(['a:true', 'b:true']);
    expect(pacer.pauses).toBe(2);
  });

  it('resumes a few waiting catch-ups per turn, the oldest subscriptions first', async () => {
    const pacer = new CatchUpPacer(3, steppingClock(1), 2);
    const tickets = [pacer.ticket(), pacer.ticket(), pacer.ticket(), pacer.ticket(), pacer.ticket()];
    const resumed: number[][] = [[]];
    for (const ticket of [tickets[3]!, tickets[1]!, tickets[4]!, tickets[0]!, tickets[2]!]) {
      pacer.resumeNextTurn(ticket, () => resumed.at(-1)!.push(ticket));
    }
    for (let turn = 0; turn < 3; turn++) {
      await nextTurn();
      resumed.push([]);
    }
    expect(resumed.slice(0, 3)).toEqual([[tickets[0], tickets[1]], [tickets[2], tickets[3]], [tickets[4]]]);
  });

  it('never stops anything when the slice is 0', () => {
    const pacer = new CatchUpPacer(0, steppingClock(1_000));
    for (let i = 0; i < 100; i++) expect(pacer.mayDeliver()).toBe(true);
  });
});

describe('paced catch-up', () => {
  const specS = compileCellFilter({ specId: 's' });

  it('a snapshot delivered over many turns is the same snapshot, SYNCED at its cursor, then live changes', async () => {
    const d = projectionWith(40);
    const pacer = new CatchUpPacer(3, steppingClock(1));
    const cursor = d.projection.cursor;
    const log = new GroupLog(specS, 4096);
    const feed = new CellFeed(
      specS,
      CatchUp.take(d.projection.cells.values(), specS, 'snapshot', 0, cursor),
      log,
      pacer,
    );
    const expected = expectedSnapshot(d, specS as never);
    const messages = await drain(feed, expected.length + 1);
    expect(summary(messages)).toEqual([...expected, ['SYNCED', null, cursor]]);
    // Three messages a turn at most: the catch-up waited for later turns many times.
    expect(pacer.pauses).toBeGreaterThanOrEqual(Math.floor(expected.length / 3) - 1);
    for (const delta of cellDeltas(d, [completed({ cellId: 'c1', exitCode: 3 })]))
      log.offer(delta, new DeltaMessages(delta));
    const [live] = await drain(feed, 1);
    expect(live).toMatchObject({ kind: 'UPDATED', seq: cursor + 1 });
    await feed.return();
  });

  it('a feed closed while it waits for its turn ends, and the next turn does not revive it', async () => {
    const d = projectionWith(10);
    const pacer = new CatchUpPacer(1, steppingClock(1));
    const log = new GroupLog(specS, 4096);
    const feed = new CellFeed(
      specS,
      CatchUp.take(d.projection.cells.values(), specS, 'snapshot', 0, d.projection.cursor),
      log,
      pacer,
    );
    await feed.next();
    const waiting = feed.next();
    await feed.return();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await nextTurn();
    expect(feed.done).toBe(true);
    expect(log.members).toBe(0);
  });

  it('cellBatches: a paced snapshot arrives in smaller batches with the same messages in the same order', async () => {
    const d = projectionWith(30);
    const hub = new LiveHub(d.projection, { ...options, catchUpSliceMs: 0 });
    const pacer = new CatchUpPacer(2, steppingClock(1));
    const log = new GroupLog(specS, 4096);
    const feed = new CellFeed(
      specS,
      CatchUp.take(d.projection.cells.values(), specS, 'snapshot', 0, d.projection.cursor),
      log,
      pacer,
    );
    const batches = new BatchFeed(feed, 500, new BatchCache(), hub);
    const received: CellFeedMessage[] = [];
    let frames = 0;
    while (!received.some((m) => m.kind === 'SYNCED')) {
      const step = await batches.next();
      if (step.done || step.value.kind !== 'BATCH') throw new Error('ended early');
      frames += 1;
      received.push(...step.value.changes);
    }
    expect(summary(received)).toEqual([...expectedSnapshot(d, specS as never), ['SYNCED', null, d.projection.cursor]]);
    expect(frames).toBeGreaterThan(1);
    await batches.return();
    hub.shutdown();
  });
});

describe('shared catch-ups', () => {
  it('subscribers of one group at one seq share the snapshot and its message objects; a later seq takes a new one', async () => {
    const d = projectionWith(12);
    const hub = new LiveHub(d.projection, { ...options, catchUpSliceMs: 5 });
    const specS = compileCellFilter({ specId: 's' });
    const a = hub.subscribeCells(specS, { snapshot: true, group: 's' });
    const b = hub.subscribeCells(specS, { snapshot: true, group: 's' });
    const other = hub.subscribeCells(compileCellFilter({ specId: 'x' }), { snapshot: true, group: 'x' });
    expect(hub.stats()).toMatchObject({ catchUpsTaken: 2, catchUpsShared: 1 });
    const expected = expectedSnapshot(d, specS as never);
    const [fromA, fromB] = [await drain(a, expected.length), await drain(b, expected.length)];
    expect(summary(fromA)).toEqual(expected);
    fromA.forEach((message, i) => {
      expect(fromB[i]).toBe(message);
    });
    expect((await drain(other, 1))[0]).not.toBe(fromA[0]);

    hub.publish(cellDeltas(d, [completed({ cellId: 'c2', exitCode: 1 })]));
    const later = hub.subscribeCells(specS, { snapshot: true, group: 's' });
    expect(hub.stats()).toMatchObject({ catchUpsTaken: 3, catchUpsShared: 1 });
    const fromLater = await drain(later, expected.length + 1);
    expect(summary(fromLater)).toEqual([...expectedSnapshot(d, specS as never), ['SYNCED', null, d.projection.cursor]]);
    hub.shutdown();
  });

  it('changes since `after` are shared only with the same `after`, and keep their REMOVED and UPDATED kinds', async () => {
    const d = projectionWith(8);
    const since = d.projection.cursor;
    cellDeltas(d, [completed({ cellId: 'c1', exitCode: 0 }), started({ cellId: 'new', specId: 's' })]);
    const hub = new LiveHub(d.projection, options);
    const running = compileCellFilter({ states: ['running'] });
    const a = hub.subscribeCells(running, { after: since, snapshot: false, group: 'r' });
    const b = hub.subscribeCells(running, { after: since, snapshot: false, group: 'r' });
    const older = hub.subscribeCells(running, { after: since - 1, snapshot: false, group: 'r' });
    expect(hub.stats()).toMatchObject({ catchUpsTaken: 2, catchUpsShared: 1 });
    const fromA = await drain(a, 3);
    expect(summary(fromA)).toEqual([
      ['UPDATED', 'c1', since + 1],
      ['ADDED', 'new', since + 2],
      ['SYNCED', null, since + 2],
    ]);
    const fromB = await drain(b, 2);
    expect(fromB[0]).toBe(fromA[0]);
    expect(fromB[1]).toBe(fromA[1]);
    expect((await drain(older, 1))[0]).toMatchObject({ kind: expect.any(String) });
    hub.shutdown();
  });

  it('a stream reset forgets the catch-ups taken before it', () => {
    const d = projectionWith(4);
    const hub = new LiveHub(d.projection, options);
    const all = compileCellFilter({});
    hub.subscribeCells(all, { snapshot: true, group: 'all' });
    hub.failAll({ code: 'STREAM_RESET', reason: 'test' });
    hub.subscribeCells(all, { snapshot: true, group: 'all' });
    expect(hub.stats()).toMatchObject({ catchUpsTaken: 2, catchUpsShared: 0 });
    hub.shutdown();
  });
});

describe("a group's next snapshot is built from its last one", () => {
  it('equals a fresh snapshot at every cursor while cells start, change, stop matching and come back', () => {
    const d = projectionWith(60);
    const hub = new LiveHub(d.projection, options);
    const specS = compileCellFilter({ specId: 's' });
    const fresh = () => CatchUp.take(d.projection.cells.values(), specS, 'snapshot', 0, d.projection.cursor);
    const ids = (c: CatchUp) => c.cells.map((cell) => [cell.id, cell.lastSeq]);
    const previous = hub.subscribeCells(specS, { snapshot: true, group: 's' });
    previous.return();
    for (let round = 0; round < 8; round++) {
      const events = [];
      for (let i = 0; i < 6; i++) {
        const n = (round * 7 + i * 11) % 70;
        // New cells (n >= 60), completions, and spec changes that move a cell out of (or into) the filter.
        if (i % 3 === 0) events.push(started({ cellId: `c${n}`, specId: (round + i) % 2 === 0 ? 's' : 'x' }));
        else events.push(completed({ cellId: `c${n}`, exitCode: i }));
      }
      hub.publish(cellDeltas(d, events));
      const feed = hub.subscribeCells(specS, { snapshot: true, group: 's' });
      const catchUp = (feed as unknown as { catchUp: CatchUp }).catchUp;
      expect(catchUp.syncedSeq).toBe(d.projection.cursor);
      expect(ids(catchUp)).toEqual(ids(fresh()));
      feed.return();
    }
    expect(hub.stats().snapshotsAdvanced).toBe(8);
    hub.shutdown();
  });

  it('a record unchanged between two snapshots is one message object in both', async () => {
    const d = projectionWith(10);
    const hub = new LiveHub(d.projection, options);
    const all = compileCellFilter({});
    const first = await drain(hub.subscribeCells(all, { snapshot: true, group: 'all' }), 10);
    hub.publish(cellDeltas(d, [completed({ cellId: 'c1', exitCode: 7 })]));
    const second = await drain(hub.subscribeCells(all, { snapshot: true, group: 'all' }), 10);
    const byId = (messages: CellFeedMessage[]) => new Map(messages.map((m) => ['cell' in m ? m.cell.id : '', m]));
    const [before, after] = [byId(first), byId(second)];
    for (const [id, message] of after) {
      if (id === 'c1') expect(message).not.toBe(before.get(id));
      else expect(message).toBe(before.get(id));
    }
    expect(summary(second)).toEqual(expectedSnapshot(d, all as never));
    hub.shutdown();
  });
});
