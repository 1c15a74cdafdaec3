import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FULL_TYPE_PREFIX } from '../../src/events/types.js';
import { REDUCER_RULES_VERSION } from '../../src/projection/cellReducer.js';
import { CheckpointUnusable } from '../../src/projection/checkpoint/format.js';
import { type CheckpointExpectations, readCheckpoint } from '../../src/projection/checkpoint/reader.js';
import { writeCheckpoint } from '../../src/projection/checkpoint/writer.js';
import { pinnedDigest, projectionDigest } from '../../src/projection/digest.js';
import { Projection } from '../../src/projection/projection.js';
import { sortInSlices } from '../../src/projection/sorted.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { TimeSlicer } from '../../src/util/timeSlicer.js';
import { cloudEvent, Driver, type Envelope, republish } from './fixtures.js';

const STREAM = 'CELLOS_EVENTS';
const CREATED = '2026-12-04T10:00:00.000000001Z';
const DEDUP = 500;

/** An adversarial history: simulated cells and formations, duplicates, skipped types and rejected bodies. */
function history(count: number, seed = 7): (Envelope | { raw: string })[] {
  const events: (Envelope | { raw: string })[] = takeEvents(count, {
    seed,
    duplicateRate: 0.05,
    formationShare: 0.5,
  }).map((e) => e.event as Envelope);
  for (let i = 50; i < events.length; i += 97) events.splice(i, 0, { raw: `{"not": "a cloud event ${i}"}` });
  for (let i = 70; i < events.length; i += 131) events.splice(i, 0, cloudEvent('com.example.unrelated.v1', { n: i }));
  // An optional field that breaks its rule: dropped and counted, which a checkpoint must carry too.
  for (let i = 90; i < events.length; i += 173)
    events.splice(i, 0, cloudEvent(`${FULL_TYPE_PREFIX}cell.lifecycle.v1.started`, { cellId: `drop-${i}`, runId: '' }));
  return events;
}

function replay(events: (Envelope | { raw: string })[], dedupWindow = DEDUP): Driver {
  const driver = new Driver({ dedupWindow });
  for (const event of events) driver.apply(event);
  return driver;
}

function expectations(projection: Projection, overrides: Partial<CheckpointExpectations> = {}): CheckpointExpectations {
  return {
    stream: STREAM,
    streamCreated: CREATED,
    streamFirstSeq: 1,
    streamLastSeq: projection.cursor + 100,
    rulesVersion: REDUCER_RULES_VERSION,
    dedupCapacity: projection.dedupCapacity,
    ...overrides,
  };
}

