// Loads a checkpoint into a fresh projection, refusing anything a full replay of this stream would not have built.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { RECORD_FIELDS } from '../cellReducer.js';
import { projectionDigest } from '../digest.js';
import { FORMATION_FIELDS } from '../formationReducer.js';
import type { Projection } from '../projection.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointHeader,
  type CheckpointState,
  CheckpointUnusable,
  checkpointHeaderSchema,
  checkpointStateSchema,
  checkpointTrailerSchema,
  DEDUP_IDS_PER_LINE,
  rowToCell,
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
  let header: CheckpointHeader | undefined;
  let state: CheckpointState | undefined;
  let trailer: { sha256: string; digest: string } | undefined;
  const dedupIds: string[] = [];
  let dedupLines = 0;
  let cellsLoaded = 0;
  let formationsLoaded = 0;
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
    if (cellsLoaded < header.cells) {
      projection.restoreCell(rowToCell(parseLine(text, 'a cell row')));
      cellsLoaded += 1;
      return;
    }
    if (formationsLoaded < header.formations) {
      projection.restoreFormation(rowToFormation(parseLine(text, 'a formation row')));
      formationsLoaded += 1;
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

  const gunzip = createGunzip();
  // A read error of the source destroys gunzip with it, which ends the loop below with that error.
  pipeline(Readable.from(bytes), gunzip).catch(() => undefined);
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const buffer = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
      let start = 0;
      for (let end = buffer.indexOf(10, start); end !== -1; end = buffer.indexOf(10, start)) {
        onLine(buffer.toString('utf8', start, end));
        // Every line but the trailer (always the last: onLine refuses more) is covered by the checksum.
        if (trailer === undefined) sha.update(buffer.subarray(start, end + 1));
        start = end + 1;
      }
      rest = buffer.subarray(start);
      if (header) onProgress({ cursor: header.cursor, cells: header.cells, cellsLoaded });
    }
  } catch (error) {
    gunzip.destroy();
    if (error instanceof CheckpointUnusable) throw error;
    throw new CheckpointUnusable(`corrupt: ${(error as Error).message}`);
  }
  if (!header || !state || !trailer || rest.length > 0) throw new CheckpointUnusable('truncated');
  if (timelineLoaded !== header.timeline) throw new CheckpointUnusable('corrupt: timeline entries miscounted');
  if (sha.digest('hex') !== trailer.sha256) throw new CheckpointUnusable('checksum mismatch');
  if (state.counts.applied + state.counts.duplicates + state.counts.skipped + state.counts.rejected > header.cursor)
    throw new CheckpointUnusable('corrupt: more events counted than the cursor');
  projection.restoreState({
    cursor: header.cursor,
    counts: state.counts,
    skippedByType: state.skippedByType,
    rejections: state.rejections,
    droppedFieldCount: state.droppedFieldCount,
    fieldDrops: state.fieldDrops,
    dedupIds,
  });
  const digest = projectionDigest(projection);
  if (digest !== trailer.digest)
    throw new CheckpointUnusable(`digest mismatch: recorded ${trailer.digest}, loaded ${digest}`);
  return { header, digest };
}
