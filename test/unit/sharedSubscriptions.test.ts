import { type ExecutionResult, parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import type { CellDelta } from '../../src/projection/records.js';
import { useSharedSubscriptions } from '../../src/server/plugins/sharedSubscriptions.js';
import { cellDeltas, completed, Driver, destroyed, drain, other, started } from './fixtures.js';

describe('LiveHub shared messages', () => {
  const options = { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 };

  it('hands the same message object to subscribers that keep up, and a slow one its own coalesced change', async () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const all = compileCellFilter({});
    const fastA = hub.subscribeCells(all, { snapshot: false });
    const fastB = hub.subscribeCells(all, { snapshot: false });
    const slow = hub.subscribeCells(all, { snapshot: false });
    const running = hub.subscribeCells(compileCellFilter({ states: ['running'] }), { snapshot: false });
    for (const feed of [fastA, fastB, slow, running]) await drain(feed, 1); // SYNCED

    const steps = [
      started({ cellId: 'a', specId: 's' }),
      other('cell.observability.v1.metrics', { cellId: 'a' }),
      completed({ cellId: 'a', exitCode: 3 }),
      destroyed({ cellId: 'a', outcome: 'succeeded' }),
    ];
    const seen: { a: unknown[]; b: unknown[]; running: unknown[] } = { a: [], b: [], running: [] };
    const changes: CellDelta[] = [];
    for (const event of steps) {
      const deltas = cellDeltas(d, [event]);
      changes.push(...deltas);
      hub.publish(deltas);
      seen.a.push(...(await drain(fastA, 1)));
      seen.b.push(...(await drain(fastB, 1)));
      if (!running.idle) seen.running.push(...(await drain(running, 1)));
    }
    // Fast subscribers: every change, the very same objects, each exactly its delta.
    expect(seen.a).toHaveLength(4);
    seen.a.forEach((message, i) => {
      expect(message).toBe(seen.b[i]);
      expect(Object.isFrozen(message)).toBe(true);
      expect(message).toMatchObject({ seq: changes[i]!.seq, cell: changes[i]!.after, changed: changes[i]!.changed });
    });
    expect(seen.a.map((m) => (m as { kind: string }).kind)).toEqual(['ADDED', 'UPDATED', 'UPDATED', 'UPDATED']);
    // Another filter: its own kinds (REMOVED where the others see UPDATED), never the others' messages for those.
    expect(seen.running.map((m) => (m as { kind: string; seq: number }).kind)).toEqual([
      'ADDED',
      'UPDATED',
      'UPDATED',
      'REMOVED',
    ]);
    expect(seen.running[3]).not.toBe(seen.a[3]);
    expect(seen.running[0]).toBe(seen.a[0]);

    // The slow subscriber read nothing meanwhile: one coalesced change, the latest state, the union of fields.
    const [late] = await drain(slow, 1);
    expect(late).toMatchObject({ kind: 'ADDED', seq: changes[3]!.seq, cell: changes[3]!.after });
    expect(seen.a).not.toContain(late);
    expect((late as unknown as { changed: string[] }).changed).toEqual(
      expect.arrayContaining(['state', 'exitCode', 'destroyedAt']),
    );
    // Coalescing for the slow one wrote nothing into the shared messages.
    seen.a.forEach((message, i) => {
      expect((message as { changed: unknown }).changed).toBe(changes[i]!.changed);
    });
    expect(slow.idle).toBe(true);
    hub.shutdown();
  });
});

