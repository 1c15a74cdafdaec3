// Writes a pinned projection out as a checkpoint, in slices that leave the event loop to ingest and queries.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { TimeSlicer } from '../../util/timeSlicer.js';
import { RECORD_FIELDS } from '../cellReducer.js';
import { pinnedCellsById, pinnedFormationsById, RecordDigest } from '../digest.js';
import { FORMATION_FIELDS } from '../formationReducer.js';
import type { ProjectionPin } from '../projection.js';
import type { CellRecord } from '../records.js';
import {
  CELLS_PER_BLOCK,
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointHeader,
  type CheckpointState,
  cellsToBlock,
  DEDUP_IDS_PER_LINE,
  formationToRow,
  TIMELINE_ENTRIES_PER_LINE,
} from './format.js';

export interface CheckpointIdentity {
  stream: string;
  /** The stream's `created` time. */
  streamCreated: string;
  rulesVersion: number;
}

export interface CheckpointWriteStats {
  cursor: number;
  cells: number;
  formations: number;
  /** Uncompressed bytes. */
  rawBytes: number;
  /** The longest the writer held the event loop in one go. */
  longestSliceMs: number;
  durationMs: number;
  digest: string;
}

export interface CheckpointWriteOptions {
  /** How long a slice of work may hold the event loop. */
  sliceMs?: number;
  /** gzip level: the compression runs on libuv's thread pool, not the event loop. */
  gzipLevel?: number;
  now?: () => Date;
}

/** Lines are grouped into chunks of about this size before they are hashed and handed on. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The checkpoint of `pin` as gzip bytes, produced as they are read (the
 * reader, an object store upload, sets the pace). The pin is released when
 * the bytes end or fail; `stats` settles then. Nothing is copied but the
 * pin's references: each record is serialised from the pinned version when
 * its turn comes, and the event loop is handed back every `sliceMs`.
 */
export function writeCheckpoint(
  pin: ProjectionPin,
  identity: CheckpointIdentity,
  options: CheckpointWriteOptions = {},
): { bytes: Readable; stats: Promise<CheckpointWriteStats> } {
  const slicer = new TimeSlicer(options.sliceMs ?? 2);
  let settle!: { resolve: (s: CheckpointWriteStats) => void; reject: (e: unknown) => void };
  const stats = new Promise<CheckpointWriteStats>((resolve, reject) => (settle = { resolve, reject }));
  stats.catch(() => undefined);
  const started = performance.now();
  const source = Readable.from(
    (async function* () {
      try {
        const { rawBytes, digest } = yield* checkpointLines(pin, identity, slicer, options.now?.() ?? new Date());
        slicer.endSlice();
        settle.resolve({
          cursor: pin.state.cursor,
          cells: pin.state.cellCount,
          formations: pin.state.formationCount,
          rawBytes,
          longestSliceMs: slicer.longestSliceMs,
          durationMs: performance.now() - started,
          digest,
        });
      } catch (error) {
        settle.reject(error);
        throw error;
      } finally {
        pin.release();
      }
    })(),
    { objectMode: false },
  );
  const gzip = createGzip({ level: options.gzipLevel ?? 4 });
  pipeline(source, gzip).catch((error) => settle.reject(error));
  return { bytes: gzip, stats };
}

