import { type ExecutionResult, parse } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { BatchCache, BatchFeed } from '../../src/live/batchFeed.js';
import { isArgumentFree, markArgumentFree } from '../../src/live/bookmarks.js';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import { shapeKey } from '../../src/server/documentShape.js';
import { useSharedSubscriptions } from '../../src/server/plugins/sharedSubscriptions.js';
import { waitUntil } from '../support/cellgraph.js';
import { cellDeltas, Driver, drain, other, started } from './fixtures.js';

/** Short rounds, so a test waits little; nothing here asserts on time. */
const options = { bookmarkIntervalMs: 100, eventQueueLimit: 10, batchWindowMs: 1 };

describe('bookmark rounds', () => {
  it('when the cursor moves, every idle feed behind it gets the same bookmark object; a feed the change reached gets none', async () => {
    const d = new Driver();
    cellDeltas(d, [started({ cellId: 'a', specId: 's' })]);
    const hub = new LiveHub(d.projection, options);
    const idle = [1, 2, 3].map((i) =>
      hub.subscribeCells(compileCellFilter({ specId: `idle-${i}` }), { snapshot: true }),
    );
    const watching = hub.subscribeCells(compileCellFilter({ specId: 's' }), { snapshot: true });
    for (const feed of idle) expect(await drain(feed, 1)).toEqual([{ kind: 'SYNCED', seq: 1 }]);
    await drain(watching, 2); // a, SYNCED
    const pending = [...idle, watching].map((feed) => feed.next());
    // One change for `watching`, then an event that concerns no cell view: the cursor moves past both.
    hub.publish(cellDeltas(d, [started({ cellId: 'b', specId: 's' })]));
    hub.publish(cellDeltas(d, [started({ cellId: 'z', specId: 'elsewhere' })]));
    const got = await Promise.all(pending);
    const bookmarks = got.slice(0, 3).map((r) => r.value);
    for (const bookmark of bookmarks) {
      expect(bookmark).toEqual({ kind: 'BOOKMARK', seq: d.projection.cursor });
      expect(bookmark).toBe(bookmarks[0]);
      expect(Object.isFrozen(bookmark)).toBe(true);
      expect(isArgumentFree(bookmark as object)).toBe(true);
    }
    expect(got[3]!.value).toMatchObject({ kind: 'ADDED', seq: 2 });
    // The change reached `watching` before the round, which then brought it to the cursor as well.
    expect(await drain(watching, 1)).toEqual([{ kind: 'BOOKMARK', seq: 3 }]);
    expect(hub.stats().bookmarksSent).toBe(4);
    hub.shutdown();
  });

  it('skips a feed with changes pending and bookmarks it in a later round, once it has read them', async () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const busy = hub.subscribeCells(compileCellFilter({ specId: 's' }), { snapshot: false });
    await drain(busy, 1); // SYNCED
    // Nobody reads: the change stays pending through the first round.
    hub.publish(cellDeltas(d, [started({ cellId: 'a', specId: 's' })]));
    hub.publish(cellDeltas(d, [other('cell.observability.v1.metrics', { cellId: 'a' })]));
    hub.publish(cellDeltas(d, [other('cell.observability.v1.metrics', { cellId: 'z' })]));
    await waitUntil(() => hub.stats().bookmarkRounds >= 1, 'a round');
    expect(hub.stats().bookmarksSent).toBe(0);
    const messages = await drain(busy, 2);
    expect(messages).toEqual([
      expect.objectContaining({ kind: 'ADDED', seq: 2 }),
      { kind: 'BOOKMARK', seq: d.projection.cursor },
    ]);
    hub.shutdown();
  });

  it('bookmarks a batched subscriber with a batch shared by every filter', async () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, options);
    const cache = new BatchCache();
    const feeds = ['x', 'y'].map(
      (spec) =>
        new BatchFeed(hub.subscribeCells(compileCellFilter({ specId: spec }), { snapshot: false }), 10, cache, hub),
    );
    for (const feed of feeds) await drain(feed, 1); // SYNCED
    hub.publish(cellDeltas(d, [started({ cellId: 'a', specId: 's' })]));
    const [first, second] = (await Promise.all(feeds.map((feed) => drain(feed, 1)))).flat();
    expect(first).toEqual({ kind: 'BATCH', seq: 1, changes: [{ kind: 'BOOKMARK', seq: 1 }] });
    expect(first).toBe(second);
    expect(isArgumentFree(first as object)).toBe(true);
    hub.shutdown();
  });

  it('never hands over a bookmark older than what the feed delivered', async () => {
    const d = new Driver();
    cellDeltas(d, [started({ cellId: 'a', specId: 's' }), started({ cellId: 'b', specId: 's' })]);
    const hub = new LiveHub(d.projection, { ...options, bookmarkIntervalMs: 60_000 });
    const feed = hub.subscribeCells(compileCellFilter({ specId: 's' }), { snapshot: true });
    await drain(feed, 3); // a, b, SYNCED at 2
    feed.bookmark({ kind: 'BOOKMARK', seq: 1 });
    feed.bookmark({ kind: 'BOOKMARK', seq: 2 });
    expect(feed.takeReady()).toBeUndefined();
    hub.shutdown();
  });
});

