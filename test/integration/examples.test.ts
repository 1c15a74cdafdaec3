// The client guide's examples (examples/*.ts, quoted in full in docs/clients.md) run against a real cellgraph.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { watchCellUntil } from '../../examples/apollo.js';
import codegenExample from '../../examples/codegen.js';
import { runningCells } from '../../examples/graphql-sse.js';
import { followCells } from '../../examples/graphql-ws.js';
import { countsAndTable } from '../../examples/urql.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { CellCountsDocument } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { allCells, byId, cellsOnOnePage } from '../support/cells.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

const root = path.resolve(import.meta.dirname, '../..');
const examplesDir = path.join(root, 'examples');
const events = (count: number, seed: number) =>
  takeEvents(count, { seed, concurrentCells: 40 }).map((item) => item.event);

describe('client guide examples', () => {
  const nats = useNats();
  let app: TestCellgraph;
  let graphqlUrl: string;

  beforeAll(async () => {
    // Bookmarks often, so a follower learns it is current even when the last events were not about cells.
    app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
    await app.source.whenReady();
    graphqlUrl = `${app.url}/graphql`;
    await publishAll(nats.url, events(600, 41));
    return () => app.stop();
  });

  it('docs/clients.md quotes every example file in full', () => {
    const guide = readFileSync(path.join(root, 'docs/clients.md'), 'utf8');
    const files = [
      ...readdirSync(examplesDir).filter((file) => file.endsWith('.ts')),
      ...readdirSync(path.join(examplesDir, 'operations')).map((file) => `operations/${file}`),
    ];
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const file of files) {
      const text = readFileSync(path.join(examplesDir, file), 'utf8');
      expect(
        guide.includes(`<!-- examples/${file} -->\n\`\`\`${file.endsWith('.ts') ? 'ts' : 'graphql'}\n${text}\`\`\``),
        `examples/${file} quoted in docs/clients.md`,
      ).toBe(true);
    }
  });

  it('graphql-ws: query then subscribe with after, through a burst and dropped sockets, equals a fresh query', async () => {
    const before = app.projection.cursor;
    const burst = events(3000, 42);
    // One message per event on this file's own stream: the burst ends at exactly this seq.
    const lastSeq = (await app.query(CellCountsDocument, {})).cellCounts.seq + burst.length;
    expect(lastSeq).toBe(before + burst.length);
    const following = followCells(graphqlUrl, undefined, lastSeq);
    const publishing = publishAll(nats.url, burst);
    // Cut the example's WebSocket twice during the burst: it resumes with the last seq it received.
    let cuts = 0;
    for (const progress of [300, 1500]) {
      await waitUntil(() => app.projection.cursor > before + progress, 'the burst under way');
      // Cut the subscription's socket, not the one of the first query (the example does not retry its query).
      await waitUntil(() => app.hub.stats().cellSubscriptions > 0, 'the example subscribed');
      for (const socket of app.http.wsServer.clients) {
        socket.terminate();
        cuts++;
      }
    }
    await publishing;
    const { cells, seq } = await following;
    expect(cuts).toBeGreaterThanOrEqual(2);
    expect(seq).toBeGreaterThanOrEqual(lastSeq);
    const fresh = await allCells(app);
    expect([...cells.values()].sort(byId)).toEqual(
      fresh.cells.map(({ id, state, lastSeq }) => ({ id, state, lastSeq })),
    );
  }, 90_000);

  it('graphql-sse: the running cells snapshot (token in a header) equals a fresh query', async () => {
    const { running, seq } = await runningCells(graphqlUrl);
    const fresh = await cellsOnOnePage(app, { state: 'RUNNING' });
    expect(seq).toBe(fresh.seq);
    expect([...running.values()].sort(byId)).toEqual(fresh.cells.map(({ id, state }) => ({ id, state })));
  });

  it('urql with its default settings: counts over GET and the cellBatches table up to SYNCED equal fresh queries', async () => {
    // Records the methods of urql's requests (then passes them on): its default sends this short query as GET.
    const methods: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      methods.push(init?.method ?? 'GET');
      return realFetch(input, init);
    };
    const { counts, table, seq } = await countsAndTable(graphqlUrl).finally(() => {
      globalThis.fetch = realFetch;
    });
    expect(methods).toEqual(['GET']);
    const fresh = await allCells(app);
    const freshCounts = (await app.query(CellCountsDocument, {})).cellCounts;
    expect(seq).toBe(fresh.seq);
    expect(counts).toEqual({
      total: freshCounts.total,
      running: freshCounts.running,
      destroyed: freshCounts.destroyed,
      failed: freshCounts.failed,
    });
    expect([...table.values()].sort(byId)).toEqual(fresh.cells.map(({ id, state }) => ({ id, state })));
  });

  it('Apollo Client: a cell queried, then followed from the query seq until it is destroyed', async () => {
    const id = `apollo-cell-${Date.now()}`;
    const [startedSeq] = await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: id })]);
    await waitUntil(() => app.projection.cursor >= startedSeq!, 'started applied');
    const watching = watchCellUntil(graphqlUrl, id, 'DESTROYED');
    await waitUntil(() => app.hub.stats().cellSubscriptions > 0, 'Apollo subscribed');
    const [destroyedSeq] = await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.destroyed', { cellId: id, outcome: 'succeeded', terminalState: 'clean' }),
    ]);
    const seen = await watching;
    expect(seen.map(({ state, lastSeq }) => ({ state, lastSeq }))).toEqual([
      { state: 'RUNNING', lastSeq: startedSeq },
      { state: 'DESTROYED', lastSeq: destroyedSeq },
    ]);
  });

  it('the examples run from the command line (npx tsx examples/…)', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, CELLGRAPH_URL: graphqlUrl };
    const tsx = path.join(root, 'node_modules/.bin/tsx');
    const sse = await run(tsx, [path.join(examplesDir, 'graphql-sse.ts')], { cwd: root, env });
    const running = await cellsOnOnePage(app, { state: 'RUNNING' });
    expect(sse.stdout).toContain(`${running.cells.length} running cells as of seq ${running.seq}`);
    const urql = await run(tsx, [path.join(examplesDir, 'urql.ts')], { cwd: root, env });
    expect(urql.stdout).toContain(`cells as of seq ${running.seq}`);
  }, 60_000);

  it('the codegen settings type the custom scalars as they travel in JSON', async () => {
    const outputs = (await generate({ ...codegenExample, cwd: root, silent: true }, false)) as {
      filename: string;
      content: string;
    }[];
    const types = outputs.find((output) => output.filename.endsWith('graphql.ts'))!.content;
    // Seq: a number out, a number or decimal string in; DateTime and UUID: strings.
    expect(types).toContain('minSeq?: number | string | null');
    expect(types).toMatch(/export type RunningCellsQuery = .*seq: number,/);
    expect(types).toMatch(
      /export type RunningCellsQuery = .*formationId: string \| null, startedAt: string \| null, lastSeq: number/,
    );
  });
});
