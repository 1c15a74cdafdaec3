/**
 * A checkpoint of a projection of `cells` distinct cells (built like the
 * memory section: JSON bytes → decode → apply): written to memory while
 * events keep being applied every millisecond (as ingest would), with the
 * event loop's longest stall measured; then loaded back into a fresh
 * projection (read, checksum, digest) and timed. No NATS: what the bucket
 * adds is I/O, measured by the boot section.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { decodeEvent } from '../../src/events/decode.js';
import { REDUCER_RULES_VERSION } from '../../src/projection/cellReducer.js';
import { readCheckpoint } from '../../src/projection/checkpoint/reader.js';
import { writeCheckpoint } from '../../src/projection/checkpoint/writer.js';
import { Projection } from '../../src/projection/projection.js';
import { simulateEvents } from '../../src/simulator/generator.js';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  cells: number;
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

runWorker(async () => {
  const { cells } = workerArgs<Args>();
  const encoder = new TextEncoder();
  const projection = new Projection();
  const events = simulateEvents({ seed: 7, concurrentCells: 200 });
  let seq = 0;
  const applyNext = () => {
    const next = events.next();
    if (next.done) return;
    seq += 1;
    projection.apply(seq, decodeEvent(encoder.encode(JSON.stringify(next.value.event))));
  };
  while (projection.cellCount < cells) applyNext();
  const identity = { stream: 'BENCH', streamCreated: new Date().toISOString(), rulesVersion: REDUCER_RULES_VERSION };

  // Write while ingest goes on: 20 events every millisecond, as a busy stream would bring them.
  const ingest = setInterval(() => {
    for (let i = 0; i < 20; i++) applyNext();
  }, 1);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  // GC pauses during the write: a stall as long as the longest of them is the collector's, not the writer's slices.
  const gc = { count: 0, totalMs: 0, maxMs: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count += 1;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
    }
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  delay.enable();
  const writeCpu = cpuMs();
  const writeStarted = performance.now();
  const pinStarted = performance.now();
  const pin = projection.pin();
  const pinMs = performance.now() - pinStarted;
  const { bytes, stats } = writeCheckpoint(pin, identity);
  const chunks: Buffer[] = [];
  for await (const chunk of bytes) chunks.push(chunk as Buffer);
  const written = await stats;
  const writeSeconds = (performance.now() - writeStarted) / 1000;
  const writeCpuMs = cpuMs() - writeCpu;
  delay.disable();
  gcObserver.disconnect();
  clearInterval(ingest);
  const data = Buffer.concat(chunks);
  const eventsDuringWrite = seq - written.cursor;

  const loadCpu = cpuMs();
  const loadStarted = performance.now();
  const loaded = new Projection();
  await readCheckpoint(
    (async function* () {
      for (let i = 0; i < data.length; i += 128 * 1024) yield data.subarray(i, i + 128 * 1024);
    })(),
    {
      stream: identity.stream,
      streamCreated: identity.streamCreated,
      streamFirstSeq: 1,
      streamLastSeq: seq,
      rulesVersion: REDUCER_RULES_VERSION,
      dedupCapacity: loaded.dedupCapacity,
    },
    loaded,
  );
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  report({
    type: 'done',
    cells: written.cells,
    cursor: written.cursor,
    bytes: data.length,
    rawBytes: written.rawBytes,
    bytesPerCell: data.length / written.cells,
    writeSeconds,
    writeCpuMs,
    pinMs,
    longestSliceMs: written.longestSliceMs,
    maxLoopDelayMs: delay.max / 1e6,
    p99LoopDelayMs: delay.percentile(99) / 1e6,
    gcDuringWrite: gc,
    eventsDuringWrite,
    loadSeconds,
    loadCpuMs: cpuMs() - loadCpu,
    loadedCells: loaded.cellCount,
    rss: process.memoryUsage().rss,
  });
  process.exit(0);
});
