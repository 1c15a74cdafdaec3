/**
 * Heap per cell: a Projection built from simulated events (JSON bytes →
 * decodeEvent → apply, as on the replay path, so strings are as fresh as
 * they would be off the wire) until it holds `cells` distinct cells. Run
 * with --expose-gc: heapUsed after a full GC, minus the same before, over
 * the cell count. Includes everything the projection keeps (indexes, dedup
 * window), so it is what a deployment pays, not just the records.
 */
import { decodeEvent } from '../../src/events/decode.js';
import { Projection } from '../../src/projection/projection.js';
import { simulateEvents } from '../../src/simulator/generator.js';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  cells: number;
}

const gc = (globalThis as { gc?: () => void }).gc;

function settledHeap(): number {
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

runWorker(async () => {
  const { cells } = workerArgs<Args>();
  const encoder = new TextEncoder();
  const before = settledHeap();
  const projection = new Projection();
  const started = performance.now();
  let seq = 0;
  for (const simulated of simulateEvents({ seed: 7, concurrentCells: 200 })) {
    seq += 1;
    projection.apply(seq, decodeEvent(encoder.encode(JSON.stringify(simulated.event))));
    if (projection.cellCount >= cells) break;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = settledHeap();
  const memory = process.memoryUsage();
  report({
    type: 'done',
    cells: projection.cellCount,
    events: seq,
    formations: projection.formations.size,
    heapDelta: after - before,
    bytesPerCell: (after - before) / projection.cellCount,
    buildSeconds: seconds,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
  });
  process.exit(0);
});