async function checkpointBytes(projection: Projection, rulesVersion = REDUCER_RULES_VERSION): Promise<Buffer> {
  const { bytes, stats } = writeCheckpoint(projection.pin(), { stream: STREAM, streamCreated: CREATED, rulesVersion });
  const chunks: Uint8Array[] = [];
  for await (const chunk of bytes) chunks.push(chunk);
  await stats;
  return Buffer.concat(chunks);
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function load(bytes: Uint8Array, expect: CheckpointExpectations): Promise<Projection> {
  const projection = new Projection({ dedupWindow: expect.dedupCapacity });
  await readCheckpoint(once(bytes), expect, projection);
  return projection;
}

function stateOf(projection: Projection) {
  return {
    cursor: projection.cursor,
    digest: projectionDigest(projection),
    cells: [...projection.cells.entries()],
    firstSeen: projection.cellIdsInFirstSeenOrder(),
    formations: projection.formationIdsInFirstSeenOrder().map((id) => projection.formations.get(id)),
    counts: { ...projection.counts },
    byState: projection.cellCountsByState(),
    skipped: [...projection.skippedByType],
    rejections: projection.recentRejections(),
    droppedFieldCount: projection.droppedFieldCount,
    fieldDrops: projection.recentFieldDrops(),
    timelines: [...projection.cells.values(), ...projection.formations.values()].map(
      (record) => projection.timelineOf(record, 0, Number.MAX_SAFE_INTEGER).seqs,
    ),
  };
}

/** A line of cells: columns after a dictionary (dedup lines and formation rows start with a string). */
const isCellBlock = (line: string, index: number) => index > 1 && line.startsWith('[[');

/** Rewrites the uncompressed lines, recomputing the checksum so only the content check can notice. */
function edit(bytes: Buffer, change: (lines: string[]) => void, fixChecksum = true): Buffer {
  const lines = gunzipSync(bytes).toString('utf8').split('\n');
  lines.pop();
  change(lines);
  if (fixChecksum) {
    const body = `${lines.slice(0, -1).join('\n')}\n`;
    const trailer = JSON.parse(lines.at(-1)!);
    trailer.end.sha256 = createHash('sha256').update(body).digest('hex');
    lines[lines.length - 1] = JSON.stringify(trailer);
  }
  return gzipSync(`${lines.join('\n')}\n`);
}

describe('checkpoint round trip', () => {
  const events = history(4000);
  const split = 2500;

  it('loads into the state a full replay built: records, orders, counts, rejections, digest', async () => {
    const source = replay(events);
    expect(source.projection.counts.duplicates).toBeGreaterThan(0);
    expect(source.projection.counts.rejected).toBeGreaterThan(0);
    expect(source.projection.counts.skipped).toBeGreaterThan(0);
    expect(source.projection.droppedFieldCount).toBeGreaterThan(0);
    expect(source.projection.formations.size).toBeGreaterThan(0);
    const loaded = await load(await checkpointBytes(source.projection), expectations(source.projection));
    expect(stateOf(loaded)).toEqual(stateOf(source.projection));
  });

  it('carries the dedup window over: duplicates that straddle the checkpoint are dropped after loading', async () => {
    const before = events.slice(0, split);
    // The tail re-publishes events from just before the checkpoint (inside the window), then goes on.
    const straddling = before.slice(-40).filter((e): e is Envelope => 'id' in e);
    const after = [...straddling.map(republish), ...events.slice(split)];
    const full = replay([...before, ...after]);
    const loaded = await load(
      await checkpointBytes(replay(before).projection),
      expectations(replay(before).projection),
    );
    const resumed = new Driver({ dedupWindow: DEDUP });
    resumed.projection.adopt(loaded);
    resumed.seq = loaded.cursor;
    for (const event of after) resumed.apply(event);
    expect(resumed.projection.counts.duplicates).toBe(full.projection.counts.duplicates);
    expect(stateOf(resumed.projection)).toEqual(stateOf(full.projection));
  });

  it('a pin keeps the state at its cursor while later events replace records', async () => {
    const driver = replay(events.slice(0, split));
    const atPin = stateOf(driver.projection);
    const pin = driver.projection.pin();
    const written = writeCheckpoint(pin, {
      stream: STREAM,
      streamCreated: CREATED,
      rulesVersion: REDUCER_RULES_VERSION,
    });
    const chunks: Uint8Array[] = [];
    const iterator = written.bytes[Symbol.asyncIterator]();
    // Interleave: one chunk read, then more events applied, until the checkpoint is out.
    let next = split;
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      chunks.push(r.value);
      for (const stop = Math.min(next + 50, events.length); next < stop; next++) driver.apply(events[next]!);
    }
    for (; next < events.length; next++) driver.apply(events[next]!);
    expect((await written.stats).cursor).toBe(atPin.cursor);
    const loaded = await load(Buffer.concat(chunks), expectations(driver.projection));
    expect(stateOf(loaded)).toEqual(atPin);
    expect(driver.projection.cursor).toBeGreaterThan(atPin.cursor);
  });

  it('the pinned digest is the projection digest, computed in slices', async () => {
    const driver = replay(events);
    const slicer = new TimeSlicer(0, 1);
    expect(await pinnedDigest(driver.projection.pin(), slicer)).toBe(projectionDigest(driver.projection));
    expect(slicer.pauses).toBeGreaterThan(10);
  });

  it('a reset while writing fails the write instead of mixing two streams', async () => {
    const driver = replay(events);
    const written = writeCheckpoint(driver.projection.pin(), {
      stream: STREAM,
      streamCreated: CREATED,
      rulesVersion: REDUCER_RULES_VERSION,
    });
    const iterator = written.bytes[Symbol.asyncIterator]();
    await iterator.next();
    driver.projection.reset();
    await expect(
      (async () => {
        for (let r = await iterator.next(); !r.done; r = await iterator.next());
      })(),
    ).rejects.toThrow(/reset/);
    await expect(written.stats).rejects.toThrow(/reset/);
  });
});

describe('sortInSlices', () => {
  it('sorts like Array.prototype.sort, yielding between slices', async () => {
    const items = takeEvents(3000, { seed: 3 }).map((e) => String(e.event['id']));
    const slicer = new TimeSlicer(0, 1);
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    expect(await sortInSlices(items, cmp, slicer)).toEqual([...items].sort(cmp));
    expect(slicer.pauses).toBeGreaterThan(0);
  });
});

