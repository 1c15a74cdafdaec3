import { print } from 'graphql';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { takeEvents } from '../../src/simulator/generator.js';
import { CellChangesDocument, CellsPageDocument, OneCellDocument } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { wsUrl } from '../support/subscriber.js';

const CONNECTIONS = 1000;

const nats = useNats();

interface Probe {
  socket: WebSocket;
  synced: boolean;
  /** Messages about the probe cell: [kind, state]. */
  probe: [string, string | undefined][];
  errors: unknown[];
  closed: boolean;
}

/** A raw graphql-transport-ws client: init, one subscription, record what arrives about the probe cell. */
function open(app: TestCellgraph, i: number): Promise<Probe> {
  const socket = new WebSocket(wsUrl(app.url), 'graphql-transport-ws');
  const probe: Probe = { socket, synced: false, probe: [], errors: [], closed: false };
  const payload =
    i % 2 === 0
      ? { query: print(CellChangesDocument), variables: { filter: { specId: 'probe-spec' }, include: 'CHANGES' } }
      : { query: print(OneCellDocument), variables: { id: 'probe-1' } };
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.on('close', () => (probe.closed = true));
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as {
        type: string;
        payload?: {
          data?: Record<string, { kind: string; id: string | null; cell: { state: string } | null }>;
          errors?: unknown[];
        };
      };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload }));
        resolve(probe);
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next') {
        if (message.payload?.errors) probe.errors.push(message.payload.errors);
        const change = Object.values(message.payload?.data ?? {})[0];
        if (!change) return;
        if (change.kind === 'SYNCED') probe.synced = true;
        if (change.id === 'probe-1') probe.probe.push([change.kind, change.cell?.state]);
      } else if (message.type === 'error' || message.type === 'complete') {
        probe.errors.push(message);
      }
    });
  });
}

it(`holds ${CONNECTIONS} WebSocket connections with a subscription each, delivers to all of them, and keeps answering queries`, async () => {
  await publishAll(
    nats.url,
    takeEvents(2000, { seed: 71 }).map((e) => e.event),
  );
  const app = await startTestCellgraph(nats.url);
  const probes: Probe[] = [];
  try {
    await app.source.whenReady();
    const rssBefore = process.memoryUsage().rss;
    // Connect in waves of 100 (the listen backlog is finite), all held open for the whole test.
    for (let i = 0; i < CONNECTIONS; i += 100) {
      probes.push(...(await Promise.all(Array.from({ length: 100 }, (_, k) => open(app, i + k)))));
    }
    await waitUntil(() => probes.every((p) => p.synced), 'every subscription synced', 30_000);
    expect(app.hub.stats().cellSubscriptions).toBe(CONNECTIONS);

    // Live traffic, and the probe cell's life, while every connection is held.
    const background = publishAll(
      nats.url,
      takeEvents(1000, { seed: 72 }).map((e) => e.event),
      { rate: 1000, window: 64 },
    );
    background.catch(() => undefined);
    await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'probe-1', specId: 'probe-spec' })]);
    await publishAll(nats.url, [cloudEvent('cell.command.v1.completed', { cellId: 'probe-1', exitCode: 0 })]);
    await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.destroyed', { cellId: 'probe-1', outcome: 'succeeded' }),
    ]);

    // Queries keep being answered, promptly, under the fan-out.
    for (let q = 0; q < 10; q++) {
      const started = Date.now();
      const page = await app.query(CellsPageDocument, { first: 100 });
      expect(page.cells.edges.length).toBeGreaterThan(0);
      expect(Date.now() - started).toBeLessThan(3_000);
    }
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);

    await waitUntil(
      () => probes.every((p) => p.probe.at(-1)?.[1] === 'DESTROYED'),
      'every connection seeing the probe cell destroyed',
      30_000,
    );
    await background;
    for (const p of probes) {
      expect(p.errors).toEqual([]);
      expect(p.closed).toBe(false);
      // Each change once, in order (a slow connection may get the started+completed coalesced).
      const kinds = p.probe.map(([kind]) => kind);
      expect(['ADDED,UPDATED,UPDATED', 'ADDED,UPDATED']).toContain(kinds.join(','));
    }
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    expect(rssGrowthMb).toBeLessThan(500);

    for (const p of probes) p.socket.close();
    await waitUntil(() => app.hub.stats().cellSubscriptions === 0, 'every subscription released on close', 20_000);
  } finally {
    for (const p of probes) p.socket.close();
    await app.stop();
  }
});