/** A source the test pushes into, like a hub feed. */
class Channel<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  closed = false;
  push(value: T): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ done: false, value });
    } else this.queue.push(value);
  }
  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ done: false, value: this.queue.shift()! });
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => (this.waiting = resolve));
  }
  return(): Promise<IteratorResult<T>> {
    this.closed = true;
    this.waiting?.({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

describe.each([true, false])('useSharedSubscriptions (jit %s)', (jit) => {
  function setup() {
    const channels: Channel<{ n: number }>[] = [];
    let executions = 0;
    const yoga = createYoga({
      logging: false,
      maskedErrors: false,
      schema: createSchema({
        typeDefs: /* GraphQL */ `
          type Query { ok: Boolean }
          type Tick { label: String!, n: Int! }
          type Subscription { tick(prefix: String!): Tick! }
        `,
        resolvers: {
          Subscription: {
            tick: {
              subscribe: () => {
                const channel = new Channel<{ n: number }>();
                channels.push(channel);
                return channel;
              },
              resolve: (payload: { n: number }, args: { prefix: string }) => {
                executions += 1;
                if (payload.n < 0) throw new Error('boom');
                return { label: `${args.prefix}${payload.n}`, n: payload.n };
              },
            },
          },
        },
      }),
      plugins: [useSharedSubscriptions({ jit })],
    });
    const document = parse('subscription T($p: String!) { tick(prefix: $p) { label n } }');
    const open = async (prefix: string) => {
      const { subscribe, schema, contextFactory } = yoga.getEnveloped({});
      const result = await subscribe({
        schema,
        document,
        variableValues: { p: prefix },
        contextValue: await contextFactory(),
      });
      return result as AsyncIterableIterator<ExecutionResult>;
    };
    return { channels, open, executions: () => executions };
  }

  it('executes a shared message once per group of identical subscriptions, each group with its own variables', async () => {
    const { channels, open, executions } = setup();
    const streams = [await open('a'), await open('a'), await open('a'), await open('b')];
    const shared = { n: 1 };
    for (const channel of channels) channel.push(shared);
    const results = await Promise.all(streams.map((s) => s.next()));
    expect(results.map((r) => (r.value as ExecutionResult<{ tick: { label: string } }>).data!.tick.label)).toEqual([
      'a1',
      'a1',
      'a1',
      'b1',
    ]);
    expect(executions()).toBe(2);
    expect(results[0]!.value).toBe(results[1]!.value);
    expect(results[0]!.value).not.toBe(results[3]!.value);

    // A subscriber's own message (a coalesced change, a marker) is executed for it alone.
    channels[0]!.push({ n: 2 });
    channels[1]!.push({ n: 3 });
    const own = await Promise.all([streams[0]!.next(), streams[1]!.next()]);
    expect(own.map((r) => (r.value as ExecutionResult<{ tick: { label: string } }>).data!.tick.label)).toEqual([
      'a2',
      'a3',
    ]);
    expect(executions()).toBe(4);

    // Errors come from graphql-js, with locations and path.
    channels[2]!.push({ n: -1 });
    const failed = (await streams[2]!.next()).value as ExecutionResult;
    expect(failed.errors?.[0]).toMatchObject({ message: 'boom', path: ['tick'], locations: [{ line: 1, column: 31 }] });

    // return() reaches the source at once, even with a next() waiting.
    const waiting = streams[3]!.next();
    await streams[3]!.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(channels[3]!.closed).toBe(true);
  });
});

describe('BatchFeed', () => {
  const options = { bookmarkIntervalMs: 60_000, eventQueueLimit: 10, batchWindowMs: 1 };

  it('gives subscribers that keep up the same batch object (coalesced changes included), and ends with SHUTDOWN in the last batch', async () => {
    const { BatchCache, BatchFeed } = await import('../../src/live/batchFeed.js');
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const cache = new BatchCache();
    const all = compileCellFilter({});
    const a = new BatchFeed(hub.subscribeCells(all, { snapshot: false }), 100, cache, hub);
    const b = new BatchFeed(hub.subscribeCells(all, { snapshot: false }), 100, cache, hub);
    const small = new BatchFeed(hub.subscribeCells(all, { snapshot: false }), 2, cache, hub);
    for (const feed of [a, b, small]) await drain(feed, 1); // SYNCED, each its own
    hub.publish(
      cellDeltas(d, [
        started({ cellId: 'x', specId: 's' }),
        started({ cellId: 'y', specId: 's' }),
        completed({ cellId: 'x', exitCode: 1 }),
      ]),
    );
    const [batchA] = await drain(a, 1);
    const [batchB] = await drain(b, 1);
    expect(batchA).toBe(batchB);
    expect(batchA).toMatchObject({ kind: 'BATCH', seq: 3 });
    expect((batchA as unknown as { changes: { seq: number }[] }).changes.map((c) => c.seq)).toEqual([2, 3]); // x coalesced: y(2), x(3)
    const [firstLag] = await drain(small, 1);
    expect((firstLag as unknown as { changes: unknown[] }).changes).toHaveLength(2);
    expect(firstLag).toBe(batchA); // same messages, same order: shared even with a smaller maxBatch
    hub.shutdown();
    const [last] = await drain(a, 1);
    expect((last as unknown as { changes: { kind: string; seq: number }[] }).changes).toEqual([
      { kind: 'SHUTDOWN', seq: 3 },
    ]);
    expect(await a.next()).toEqual({ done: true, value: undefined });
  });

  it('delivers a terminal error on its own, after the batch before it', async () => {
    const { BatchCache, BatchFeed } = await import('../../src/live/batchFeed.js');
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const feed = new BatchFeed(
      hub.subscribeCells(() => true, { snapshot: false }),
      100,
      new BatchCache(),
      hub,
    );
    await drain(feed, 1);
    hub.publish(cellDeltas(d, [started({ cellId: 'x', specId: 's' })]));
    const [batch] = await drain(feed, 1);
    expect((batch as unknown as { changes: unknown[] }).changes).toHaveLength(1);
    hub.failAll({ code: 'STREAM_RESET', reason: 'stream was purged' });
    const [error] = await drain(feed, 1);
    expect(error).toMatchObject({ kind: 'ERROR' });
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });
});
