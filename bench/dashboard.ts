// Is the dashboard usable at 100,000 cells and 500 events/s? Loads the built dashboard in headless Chromium against
// an in-process cellgraph, measures the snapshot, then the live phase: how far the page's "current as of seq N" trails
// the publisher, the page's main-thread CPU per event and its frame rate; next to a baseline that keeps the same view
// in a Node process without a browser. Run: npm run bench:dashboard -- [--cells N] [--rate N] [--seconds N]
// (builds the dashboard first when dist/dashboard is missing or older than its sources)
import { execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startCellgraph } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { simulateEvents } from '../src/simulator/generator.js';
import { EventPublisher } from '../src/simulator/publisher.js';
import { createLogger } from '../src/util/logger.js';
import { createBenchStream, startBenchNats } from './lib/nats.js';
import { quantile } from './lib/stats.js';

const root = path.resolve(import.meta.dirname, '..');
const arg = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const CELLS = arg('cells', 100_000);
const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 20);
const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** The dashboard's own subscription (dashboard/operations/cells.graphql), for the baseline to do the same work. */
const BATCHES = `subscription CellBatches($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {
  cellBatches(filter: $filter, after: $after, include: $include) {
    seq changes { kind seq id cell { id state outcome specId formationId tenantId startedAt destroyedAt exitCode firstSeq lastSeq } }
  }
}`;

execFileSync(process.execPath, [path.join(root, 'scripts/ensure-dashboard.mjs')], { cwd: root, stdio: 'inherit' });
const nats = await startBenchNats();
await createBenchStream(nats.url);
const publisher = await EventPublisher.connect(nats.url);
const t0 = Date.UTC(2026, 11, 4, 8, 0, 0);
console.log(`publishing ${CELLS} started events (load ${load()})`);
const BATCH = 5_000;
for (let from = 0; from < CELLS; from += BATCH) {
  const events = [];
  for (let i = from; i < Math.min(CELLS, from + BATCH); i++) {
    events.push({
      subject: 'cellos.events.bench',
      event: {
        specversion: '1.0',
        id: `bench-start-${i}`,
        source: 'bench',
        type: 'dev.cellos.events.cell.lifecycle.v1.started',
        time: new Date(t0 + i * 10).toISOString(),
        data: { cellId: `cell-${String(i).padStart(6, '0')}`, specId: `spec-${i % 17}`, tenantId: `tenant-${i % 5}` },
      },
    });
  }
  await publisher.publish(events, { window: 1024 });
}

const config = loadConfig({ CELLGRAPH_NATS_URL: nats.url, CELLGRAPH_PORT: '0', CELLGRAPH_LOG_LEVEL: 'warn' });
const app = await startCellgraph(config, nats.url, createLogger('warn'));
await app.source.whenReady();
console.log(`cellgraph ready at seq ${app.projection.cursor} (load ${load()})`);

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Performance.enable');
const metrics = async () => {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((metric) => [metric.name, metric.value])) as Record<string, number>;
};
const asOf = async (): Promise<number> => {
  const text = await page.locator('[data-testid=as-of]').textContent();
  const match = /current as of seq (\d+)/.exec(text ?? '');
  return match ? Number(match[1]) : 0;
};

// Snapshot: page load to "current as of seq N" with every cell in the table.
const snapshotStart = performance.now();
const before = await metrics();
await page.goto(`${app.url}/`, { waitUntil: 'load' });
await page.waitForFunction(
  (cells) =>
    document.querySelector('[data-testid=as-of]')?.textContent?.startsWith('current') &&
    document.querySelector('[data-testid=row-count]')?.textContent === String(cells),
  CELLS,
  { timeout: 120_000, polling: 100 },
);
const snapshotMs = performance.now() - snapshotStart;
const afterSnapshot = await metrics();
console.log(
  `snapshot: ${CELLS} cells in ${(snapshotMs / 1000).toFixed(2)} s; page main thread ${(afterSnapshot['TaskDuration']! - before['TaskDuration']!).toFixed(2)} s, JS heap ${(afterSnapshot['JSHeapUsedSize']! / 2 ** 20).toFixed(0)} MiB (load ${load()})`,
);