async function* checkpointLines(
  pin: ProjectionPin,
  identity: CheckpointIdentity,
  slicer: TimeSlicer,
  writtenAt: Date,
): AsyncGenerator<Buffer, { rawBytes: number; digest: string }> {
  const sha = createHash('sha256');
  const { state } = pin;
  let pending: string[] = [];
  let pendingLength = 0;
  let rawBytes = 0;
  const take = (): Buffer => {
    const chunk = Buffer.from(pending.join(''));
    pending = [];
    pendingLength = 0;
    sha.update(chunk);
    rawBytes += chunk.length;
    return chunk;
  };
  const line = (value: unknown): boolean => {
    const text = `${JSON.stringify(value)}\n`;
    pending.push(text);
    pendingLength += text.length;
    return pendingLength >= CHUNK_BYTES;
  };
  const checkValid = () => {
    if (!pin.isValid) throw new Error('the projection was reset while its checkpoint was written');
  };
  const pauseChecked = async () => {
    await slicer.pause();
    checkValid();
  };

  // Records go out in id order, the digest's order: the digest is hashed as they are written.
  const cellOrder = await pinnedCellsById(pin, slicer);
  checkValid();
  const header: CheckpointHeader = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_FORMAT_VERSION,
    rulesVersion: identity.rulesVersion,
    stream: identity.stream,
    streamCreated: identity.streamCreated,
    cursor: state.cursor,
    cells: state.cellCount,
    cellBlocks: Math.ceil(state.cellCount / CELLS_PER_BLOCK),
    formations: state.formationCount,
    dedupCapacity: state.dedupCapacity,
    dedupIds: state.dedupIds.length,
    timeline: state.timelineLength,
    cellFields: [...RECORD_FIELDS],
    formationFields: [...FORMATION_FIELDS],
    writtenAt: writtenAt.toISOString(),
  };
  line(header);
  const checkpointState: CheckpointState = {
    counts: { ...state.counts },
    skippedByType: state.skippedByType.map(([type, count]) => [type, count]),
    rejections: [...state.rejections],
    droppedFieldCount: state.droppedFieldCount,
    fieldDrops: [...state.fieldDrops],
  };
  line(checkpointState);
  for (let start = 0; start < state.dedupIds.length; start += DEDUP_IDS_PER_LINE) {
    if (line(state.dedupIds.slice(start, start + DEDUP_IDS_PER_LINE))) yield take();
    if (slicer.due()) await pauseChecked();
  }
  const digest = new RecordDigest();
  // A block is encoded in a few slices' worth of small steps, then stringified in one go (~100 KB).
  const block: CellRecord[] = [];
  for (let start = 0; start < cellOrder.length; start += CELLS_PER_BLOCK) {
    block.length = 0;
    for (let i = start; i < Math.min(start + CELLS_PER_BLOCK, cellOrder.length); i++) {
      const cell = pin.cellAt(cellOrder[i]!);
      digest.cell(cell);
      block.push(cell);
      if (slicer.due()) await pauseChecked();
    }
    if (line(cellsToBlock(block))) yield take();
    if (slicer.due()) await pauseChecked();
  }
  block.length = 0;
  for (const formation of await pinnedFormationsById(pin, slicer)) {
    digest.formation(formation);
    if (line(formationToRow(formation))) yield take();
    if (slicer.due()) await pauseChecked();
  }
  // The log only grows, so its first timelineLength entries are what it held at the pin's cursor.
  const { timeline } = pin;
  let previousSeq = 0;
  for (let start = 0; start < state.timelineLength; start += TIMELINE_ENTRIES_PER_LINE) {
    const end = Math.min(state.timelineLength, start + TIMELINE_ENTRIES_PER_LINE);
    const seqDeltas = new Array<number>(end - start);
    const backLinks = new Array<number>(end - start);
    for (let i = start; i < end; i++) {
      const seq = timeline.seqAt(i);
      seqDeltas[i - start] = seq - previousSeq;
      previousSeq = seq;
      const previous = timeline.previousOf(i);
      backLinks[i - start] = previous < 0 ? 0 : i - previous;
    }
    if (line([seqDeltas, backLinks])) yield take();
    if (slicer.due(64)) await pauseChecked();
  }
  for (const _ of digest.timeline(timeline, state.timelineLength)) if (slicer.due(64)) await pauseChecked();
  checkValid();
  if (pendingLength > 0) yield take();
  // The trailer vouches for everything before it: not once the projection was reset under the pin.
  checkValid();
  const digestHex = digest.finish(state.counts);
  const trailer = `${JSON.stringify({ end: { sha256: sha.digest('hex'), digest: digestHex } })}\n`;
  yield Buffer.from(trailer);
  return { rawBytes: rawBytes + trailer.length, digest: digestHex };
}
