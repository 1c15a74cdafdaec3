import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CellChangesDocument, ProjectionSeqDocument } from '../generated/graphql.js';
import { startTestCellgraph, stopOnce, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { CellView, subscribe } from '../support/subscriber.js';
import { connectWs, runWs } from '../support/ws.js';

/**
 * The in-process half of "Shutdown (SIGTERM/SIGINT)": what `stop()` does to
 * open sockets and to subscriptions that arrive while it runs. The signal
 * handling itself runs the real CLI (test/integration/cli.test.ts).
 */

const nats = useNats();
const apps: TestCellgraph[] = [];

beforeAll(async () => {
  await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 's1', specId: 'spec-s' })]);
});

afterEach(async () => {
  for (const app of apps.splice(0)) await app.stop();
});

afterAll(async () => {});

async function start(): Promise<TestCellgraph> {
  const app = stopOnce(await startTestCellgraph(nats.url));
  apps.push(app);
  await app.source.whenReady();
  return app;
}

describe('graceful shutdown', () => {
  it('ends each WebSocket subscription with SHUTDOWN, then closes the socket with 1001 (going away)', async () => {
    const app = await start();
    const ws = connectWs(app.url);
    await ws.connected;
    const view = new CellView();
    const sub = subscribe(
      ws.client,
      CellChangesDocument,
      { include: 'SNAPSHOT' },
      (data) => view.apply(data.cells),
      view.recordErrors,
    );
    await waitUntil(() => view.synced, 'snapshot delivered');
    await app.stop();
    await sub.done;
    expect(view.messages.at(-1)).toMatchObject({ kind: 'SHUTDOWN', seq: view.messages.at(-2)!.seq });
    expect(view.errors).toEqual([]);
    expect(await ws.closed).toBe(1001);
  });

  it('closes an idle WebSocket (no subscription) with 1001 too', async () => {
    const app = await start();
    const ws = connectWs(app.url);
    await ws.connected;
    await app.stop();
    expect(await ws.closed).toBe(1001);
  });

  it('refuses new subscriptions with SHUTTING_DOWN once shutdown began, over WebSocket and SSE; queries still answer', async () => {
    const app = await start();
    const ws = connectWs(app.url);
    await ws.connected;
    // The first step of stop(), on its own: stop() itself goes on to close the sockets within
    // milliseconds, too soon to subscribe in between without racing it.
    app.hub.shutdown();

    // take 1: an accepted subscription would answer SYNCED or nothing, never complete. The bound
    // only matters when the rule is broken: refusals arrive within milliseconds.
    const first = (query: string) =>
      Promise.race([
        runWs(ws.client, query, undefined, 1),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${query}: accepted (no answer in 3 s)`)), 3_000).unref(),
        ),
      ]);
    for (const query of [
      'subscription { cells { kind seq } }',
      'subscription { events { kind seq } }',
      'subscription { cell(id: "s1") { kind seq } }',
      'subscription { cellBatches { seq } }',
    ]) {
      const refused = await first(query);
      expect(
        refused.results.map((r) => r.errors?.[0]?.extensions?.['code']),
        query,
      ).toEqual(['SHUTTING_DOWN']);
    }

    const sseText = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { cells { kind } }' }),
    }).then((r) => r.text());
    expect(sseText).toContain('"code":"SHUTTING_DOWN"');

    expect((await app.query(ProjectionSeqDocument)).projection.seq).toBe(app.projection.cursor);
    await ws.dispose();
  });
});
