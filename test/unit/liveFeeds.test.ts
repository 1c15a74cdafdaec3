import { describe, expect, it } from 'vitest';
import { CoalescingQueue, changeKind } from '../../src/live/changes.js';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import { cellDeltas, completed, Driver, destroyed, drain, other, started } from './fixtures.js';

describe('changeKind', () => {
  it('is relative to what the subscriber holds', () => {
    expect(changeKind(false, true)).toBe('ADDED');
    expect(changeKind(true, true)).toBe('UPDATED');
    expect(changeKind(true, false)).toBe('REMOVED');
    expect(changeKind(false, false)).toBeNull();
  });
});

describe('CoalescingQueue', () => {
  const running = compileCellFilter({ states: ['running'] });

  it('holds one pending change per cell, with the latest record and the union of changed fields', () => {
    const d = new Driver();
    const queue = new CoalescingQueue(() => true);
    for (const delta of cellDeltas(d, [
      started({ cellId: 'a', specId: 's' }),
      completed({ cellId: 'a', exitCode: 7 }),
      other('cell.observability.v1.metrics', { cellId: 'a' }),
    ])) {
      queue.offer(delta);
    }
    expect(queue.size).toBe(1);
    expect(queue.coalesced).toBe(2);
    const change = queue.take()!;
    expect(change.kind).toBe('ADDED');
    expect(change.seq).toBe(3);
    expect(change.cell).toBe(d.cell('a'));
    expect(change.changed).toEqual(expect.arrayContaining(['state', 'startedAt', 'exitCode', 'eventCount', 'lastSeq']));
    expect(queue.take()).toBeUndefined();
  });

  it('moves a coalesced cell to the back so delivered seqs keep increasing', () => {
    const d = new Driver();
    const queue = new CoalescingQueue(() => true);
    for (const delta of cellDeltas(d, [
      started({ cellId: 'a', specId: 's' }),
      started({ cellId: 'b', specId: 's' }),
      completed({ cellId: 'a', exitCode: 0 }),
    ])) {
      queue.offer(delta);
    }
    const seqs = [queue.take()!, queue.take()!].map((c) => [c.cell.id, c.seq]);
    expect(seqs).toEqual([
      ['b', 2],
      ['a', 3],
    ]);
  });

  it('drops a cell that was added and removed before the subscriber read either', () => {
    const d = new Driver();
    const queue = new CoalescingQueue(running);
    for (const delta of cellDeltas(d, [
      started({ cellId: 'a', specId: 's' }),
      destroyed({ cellId: 'a', outcome: 'succeeded' }),
    ])) {
      queue.offer(delta);
    }
    expect(queue.size).toBe(0);
  });

  it('reports REMOVED for a cell the subscriber held that stopped matching, even after several changes', () => {
    const d = new Driver();
    const queue = new CoalescingQueue(running);
    const [add, ...rest] = cellDeltas(d, [
      started({ cellId: 'a', specId: 's' }),
      completed({ cellId: 'a', exitCode: 1 }),
      destroyed({ cellId: 'a', outcome: 'failed' }),
    ]);
    queue.offer(add!);
    expect(queue.take()!.kind).toBe('ADDED');
    for (const delta of rest) queue.offer(delta);
    const change = queue.take()!;
    expect(change.kind).toBe('REMOVED');
    expect(change.cell.state).toBe('destroyed');
    expect(change.seq).toBe(3);
  });

  it('ignores changes to cells the subscriber never held and that do not match', () => {
    const d = new Driver();
    const queue = new CoalescingQueue(running);
    for (const delta of cellDeltas(d, [
      completed({ cellId: 'a', exitCode: 0 }),
      other('cell.observability.v1.metrics', { cellId: 'a' }),
    ])) {
      expect(queue.offer(delta)).toBe(false);
    }
    expect(queue.size).toBe(0);
  });
});

