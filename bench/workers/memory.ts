/**
 * Bytes per cell: a Projection built from simulated events (JSON bytes →
 * decodeEvent → apply, as on the replay path, so strings are as fresh as
 * they would be off the wire) until it holds `cells` distinct cells. Run
 * with --expose-gc: heapUsed plus arrayBuffers after a full GC, minus the
 * same before, over the cell count. ArrayBuffer backing stores (the
 * timeline log's typed-array chunks) live outside the JS heap, so heapUsed
 * alone would leave the timeline index out. Includes everything the
 * projection keeps (indexes, dedup window, timeline log), so it is what a
 * deployment pays, not just the records.
 */
import { decodeEvent } from '../../src/events/decode.js';
import { Projection } from '../../src/projection/projection.js';
import { simulateEvents } from '../../src/simulator/generator.js';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  cells: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** JS heap and ArrayBuffer bytes after full GCs. */
function settled(): { heap: number; arrayBuffers: number } {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return { heap: heapUsed, arrayBuffers };
}

runWorker(async () => {
  const { cells } = workerArgs<Args>();
  const encoder = new TextEncoder();
  const before = settled();
  const projection = new Projection();
  const started = performance.now();
  let seq = 0;
  for (const simulated of simulateEvents({ seed: 7, concurrentCells: 200 })) {
    seq += 1;
    projection.apply(seq, decodeEvent(encoder.encode(JSON.stringify(simulated.event))));
    if (projection.cellCount >= cells) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = settled();
  const memory = process.memoryUsage();
  const heapDelta = after.heap - before.heap;
  const arrayBufferDelta = after.arrayBuffers - before.arrayBuffers;
  const cellCount = projection.cellCount;
  report({
    type: 'done',
    cells: cellCount,
    events: seq,
    formations: projection.formations.size,
    heapDelta,
    arrayBufferDelta,
    bytesPerCell: (heapDelta + arrayBufferDelta) / cellCount,
    heapBytesPerCell: heapDelta / cellCount,
    arrayBufferBytesPerCell: arrayBufferDelta / cellCount,
    timelineEntries: projection.timeline.length,
    timelineBytesPerCell: projection.timeline.bytes / cellCount,
    buildSeconds: seconds,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
  });
  process.exit(0);
});