describe('an unusable checkpoint is refused with its reason', () => {
  const source = replay(history(1500, 11));
  const projection = source.projection;
  let good: Buffer;
  const bytes = async () => (good ??= await checkpointBytes(projection));
  const refused = async (data: Uint8Array, expect_: CheckpointExpectations = expectations(projection)) => {
    const error = await load(data, expect_).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CheckpointUnusable);
    return (error as Error).message;
  };

  it('accepts the untouched checkpoint (the cases below each change one thing)', async () => {
    expect(projectionDigest(await load(await bytes(), expectations(projection)))).toBe(projectionDigest(projection));
  });

  it('another stream: recreated under the same name', async () => {
    expect(await refused(await bytes(), expectations(projection, { streamCreated: '2026-12-05T00:00:00Z' }))).toMatch(
      /deleted and recreated/,
    );
  });

  it('another stream name', async () => {
    expect(await refused(await bytes(), expectations(projection, { stream: 'OTHER' }))).toMatch(/stream CELLOS_EVENTS/);
  });

  it('older rules', async () => {
    const older = await checkpointBytes(projection, REDUCER_RULES_VERSION - 1);
    expect(await refused(older)).toMatch(/rules version/);
  });

  it('cursor past the stream last seq', async () => {
    expect(await refused(await bytes(), expectations(projection, { streamLastSeq: projection.cursor - 1 }))).toMatch(
      /past the stream's last seq/,
    );
  });

  it('cursor before the stream first seq minus one', async () => {
    expect(await refused(await bytes(), expectations(projection, { streamFirstSeq: projection.cursor + 2 }))).toMatch(
      /before the stream's first seq/,
    );
    // first seq = cursor + 1 is fine: nothing after the cursor was lost.
    await load(await bytes(), expectations(projection, { streamFirstSeq: projection.cursor + 1 }));
  });

  it('another dedup window size', async () => {
    expect(await refused(await bytes(), expectations(projection, { dedupCapacity: DEDUP + 1 }))).toMatch(
      /dedup window/,
    );
  });

  it('truncated (compressed bytes cut)', async () => {
    const data = await bytes();
    expect(await refused(data.subarray(0, Math.floor(data.length * 0.6)))).toMatch(/corrupt|truncated/);
  });

  it('truncated (whole lines missing, valid gzip)', async () => {
    expect(await refused(edit(await bytes(), (lines) => lines.splice(-1, 1), false))).toMatch(/truncated/);
  });

  it('corrupted compressed bytes', async () => {
    const data = Buffer.from(await bytes());
    data[Math.floor(data.length / 2)]! ^= 0xff;
    expect(await refused(data)).toMatch(/corrupt|checksum/);
  });

  it('altered content with the old checksum', async () => {
    const altered = edit(
      await bytes(),
      (lines) => {
        const block = lines.findIndex(isCellBlock);
        lines[block] = lines[block]!.replace(/"(running|destroyed|pending)"/, '"pending"').replace(
          '"pending"',
          '"running"',
        );
      },
      false,
    );
    expect(await refused(altered)).toMatch(/checksum mismatch/);
  });

  it('altered content with a matching checksum: the digest catches it', async () => {
    const altered = edit(await bytes(), (lines) => {
      // The last cell's eventCount: the last value of a block's last column.
      const index = lines.findIndex(isCellBlock);
      lines[index] = lines[index]!.replace(/,(\d+)\]\]$/, (_m, n) => `,${Number(n) + 1}]]`);
    });
    expect(await refused(altered)).toMatch(/digest mismatch/);
  });

  it('an altered timeline with a matching checksum: the digest catches it', async () => {
    const altered = edit(await bytes(), (lines) => {
      // The last line before the trailer is the timeline's last: cut one record's link to its previous event.
      const [seqDeltas, backLinks] = JSON.parse(lines.at(-2)!) as [number[], number[]];
      backLinks[backLinks.findIndex((back) => back > 0)] = 0;
      lines[lines.length - 2] = JSON.stringify([seqDeltas, backLinks]);
    });
    expect(await refused(altered)).toMatch(/digest mismatch/);
  });

  it('a timeline entry past the cursor', async () => {
    const altered = edit(await bytes(), (lines) => {
      const [seqDeltas, backLinks] = JSON.parse(lines.at(-2)!) as [number[], number[]];
      seqDeltas[seqDeltas.length - 1]! += 1000;
      lines[lines.length - 2] = JSON.stringify([seqDeltas, backLinks]);
    });
    expect(await refused(altered)).toMatch(/past the cursor/);
  });

  it('data after the trailer', async () => {
    expect(await refused(edit(await bytes(), (lines) => lines.push('{}'), false))).toMatch(/after the trailer/);
  });

  it('not a checkpoint at all', async () => {
    expect(await refused(gzipSync('hello\n'))).toMatch(/not JSON|not a cellgraph checkpoint/);
    expect(await refused(Buffer.from('plain bytes'))).toMatch(/corrupt/);
  });
});