describe('shapeKey', () => {
  const key = (query: string, variables: Record<string, unknown> = {}, name?: string) =>
    shapeKey(parse(query), name, variables);

  it('leaves out the root field arguments, and nothing else', () => {
    const a = key('subscription A($f: CellFilter) { cells(filter: $f) { kind seq } }', { f: { specId: 'a' } });
    expect(key('subscription B($f: CellFilter) { cells(filter: $f) { kind seq } }', { f: { specId: 'b' } })).toBe(a);
    expect(key('subscription { cells(filter: { specId: "c" }, after: 3) { kind seq } }')).toBe(a);
    expect(key('subscription { cells { seq kind } }')).not.toBe(a);
    expect(key('subscription { cells { kind at: seq } }')).not.toBe(a);
    expect(key('subscription { cellBatches { kind seq } }')).not.toBe(a);
  });

  it('keeps the values of variables the selection still uses (absent is not null)', () => {
    const q =
      'subscription S($f: CellFilter, $c: Boolean = true) { cells(filter: $f) { kind cell @include(if: $c) { id } } }';
    const on = key(q, { f: { specId: 'a' }, c: true });
    expect(key(q, { f: { specId: 'b' }, c: true })).toBe(on);
    expect(key(q, { c: false })).not.toBe(on);
    expect(key(q, {})).not.toBe(key(q, { c: null }));
  });

  it('is null when the root is not one plain field', () => {
    expect(key('subscription { ... on Subscription { cells { kind } } }')).toBeNull();
    expect(key('subscription A { cells { kind } } subscription B { events { kind } }')).toBeNull();
    expect(key('subscription A { cells { kind } } subscription B { events { kind } }', {}, 'B')).not.toBeNull();
  });
});

/** A source the test pushes into, like a hub feed. */
class Channel implements AsyncIterableIterator<object> {
  private readonly queue: object[] = [];
  private waiting: ((r: IteratorResult<object>) => void) | undefined;
  push(value: object): void {
    const resolve = this.waiting;
    this.waiting = undefined;
    if (resolve) resolve({ done: false, value });
    else this.queue.push(value);
  }
  next(): Promise<IteratorResult<object>> {
    if (this.queue.length) return Promise.resolve({ done: false, value: this.queue.shift()! });
    return new Promise((resolve) => (this.waiting = resolve));
  }
  return(): Promise<IteratorResult<object>> {
    this.waiting?.({ done: true, value: undefined });
    return Promise.resolve({ done: true, value: undefined });
  }
  [Symbol.asyncIterator](): this {
    return this;
  }
}

describe.each([true, false])('useSharedSubscriptions, argument-free messages (jit %s)', (jit) => {
  it('executes an argument-free message once per shape, whatever the arguments', async () => {
    const pushes: ((value: object) => void)[] = [];
    let executions = 0;
    const yoga = createYoga({
      logging: false,
      schema: createSchema({
        typeDefs: /* GraphQL */ `
          type Query { ok: Boolean }
          type Tick { n: Int!, label: String }
          type Subscription { tick(prefix: String!): Tick! }
        `,
        resolvers: {
          Subscription: {
            tick: {
              subscribe: () => {
                const channel = new Channel();
                pushes.push((value) => channel.push(value));
                return channel;
              },
              resolve: (payload: { n: number }) => {
                executions += 1;
                return { n: payload.n, label: null };
              },
            },
          },
        },
      }),
      plugins: [useSharedSubscriptions({ jit })],
    });
    const open = async (query: string, variableValues: Record<string, unknown>) => {
      const { subscribe, schema, contextFactory } = yoga.getEnveloped({});
      return (await subscribe({
        schema,
        document: parse(query),
        variableValues,
        contextValue: await contextFactory(),
      })) as AsyncIterableIterator<ExecutionResult>;
    };
    const byVariable = 'subscription T($p: String!) { tick(prefix: $p) { n } }';
    const streams = [
      await open(byVariable, { p: 'a' }),
      await open(byVariable, { p: 'b' }),
      await open('subscription { tick(prefix: "c") { n } }', {}),
      await open('subscription { tick(prefix: "d") { n label } }', {}),
    ];
    const bookmark = markArgumentFree({ n: 7 });
    for (const push of pushes) push(bookmark);
    const results = (await Promise.all(streams.map((s) => s.next()))).map((r) => r.value as ExecutionResult);
    expect(results.map((r) => r.data)).toEqual([
      { tick: { n: 7 } },
      { tick: { n: 7 } },
      { tick: { n: 7 } },
      { tick: { n: 7, label: null } },
    ]);
    expect(results[1]).toBe(results[0]);
    expect(results[2]).toBe(results[0]);
    expect(executions).toBe(2);
    // Any other message is still executed per group of identical document and variables.
    const change = { n: 8 };
    for (const push of pushes) push(change);
    await Promise.all(streams.map((s) => s.next()));
    expect(executions).toBe(6);
  });
});
