// Deltas are built only while a cell subscription would read them; the projection ends the same either way.
import { describe, expect, it } from 'vitest';
import type { RawMessage } from '../../src/events/streamEvent.js';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import { projectionDigest } from '../../src/projection/digest.js';
import { Projection } from '../../src/projection/projection.js';
import type { Delta } from '../../src/projection/records.js';
import { simulateEvents } from '../../src/simulator/generator.js';
import { Ingestor } from '../../src/source/ingest.js';
import { createLogger } from '../../src/util/logger.js';
import { drain } from './fixtures.js';

function messages(count: number): RawMessage[] {
  const out: RawMessage[] = [];
  for (const { subject, event } of simulateEvents({ seed: 7, concurrentCells: 20, duplicateRate: 0.05 })) {
    out.push({
      seq: out.length + 1,
      subject,
      data: new TextEncoder().encode(JSON.stringify(event)),
      info: { timestampNanos: 0 },
    });
    if (out.length === count) return out;
  }
  return out;
}

describe('Ingestor: deltas only for listeners', () => {
  it('builds no delta while nobody listens, the same state as with deltas, and a delta per applied event once asked', () => {
    const stream = messages(2_000);
    const quiet = new Projection();
    const quietDeltas: number[] = [];
    const listened = new Projection();
    const listenedDeltas: Delta[] = [];
    const withDeltas = new Ingestor(listened, (_seq, deltas) => listenedDeltas.push(...deltas), createLogger('silent'));
    const withoutDeltas = new Ingestor(
      quiet,
      (_seq, deltas) => quietDeltas.push(deltas.length),
      createLogger('silent'),
      undefined,
      undefined,
      () => false,
    );
    for (const message of stream) {
      withoutDeltas.ingest(message);
      withDeltas.ingest(message);
    }
    expect(quietDeltas.length).toBe(stream.length);
    expect(quietDeltas.every((n) => n === 0)).toBe(true);
    expect(listenedDeltas.length).toBe(listened.counts.applied);
    expect(listened.counts.applied).toBeGreaterThan(0);
    expect(listened.counts.duplicates).toBeGreaterThan(0);
    expect(projectionDigest(quiet)).toBe(projectionDigest(listened));
    expect(quiet.counts).toEqual(listened.counts);
  });

  it('a cell subscription opened between two messages gets the change of the next one', async () => {
    const projection = new Projection();
    const hub = new LiveHub(projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 100 });
    const ingestor = new Ingestor(
      projection,
      (_seq, deltas) => hub.publish(deltas),
      createLogger('silent'),
      undefined,
      undefined,
      () => hub.wantsDeltas,
    );
    const stream = messages(400);
    for (const message of stream.slice(0, 200)) ingestor.ingest(message);
    expect(hub.wantsDeltas).toBe(false);
    const cells = hub.subscribeCells(compileCellFilter({}), { snapshot: false });
    expect(hub.wantsDeltas).toBe(true);
    await drain(cells, 1); // SYNCED
    // The next message that changes a cell (stream[i] has seq i + 1).
    let next = 200;
    let changed: { id: string } | undefined;
    while (!changed) {
      ingestor.ingest(stream[next++]!);
      changed = [...projection.cells.values()].find((cell) => cell.lastSeq === next);
    }
    expect(await drain(cells, 1)).toMatchObject([{ seq: next, cell: { id: changed.id } }]);
    hub.shutdown();
  });
});
