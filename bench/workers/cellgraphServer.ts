/**
 * The subject: a full cellgraph (startCellgraph, as `npm start` runs it)
 * booting against the bench stream. Reports its boot replay time, the
 * replay progress lines it logged, then serves queries. Next to it, on
 * another port of the same process, the query baseline: a bare node:http
 * endpoint answering the same documents from the same projection with the
 * same bytes (lib/bareQueries.ts).
 */
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pino } from 'pino';
import { startCellgraph } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { bareQueryServer } from '../lib/bareQueries.js';
import { bareTimelineServer } from '../lib/bareTimeline.js';
import { measureCpu, onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  url: string;
  stream: string;
  target: number;
  batch?: number;
  env?: Record<string, string>;
  serve: boolean;
  /** After the replay, wait for the first checkpoint this process writes and report it. */
  waitCheckpoint?: boolean;
}

runWorker(async () => {
  const args = workerArgs<Args>();
  const progressLines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'info', base: { service: 'cellgraph' } },
    {
      write(line: string) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (typeof entry['msg'] === 'string' && String(entry['msg']).startsWith('replay')) progressLines.push(entry);
        if ((entry['level'] as number) >= 40) process.stderr.write(line);
      },
    },
  );
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CELLGRAPH_')));
  const config = loadConfig({
    ...inherited,
    CELLGRAPH_NATS_URL: args.url,
    CELLGRAPH_STREAM: args.stream,
    CELLGRAPH_PORT: '0',
    CELLGRAPH_GRAPHIQL: 'false',
    ...(args.batch ? { CELLGRAPH_REPLAY_BATCH: String(args.batch) } : {}),
    ...args.env,
  });
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const app = await startCellgraph(config, args.url, logger);
  await app.source.whenReady();
  // whenReady resolves on the boot target; wait for the benchmark's own target too.
  while (app.projection.cursor < args.target) await new Promise((r) => setTimeout(r, 1));
  const seconds = (performance.now() - started) / 1000;
  const bootCpu = process.cpuUsage(cpuStart);
  const events = app.projection.cursor;
  const memory = process.memoryUsage();
  const { checkpoint, replay } = app.source.status();
  report({
    type: 'replayed',
    events,
    seconds,
    cpuMs: (bootCpu.user + bootCpu.system) / 1000,
    origin: checkpoint.origin,
    replayedFrom: replay.from,
    refused: checkpoint.refused,
    eventsPerSecond: events / seconds,
    cells: app.projection.cellCount,
    counts: app.projection.counts,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    progressLines,
  });
  if (args.waitCheckpoint) {
    while (!app.source.status().checkpoint.lastWritten && !app.source.status().checkpoint.lastWriteError)
      await new Promise((r) => setTimeout(r, 20));
    const { lastWritten, lastWriteError } = app.source.status().checkpoint;
    report({ type: 'checkpoint', ...lastWritten, error: lastWriteError });
  }
  if (!args.serve) {
    await app.stop();
    process.exit(0);
  }
  const bare = bareQueryServer(app.projection);
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareTimeline = bareTimelineServer(app.projection, () => app.nats.clients, args.stream);
  await new Promise<void>((resolve) => bareTimeline.listen(0, '127.0.0.1', resolve));
  // Cell ids spread over the projection, for cell(id) lookups.
  const ids: string[] = [];
  const order = app.projection.cellIdsInFirstSeenOrder();
  for (let i = 0; i < 1000 && order.length > 0; i++) ids.push(order[Math.floor((i * order.length) / 1000)]!);
  // For timelines: cells with the median number of events (a typical timeline), spread over the stream.
  const counts = order.map((id) => app.projection.cells.get(id)!.eventCount).sort((a, b) => a - b);
  const typicalEvents = counts[Math.floor(counts.length / 2)] ?? 0;
  const typical = order.filter((id) => app.projection.cells.get(id)!.eventCount === typicalEvents);
  const timelineIds: string[] = [];
  for (let i = 0; i < 1000 && typical.length > 0; i++)
    timelineIds.push(typical[Math.floor((i * typical.length) / 1000)]!);
  report({
    type: 'serving',
    graphqlUrl: `${app.url}/graphql`,
    bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}`,
    timelineUrl: `http://127.0.0.1:${(bareTimeline.address() as AddressInfo).port}`,
    ids,
    timelineIds,
    typicalEvents,
  });
  const cpu = measureCpu();
  // Event-loop lag from the orchestrator's `measure` on: how long a timer waited for its turn (10 ms resolution).
  const lag = monitorEventLoopDelay({ resolution: 10 });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'measure') return;
    lag.reset();
    lag.enable();
  });
  // Heap after a full GC (when run with --expose-gc) and RSS, on request: memory per subscription.
  process.on('message', (message: { type: string }) => {
    // Server CPU since the last `measure`: the query benchmark's CPU per request of one load.
    if (message.type === 'cpu') report({ type: 'cpu', micros: cpu() });
    if (message.type !== 'memory') return;
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    report({ type: 'memory', rss: memory.rss, heapUsed: memory.heapUsed, live: app.hub.stats() });
  });
  onStop(async () => {
    const cpuMicros = cpu();
    lag.disable();
    const live = app.hub.stats();
    const cursor = app.projection.cursor;
    bare.close();
    bareTimeline.close();
    await app.stop();
    const lagMs = (q: number) => (lag.count > 0 ? lag.percentile(q) / 1e6 : Number.NaN);
    return {
      cpuMicros,
      live,
      cursor,
      lag: { p50: lagMs(50), p99: lagMs(99), max: lag.count > 0 ? lag.max / 1e6 : Number.NaN },
    };
  });
});
