import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { freePort } from '../../src/source/natsServerProcess.js';
import {
  CellChangesDocument,
  type CellFilter,
  EventFeedDocument,
  type EventFeedSubscription,
  LiveStatsDocument,
} from '../generated/graphql.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { cellsOnOnePage } from '../support/cells.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { sseSubscribe } from '../support/sse.js';
import { CellView, pausableWsClient, subscribe, watchCells, wsClient } from '../support/subscriber.js';

/** Publishes the events in the background at `rate`/s; resolves with their seqs. */
function publishInBackground(url: string, events: Record<string, unknown>[], rate: number) {
  return publishAll(url, events, { rate, window: 64 });
}

// Each case has a stream of its own and publishes the history it needs, so any one of them can run alone.
const nats = useNats({ perTest: true });
const events = takeEvents(6000, { seed: 11, concurrentCells: 40 }).map((e) => e.event);

/** The first `count` generated events: the history a case expects before it starts. */
const publishHistory = (count: number) => publishAll(nats.url, events.slice(0, count));

describe('cells subscription', () => {
  it('without after starts with the cells that already match, then SYNCED; with after, only the changes since', async () => {
    await publishHistory(800);
    const app = await startTestCellgraph(nats.url);
    try {
      await app.source.whenReady();
      const filter: CellFilter = { state: 'RUNNING' };
      const { seq, cells } = await cellsOnOnePage(app, filter);
      expect(cells.length).toBeGreaterThan(0);
      const client = wsClient(app.url);
      // No `after`, no `include`: the view is complete at SYNCED, without a query first.
      const fresh = watchCells(client, { filter });
      await waitUntil(() => fresh.view.synced, 'snapshot synced');
      expect(fresh.view.sorted()).toEqual(cells);
      expect(fresh.view.messages.at(-1)).toMatchObject({ kind: 'SYNCED', seq });
      // With `after` at the projection's seq nothing changed since: SYNCED alone.
      const resumed = watchCells(client, { filter, after: seq });
      await waitUntil(() => resumed.view.synced, 'resume synced');
      expect(resumed.view.messages.map((m) => m.kind)).toEqual(['SYNCED']);
      // include: CHANGES without after keeps the old "from now" behaviour.
      const fromNow = watchCells(client, { filter, include: 'CHANGES' });
      await waitUntil(() => fromNow.view.synced, 'changes synced');
      expect(fromNow.view.messages.map((m) => m.kind)).toEqual(['SYNCED']);
      for (const watch of [fresh, resumed, fromNow]) expect(watch.view.errors).toEqual([]);
      await client.dispose();
    } finally {
      await app.stop();
    }
  });

  it('hands over gap-free from a query seq to a subscription, for several filters, while a publisher runs', async () => {
    await publishHistory(1500);
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    try {
      await app.source.whenReady();
      const publishing = publishInBackground(nats.url, events.slice(1500, 4500), 1500);
      const filters: (CellFilter | null)[] = [
        { states: ['PENDING', 'RUNNING'] },
        { state: 'RUNNING' },
        { states: ['DESTROYED'], outcome: 'FAILED' },
        { specId: 'pytest-shard' },
      ];
      const client = wsClient(app.url);
      const watchers: { filter: CellFilter | null; view: CellView }[] = [];
      for (const filter of filters) {
        // Let the publisher move between handovers, so each happens mid-stream.
        const before = app.projection.cursor;
        await waitUntil(() => app.projection.cursor > before + 100, 'publisher progress');
        const { seq, cells } = await cellsOnOnePage(app, filter);
        const view = new CellView();
        for (const cell of cells) view.cells.set(cell.id, cell);
        view.lastSeq = seq;
        subscribe(
          client,
          CellChangesDocument,
          { filter, after: seq },
          (data) => view.apply(data.cells),
          view.recordErrors,
        );
        watchers.push({ filter, view });
      }
      const seqs = await publishing;
      const last = Math.max(...seqs);
      await waitUntil(() => app.projection.cursor >= last, 'projection caught up');
      for (const { filter, view } of watchers) {
        const fresh = await cellsOnOnePage(app, filter);
        await waitUntil(
          () => view.lastSeq >= fresh.seq,
          `subscriber for ${JSON.stringify(filter)} reaching ${fresh.seq}`,
        );
        expect(view.sorted()).toEqual(fresh.cells);
        expect(view.errors).toEqual([]);
      }
      await client.dispose();
    } finally {
      await app.stop();
    }
  });

  it('resumes after a disconnect, on a second replica, to the same view as an uninterrupted client', async () => {
    await publishHistory(4500);
    const a = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    const b = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    try {
      await Promise.all([a.source.whenReady(), b.source.whenReady()]);
      const filter = { state: 'RUNNING' } as CellFilter;
      const steady = wsClient(a.url);
      const steadyWatch = watchCells(steady, { filter });

      const moving = new CellView();
      const first = wsClient(a.url);
      const firstSub = subscribe(first, CellChangesDocument, { filter }, (data) => moving.apply(data.cells));
      const publishing = publishInBackground(nats.url, events.slice(4500, 6000), 1000);
      await waitUntil(
        () => moving.synced && moving.lastSeq > a.projection.cursor - 50 && a.projection.cursor > 4700,
        'first client mid-stream',
      );
      firstSub.stop();
      await first.dispose();
      const resumeFrom = moving.lastSeq;
      // Events keep flowing while the client is away.
      await waitUntil(() => a.projection.cursor > resumeFrom + 200, 'events while disconnected');

      const second = wsClient(b.url);
      subscribe(second, CellChangesDocument, { filter, after: resumeFrom }, (data) => moving.apply(data.cells));
      const last = Math.max(...(await publishing));
      await waitUntil(() => a.projection.cursor >= last && b.projection.cursor >= last, 'both replicas caught up');
      const fresh = await cellsOnOnePage(b, filter);
      await waitUntil(
        () => moving.lastSeq >= last && steadyWatch.view.lastSeq >= last,
        'both subscribers at the last seq',
      );
      expect(moving.sorted()).toEqual(fresh.cells);
      expect(steadyWatch.view.sorted()).toEqual(fresh.cells);
      await Promise.all([steady.dispose(), second.dispose()]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('sends REMOVED to a RUNNING subscriber and ADDED to a DESTROYED one when a cell is destroyed; a duplicate sends nothing', async () => {
    const app = await startTestCellgraph(nats.url);
    try {
      await app.source.whenReady();
      const client = wsClient(app.url);
      const running = watchCells(client, { filter: { state: 'RUNNING' }, include: 'CHANGES' });
      const destroyed = watchCells(client, { filter: { state: 'DESTROYED' }, include: 'CHANGES' });
      await waitUntil(() => running.view.synced && destroyed.view.synced, 'both synced');
      const started = cloudEvent('cell.lifecycle.v1.started', { cellId: 'membership-1', specId: 'spec-m' });
      const [startSeq] = await publishAll(nats.url, [started, started]);
      await waitUntil(() => running.view.cells.has('membership-1'), 'ADDED to RUNNING');
      const destroy = cloudEvent('cell.lifecycle.v1.destroyed', {
        cellId: 'membership-1',
        outcome: 'succeeded',
        terminalState: 'clean',
      });
      const [destroySeq] = await publishAll(nats.url, [destroy]);
      await waitUntil(() => destroyed.view.cells.has('membership-1'), 'ADDED to DESTROYED');
      await waitUntil(() => !running.view.cells.has('membership-1'), 'REMOVED from RUNNING');

      const aboutCell = (view: CellView) =>
        view.messages.filter((m) => m.id === 'membership-1').map((m) => [m.kind, m.seq]);
      expect(aboutCell(running.view)).toEqual([
        ['ADDED', startSeq],
        ['REMOVED', destroySeq],
      ]);
      expect(aboutCell(destroyed.view)).toEqual([['ADDED', destroySeq]]);
      const removed = running.view.messages.find((m) => m.kind === 'REMOVED')!;
      expect(removed.changedFields).toEqual(expect.arrayContaining(['state', 'status', 'destroyedAt', 'outcome']));
      expect(removed.cell?.state).toBe('DESTROYED');
      await client.dispose();
    } finally {
      await app.stop();
    }
  });

  it('gives the same messages over SSE as over WebSocket', async () => {
    await publishHistory(events.length);
    const app = await startTestCellgraph(nats.url);
    try {
      await app.source.whenReady();
      const variables = { filter: { states: ['RUNNING', 'PENDING'] }, include: 'CHANGES', after: 1000 } as const;
      const overWs = new CellView();
      const overSse = new CellView();
      const client = wsClient(app.url);
      subscribe(client, CellChangesDocument, variables as never, (data) => overWs.apply(data.cells));
      const sse = sseSubscribe(app.url, CellChangesDocument, variables as never, (data) => overSse.apply(data.cells));
      expect(await sse.status).toBe(200);
      await waitUntil(() => overWs.synced && overSse.synced, 'both synced');
      const extra = [
        cloudEvent('cell.lifecycle.v1.started', { cellId: 'sse-1', specId: 's' }),
        cloudEvent('cell.command.v1.completed', { cellId: 'sse-1', exitCode: 3 }),
        cloudEvent('cell.lifecycle.v1.destroyed', { cellId: 'sse-1', outcome: 'failed' }),
      ];
      for (const event of extra) await publishAll(nats.url, [event]);
      await waitUntil(
        () => overWs.messages.length >= overWs.messages.findIndex((m) => m.kind === 'SYNCED') + 3,
        'ws live messages',
      );
      await waitUntil(() => overSse.messages.length === overWs.messages.length, 'sse live messages');
      expect(overSse.messages).toEqual(overWs.messages);
      sse.stop();
      await client.dispose();
    } finally {
      await app.stop();
    }
  });

  it('fails with CURSOR_AHEAD when after is beyond what the replica applied, after a bounded wait', async () => {
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_MIN_SEQ_WAIT_MS: '300' });
    try {
      await app.source.whenReady();
      const client = wsClient(app.url);
      const sub = subscribe(client, CellChangesDocument, { include: 'CHANGES', after: app.projection.cursor + 10_000 });
      await sub.done;
      expect(sub.results).toHaveLength(1);
      expect(sub.results[0]!.errors?.[0]?.extensions?.['code']).toBe('CURSOR_AHEAD');
      await client.dispose();
    } finally {
      await app.stop();
    }
  });
});

describe('events subscription', () => {
  it('reads history from after + 1, then live, with every seq once and in order', async () => {
    await publishHistory(events.length);
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    try {
      await app.source.whenReady();
      const start = app.projection.cursor - 2500;
      const seqs: number[] = [];
      const client = wsClient(app.url);
      subscribe(client, EventFeedDocument, { after: start }, (data: EventFeedSubscription) => {
        if (data.events.kind === 'EVENT') seqs.push(data.events.seq);
      });
      const live = await publishAll(
        nats.url,
        takeEvents(300, { seed: 99 }).map((e) => e.event),
      );
      const last = Math.max(...live);
      await waitUntil(() => seqs.at(-1) === last, 'feed reaching the last live event');
      expect(seqs).toEqual(Array.from({ length: last - start }, (_, i) => start + 1 + i));
      await client.dispose();
    } finally {
      await app.stop();
    }
  });

  it('ends a subscriber that falls behind with LAGGED carrying its last delivered seq', async () => {
    const app = await startTestCellgraph(nats.url, { CELLGRAPH_EVENT_QUEUE_LIMIT: '20' });
    try {
      await app.source.whenReady();
      const { client, socket } = pausableWsClient(app.url);
      const seqs: number[] = [];
      const sub = subscribe(client, EventFeedDocument, {}, (data) => {
        if (data.events.kind === 'EVENT') seqs.push(data.events.seq);
      });
      await waitUntil(() => app.hub.stats().eventSubscriptions === 1, 'subscription registered');
      socket().pause();
      await publishAll(
        nats.url,
        takeEvents(5000, { seed: 5 }).map((e) => e.event),
      );
      await waitUntil(() => app.hub.stats().lagged === 1, 'subscription ended as lagged');
      socket().resume();
      await sub.done;
      const last = sub.results.at(-1)!;
      expect(last.errors?.[0]?.extensions?.['code']).toBe('LAGGED');
      expect(last.errors?.[0]?.extensions?.['lastDeliveredSeq']).toBe(seqs.at(-1));
      await client.dispose();
    } finally {
      await app.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM completes each subscription with SHUTDOWN and its last delivered seq, and exits 0', async () => {
    await publishHistory(events.length);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      env: { ...process.env, CELLGRAPH_NATS_URL: nats.url, CELLGRAPH_PORT: String(port), CELLGRAPH_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200,
      'child ready',
      // tsx compiles the server on start: over 30 s when the machine's 2 cores are shared.
      90_000,
    ).catch((error) => {
      child.kill('SIGKILL');
      throw error;
    });
    const client = wsClient(url);
    const view = new CellView();
    const sub = subscribe(client, CellChangesDocument, {}, (data) => view.apply(data.cells));
    await waitUntil(() => view.synced, 'snapshot delivered');
    const lastBefore = view.lastSeq;
    child.kill('SIGTERM');
    await sub.done;
    expect(await exited).toBe(0);
    const final = view.messages.at(-1)!;
    expect(final.kind).toBe('SHUTDOWN');
    expect(final.seq).toBe(lastBefore);
    await client.dispose();
  }, 150_000);

  it('reports subscriptions and queues in Query.live', async () => {
    const app = await startTestCellgraph(nats.url);
    try {
      await app.source.whenReady();
      const client = wsClient(app.url);
      const watch = watchCells(client, { include: 'CHANGES' });
      await waitUntil(() => watch.view.synced, 'synced');
      const stats = await app.query(LiveStatsDocument);
      expect(stats.live.cellSubscriptions).toBe(1);
      watch.subscription.stop();
      await waitUntil(
        async () => (await app.query(LiveStatsDocument)).live.cellSubscriptions === 0,
        'subscription released on complete',
      );
      await client.dispose();
    } finally {
      await app.stop();
    }
  });
});
