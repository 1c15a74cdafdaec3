// Loads a checkpoint into a fresh projection, refusing anything a full replay of this stream would not have built.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { RECORD_FIELDS } from '../cellReducer.js';
import { RecordDigest } from '../digest.js';
import { FORMATION_FIELDS } from '../formationReducer.js';
import type { Projection } from '../projection.js';
import type { CellRecord, FormationRecord } from '../records.js';
import {
  blockToCells,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointHeader,
  type CheckpointState,
  CheckpointUnusable,
  checkpointHeaderSchema,
  checkpointStateSchema,
  checkpointTrailerSchema,
  DEDUP_IDS_PER_LINE,
  rowToFormation,
  TIMELINE_ENTRIES_PER_LINE,
} from './format.js';

/** What the checkpoint must match: the stream as it is now, and this build's rules and settings. */
export interface CheckpointExpectations {
  stream: string;
  streamCreated: string;
  streamFirstSeq: number;
  streamLastSeq: number;
  rulesVersion: number;
  dedupCapacity: number;
}

export interface CheckpointLoadProgress {
  cursor: number;
  cells: number;
  cellsLoaded: number;
}

/**
 * Why `header` can't be used with `expect`, or null. Checked before the body
 * is read, so a checkpoint of another stream or rules costs one line.
 */
export function headerMismatch(header: CheckpointHeader, expect: CheckpointExpectations): string | null {
  if (header.version !== CHECKPOINT_FORMAT_VERSION)
    return `format version ${header.version}, this build reads ${CHECKPOINT_FORMAT_VERSION}`;
  if (header.rulesVersion !== expect.rulesVersion)
    return `written under rules version ${header.rulesVersion}, this build applies ${expect.rulesVersion}`;
  if (header.stream !== expect.stream) return `checkpoint of stream ${header.stream}, not ${expect.stream}`;
  if (header.streamCreated !== expect.streamCreated)
    return `checkpoint of a stream created ${header.streamCreated}; the stream now was created ${expect.streamCreated} (deleted and recreated)`;
  if (header.cursor > expect.streamLastSeq)
    return `cursor ${header.cursor} is past the stream's last seq ${expect.streamLastSeq}`;
  if (header.cursor < expect.streamFirstSeq - 1)
    return `cursor ${header.cursor} is before the stream's first seq ${expect.streamFirstSeq}: events after it are gone`;
  if (header.dedupCapacity !== expect.dedupCapacity)
    return `dedup window of ${header.dedupCapacity} ids, configured ${expect.dedupCapacity}`;
  if (header.cellFields.join() !== RECORD_FIELDS.join() || header.formationFields.join() !== FORMATION_FIELDS.join())
    return 'record fields differ from this build';
  return null;
}

function parseLine(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckpointUnusable(`corrupt: ${what} is not JSON`);
  }
}

/**
 * Reads gzip checkpoint bytes into `projection` (fresh and empty, nobody
 * reading it). Throws CheckpointUnusable with the reason when the checkpoint
 * belongs to another stream or rules, is truncated or altered (SHA-256 over
 * its bytes), or does not give the digest it recorded.
 */