describe('LiveHub cell feeds', () => {
  const options = { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 };

  it('snapshot: matching cells in lastSeq order, SYNCED at the cursor, then live changes after it', async () => {
    const d = new Driver();
    cellDeltas(d, [
      started({ cellId: 'a', specId: 's' }),
      started({ cellId: 'b', specId: 's' }),
      completed({ cellId: 'a', exitCode: 0 }),
      started({ cellId: 'c', specId: 'x' }),
    ]);
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(compileCellFilter({ specId: 's' }), { snapshot: true });
    const first = await drain(feed, 3);
    expect(first.map((m) => [m.kind, 'cell' in m ? m.cell.id : null, 'seq' in m ? m.seq : null])).toEqual([
      ['ADDED', 'b', 2],
      ['ADDED', 'a', 3],
      ['SYNCED', null, 4],
    ]);
    hub.publish(cellDeltas(d, [destroyed({ cellId: 'b', outcome: 'succeeded' })]));
    const [live] = await drain(feed, 1);
    expect(live).toMatchObject({ kind: 'UPDATED', seq: 5 });
    hub.shutdown();
  });

  it('after: only cells changed since, REMOVED for those that stopped matching', async () => {
    const d = new Driver();
    cellDeltas(d, [started({ cellId: 'a', specId: 's' }), started({ cellId: 'b', specId: 's' })]);
    const since = d.projection.cursor;
    cellDeltas(d, [destroyed({ cellId: 'a', outcome: 'succeeded' }), started({ cellId: 'c', specId: 's' })]);
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(compileCellFilter({ states: ['running'] }), { after: since, snapshot: false });
    const messages = await drain(feed, 3);
    expect(messages.map((m) => [m.kind, 'cell' in m ? m.cell.id : null])).toEqual([
      ['REMOVED', 'a'],
      ['ADDED', 'c'],
      ['SYNCED', null],
    ]);
    hub.shutdown();
  });

  it('a waiting next() is released by return(), and the hub forgets the feed', async () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(() => true, { snapshot: false });
    await drain(feed, 1); // SYNCED
    const pending = feed.next();
    expect(hub.stats().cellSubscriptions).toBe(1);
    await feed.return();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(hub.stats().cellSubscriptions).toBe(0);
  });

  it('answers several pending next() calls in order', async () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(() => true, { snapshot: false });
    await drain(feed, 1);
    const asks = [feed.next(), feed.next()];
    hub.publish(cellDeltas(d, [started({ cellId: 'a', specId: 's' })]));
    hub.publish(cellDeltas(d, [started({ cellId: 'b', specId: 's' })]));
    const answers = await Promise.all(asks);
    expect(answers.map((a) => (a.value && 'cell' in a.value ? a.value.cell.id : null))).toEqual(['a', 'b']);
    hub.shutdown();
  });

  it('shutdown ends each feed with SHUTDOWN carrying its last delivered seq', async () => {
    const d = new Driver();
    cellDeltas(d, [started({ cellId: 'a', specId: 's' })]);
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(() => true, { snapshot: true });
    await drain(feed, 2);
    hub.publish(cellDeltas(d, [completed({ cellId: 'a', exitCode: 1 })]));
    hub.shutdown();
    const rest = await drain(feed, 5);
    expect(rest).toEqual([{ kind: 'SHUTDOWN', seq: 1 }]);
  });

  it('bookmarks only an idle, synced feed, with the current cursor', async () => {
    const d = new Driver();
    cellDeltas(d, [started({ cellId: 'a', specId: 's' }), other('cell.observability.v1.metrics', { cellId: 'a' })]);
    const hub = new LiveHub(d.projection, options);
    const feed = hub.subscribeCells(compileCellFilter({ specId: 'nope' }), { snapshot: true });
    feed.bookmark({ kind: 'BOOKMARK', seq: 2 });
    const [synced] = await drain(feed, 1);
    expect(synced).toEqual({ kind: 'SYNCED', seq: 2 });
    cellDeltas(d, [other('cell.observability.v1.metrics', { cellId: 'a' })]);
    feed.bookmark({ kind: 'BOOKMARK', seq: d.projection.cursor });
    expect(await drain(feed, 1)).toEqual([{ kind: 'BOOKMARK', seq: 3 }]);
    hub.shutdown();
  });
});