// Baseline: the same subscription kept in a Map by a Node process.
const baseline = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/workers/dashboardBaseline.ts')], {
  cwd: root,
  env: {
    ...process.env,
    CELLGRAPH_WS_URL: `${app.url.replace('http', 'ws')}/graphql`,
    CELLGRAPH_BASELINE_QUERY: BATCHES,
  },
  stdio: ['pipe', 'pipe', 'inherit'],
});
const baselineLines: Record<string, unknown>[] = [];
let baselineBuffer = '';
baseline.stdout.on('data', (chunk: Buffer) => {
  baselineBuffer += chunk.toString();
  let at: number;
  while ((at = baselineBuffer.indexOf('\n')) >= 0) {
    baselineLines.push(JSON.parse(baselineBuffer.slice(0, at)));
    baselineBuffer = baselineBuffer.slice(at + 1);
  }
});
const nextLine = async (type: string) => {
  for (;;) {
    const line = baselineLines.find((entry) => entry['type'] === type);
    if (line) {
      baselineLines.splice(baselineLines.indexOf(line), 1);
      return line;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
const baselineSynced = await nextLine('synced');
console.log(
  `baseline snapshot: ${baselineSynced['cells']} cells in ${((baselineSynced['ms'] as number) / 1000).toFixed(2)} s, CPU ${(cpuMs(baselineSynced['cpu'] as NodeJS.CpuUsage) / 1000).toFixed(2)} s (load ${load()})`,
);
baseline.stdin.write('report\n');
const baselineStart = await nextLine('report');

// Live: RATE events/s for SECONDS, in 100 ms chunks; sample the page's seq against the publish time of that seq.
await page.evaluate(`(() => {
  window.frames_ = 0; window.longTasks_ = 0;
  const tick = () => { window.frames_++; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  new PerformanceObserver((list) => { window.longTasks_ += list.getEntries().length; }).observe({ entryTypes: ['longtask'] });
})()`);
const liveBefore = await metrics();
const serverCpuBefore = process.cpuUsage();
const published: { seq: number; at: number }[] = [];
const generator = simulateEvents({ seed: 9, concurrentCells: 300, startTime: t0 + CELLS * 10 });
const lags: number[] = [];
const behind: number[] = [];
let sampling = true;
const sampler = (async () => {
  while (sampling) {
    const seq = await asOf();
    const now = performance.now();
    const last = published.at(-1);
    if (last && seq) {
      // The oldest publish the page has not shown yet: how long it has been waiting.
      const waiting = published.find((entry) => entry.seq > seq);
      lags.push(waiting ? now - waiting.at : 0);
      behind.push(Math.max(0, last.seq - seq));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
})();
const liveStart = performance.now();
const perChunk = RATE / 10;
for (let chunk = 0; chunk < SECONDS * 10; chunk++) {
  const due = liveStart + chunk * 100;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  const events = [];
  for (let i = 0; i < perChunk; i++) events.push(generator.next().value!);
  const seqs = await publisher.publish(events);
  published.push({ seq: seqs.at(-1)!, at: performance.now() });
}
const liveSeconds = (performance.now() - liveStart) / 1000;
const lastSeq = published.at(-1)!.seq;
// Catch-up: from the last publish until the page shows the last change to a cell.
const lastCellSeq = app.projection.cursor;
const catchUpStart = performance.now();
await page.waitForFunction(
  (seq) => {
    const match = /current as of seq (\d+)/.exec(document.querySelector('[data-testid=as-of]')?.textContent ?? '');
    return match && Number(match[1]) >= seq - 50;
  },
  lastCellSeq,
  { timeout: 60_000, polling: 50 },
);
const catchUpMs = performance.now() - catchUpStart;
sampling = false;
await sampler;
const liveAfter = await metrics();
const serverCpu = cpuMs(process.cpuUsage(serverCpuBefore));
const { frames, longTasks } = (await page.evaluate('({ frames: window.frames_, longTasks: window.longTasks_ })')) as {
  frames: number;
  longTasks: number;
};
baseline.stdin.write('report\n');
const baselineEnd = await nextLine('report');
const events = published.length * perChunk;
const pageTask = (liveAfter['TaskDuration']! - liveBefore['TaskDuration']!) * 1000;
const pageScript = (liveAfter['ScriptDuration']! - liveBefore['ScriptDuration']!) * 1000;
const baselineCpu = cpuMs(baselineEnd['cpu'] as NodeJS.CpuUsage) - cpuMs(baselineStart['cpu'] as NodeJS.CpuUsage);
console.log(
  `live: ${events} events in ${liveSeconds.toFixed(1)} s (${(events / liveSeconds).toFixed(0)}/s), last seq ${lastSeq}, rows ${await page.locator('[data-testid=row-count]').textContent()}`,
);
console.log(
  `  page "current as of" waits: p50 ${quantile(lags, 0.5).toFixed(0)} ms, p95 ${quantile(lags, 0.95).toFixed(0)} ms, max ${Math.max(...lags).toFixed(0)} ms; behind by p50 ${quantile(behind, 0.5)} / max ${Math.max(...behind)} events; caught up ${catchUpMs.toFixed(0)} ms after the last publish`,
);
console.log(
  `  page main thread: ${(pageTask / liveSeconds / 10).toFixed(1)}% of a core (${((pageTask * 1000) / events).toFixed(0)} µs/event, script ${((pageScript * 1000) / events).toFixed(0)} µs/event); ${(frames / liveSeconds).toFixed(1)} frames/s; ${longTasks} long tasks (>50 ms)`,
);
console.log(
  `  baseline (Node, same subscription into a Map): ${((baselineCpu * 1000) / events).toFixed(0)} µs/event, ${(baselineCpu / liveSeconds / 10).toFixed(1)}% of a core; ratio page/baseline ${(pageTask / baselineCpu).toFixed(1)}x`,
);
console.log(`  cellgraph + publisher process: ${((serverCpu * 1000) / events).toFixed(0)} µs/event (load ${load()})`);
await page.screenshot({ path: path.join(root, 'test-artifacts/dashboard-100k.png') });
baseline.kill();
await browser.close();
await publisher.close();
await app.stop();
await nats.remove();
process.exit(0);