export async function readCheckpoint(
  bytes: AsyncIterable<Uint8Array>,
  expect: CheckpointExpectations,
  projection: Projection,
  onProgress: (progress: CheckpointLoadProgress) => void = () => {},
): Promise<{ header: CheckpointHeader; digest: string }> {
  if (projection.cursor !== 0 || projection.cellCount !== 0)
    throw new Error('readCheckpoint needs an empty projection');
  const sha = createHash('sha256');
  const digest = new RecordDigest();
  let header: CheckpointHeader | undefined;
  let state: CheckpointState | undefined;
  let trailer: { sha256: string; digest: string } | undefined;
  const dedupIds: string[] = [];
  let dedupLines = 0;
  let cellBlocks = 0;
  // Records as read (id order, checked as they come), restored in first-seen order once all are read.
  const cells: CellRecord[] = [];
  const formations: FormationRecord[] = [];
  let lastId = '';
  let timelineLines = 0;
  let timelineLoaded = 0;
  let timelineSeq = 0;

  const onLine = (text: string): void => {
    if (trailer) throw new CheckpointUnusable('corrupt: data after the trailer');
    if (!header) {
      const parsed = checkpointHeaderSchema.safeParse(parseLine(text, 'the header'));
      if (!parsed.success) throw new CheckpointUnusable('not a cellgraph checkpoint (bad header)');
      header = parsed.data;
      const mismatch = headerMismatch(header, expect);
      if (mismatch) throw new CheckpointUnusable(mismatch);
      dedupLines = Math.ceil(header.dedupIds / DEDUP_IDS_PER_LINE);
      cellBlocks = header.cellBlocks;
      timelineLines = Math.ceil(header.timeline / TIMELINE_ENTRIES_PER_LINE);
      return;
    }
    if (!state) {
      const parsed = checkpointStateSchema.safeParse(parseLine(text, 'the state line'));
      if (!parsed.success) throw new CheckpointUnusable('corrupt: bad state line');
      state = parsed.data;
      return;
    }
    if (dedupLines > 0) {
      const ids = parseLine(text, 'a dedup line');
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string'))
        throw new CheckpointUnusable('corrupt: bad dedup line');
      for (const id of ids) dedupIds.push(id);
      dedupLines -= 1;
      return;
    }
    if (cellBlocks > 0) {
      for (const cell of blockToCells(parseLine(text, 'a cell block'))) {
        // Strictly increasing ids: the digest's order, and no cell twice.
        if (!(cell.id > lastId || (cells.length === 0 && cell.id === lastId)))
          throw new CheckpointUnusable('corrupt: cells out of id order');
        lastId = cell.id;
        digest.cell(cell);
        cells.push(cell);
      }
      cellBlocks -= 1;
      if (cellBlocks === 0) lastId = '';
      return;
    }
    if (formations.length < header.formations) {
      const formation = rowToFormation(parseLine(text, 'a formation row'));
      if (!(formation.id > lastId || (formations.length === 0 && formation.id === lastId)))
        throw new CheckpointUnusable('corrupt: formations out of id order');
      lastId = formation.id;
      digest.formation(formation);
      formations.push(formation);
      return;
    }
    if (timelineLines > 0) {
      restoreTimelineLine(parseLine(text, 'a timeline line'));
      timelineLines -= 1;
      return;
    }
    const parsed = checkpointTrailerSchema.safeParse(parseLine(text, 'the trailer'));
    if (!parsed.success) throw new CheckpointUnusable('corrupt: bad trailer');
    trailer = parsed.data.end;
  };

  /** One line of [seq deltas, back links] into the log: seqs ascend up to the cursor, links point back. */
  const restoreTimelineLine = (entries: unknown): void => {
    if (
      !Array.isArray(entries) ||
      entries.length !== 2 ||
      !Array.isArray(entries[0]) ||
      !Array.isArray(entries[1]) ||
      entries[0].length !== entries[1].length
    )
      throw new CheckpointUnusable('corrupt: bad timeline line');
    const [seqDeltas, backLinks] = entries as [unknown[], unknown[]];
    for (let i = 0; i < seqDeltas.length; i++) {
      const delta = seqDeltas[i];
      const back = backLinks[i];
      const index = timelineLoaded;
      if (
        typeof delta !== 'number' ||
        !Number.isInteger(delta) ||
        delta < 1 ||
        typeof back !== 'number' ||
        !Number.isInteger(back) ||
        back < 0 ||
        back > index
      )
        throw new CheckpointUnusable('corrupt: bad timeline entry');
      timelineSeq += delta;
      if (timelineSeq > header!.cursor) throw new CheckpointUnusable('corrupt: a timeline entry past the cursor');
      projection.restoreTimelineEntry(timelineSeq, back === 0 ? -1 : index - back);
      timelineLoaded += 1;
    }
  };

  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  // A read error of the source destroys gunzip with it, which ends the loop below with that error.
  pipeline(Readable.from(bytes), gunzip).catch(() => undefined);
  // The start of a line not ended yet: the chunks it spans (a cell block spans several), joined once it ends.
  let partial: Buffer[] = [];
  let partialLength = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
        let line: Buffer;
        if (partialLength === 0) line = chunk.subarray(start, end + 1);
        else {
          partial.push(chunk.subarray(start, end + 1));
          line = Buffer.concat(partial, partialLength + end + 1 - start);
          partial = [];
          partialLength = 0;
        }
        onLine(line.toString('utf8', 0, line.length - 1));
        // Every line but the trailer (always the last: onLine refuses more) is covered by the checksum.
        if (trailer === undefined) sha.update(line);
        start = end + 1;
      }
      if (start < chunk.length) {
        partial.push(chunk.subarray(start));
        partialLength += chunk.length - start;
      }
      if (header) onProgress({ cursor: header.cursor, cells: header.cells, cellsLoaded: cells.length });
    }
  } catch (error) {
    gunzip.destroy();
    if (error instanceof CheckpointUnusable) throw error;
    throw new CheckpointUnusable(`corrupt: ${(error as Error).message}`);
  }
  if (!header || !state || !trailer || partialLength > 0) throw new CheckpointUnusable('truncated');
  if (timelineLoaded !== header.timeline) throw new CheckpointUnusable('corrupt: timeline entries miscounted');
  if (sha.digest('hex') !== trailer.sha256) throw new CheckpointUnusable('checksum mismatch');
  if (cells.length !== header.cells || formations.length !== header.formations)
    throw new CheckpointUnusable('corrupt: record counts differ from the header');
  if (state.counts.applied + state.counts.duplicates + state.counts.skipped + state.counts.rejected > header.cursor)
    throw new CheckpointUnusable('corrupt: more events counted than the cursor');
  // The digest of exactly the records restored below and the log restored above, with the counts restored with them.
  for (const _ of digest.timeline(projection.timeline, projection.timeline.length));
  const loadedDigest = digest.finish(state.counts);
  if (loadedDigest !== trailer.digest)
    throw new CheckpointUnusable(`digest mismatch: recorded ${trailer.digest}, loaded ${loadedDigest}`);
  projection.restoreCells(cells, firstSeenOrder(cells));
  for (const position of firstSeenOrder(formations)) projection.restoreFormation(formations[position]!);
  projection.restoreState({
    cursor: header.cursor,
    counts: state.counts,
    skippedByType: state.skippedByType,
    rejections: state.rejections,
    droppedFieldCount: state.droppedFieldCount,
    fieldDrops: state.fieldDrops,
    dedupIds,
  });
  return { header, digest: loadedDigest };
}

/** Positions fit in this many bits of a sort key: firstSeq × 2^POSITION_BITS + position. */
const POSITION_BITS = 21;

/**
 * Positions of `records` by firstSeq: the order they were first seen in (a
 * record is first seen at its own event, so no two share a firstSeq). Each
 * record becomes one number, firstSeq × 2^21 + position, exact while it is
 * below 2^53 (seqs below 2^32, under 2M records); a typed array of those
 * sorts natively without a comparator call per step (a few times faster
 * than sorting positions by a comparator), and the positions are the low bits.
 */
export function firstSeenOrder(records: readonly { firstSeq: number }[]): Uint32Array {
  const n = records.length;
  const order = new Uint32Array(n);
  let maxSeq = 0;
  for (let i = 0; i < n; i++) maxSeq = Math.max(maxSeq, records[i]!.firstSeq);
  if (n < 2 ** POSITION_BITS && maxSeq < 2 ** 32) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = records[i]!.firstSeq * 2 ** POSITION_BITS + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i]! % 2 ** POSITION_BITS;
    return order;
  }
  const seqs = new Float64Array(n);
  for (let i = 0; i < n; i++) seqs[i] = records[i]!.firstSeq;
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort((a, b) => seqs[a]! - seqs[b]! || a - b);
}
