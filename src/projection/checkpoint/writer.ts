// Writes a pinned projection out as a checkpoint, in slices that leave the event loop to ingest and queries.
import { createHash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
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

/**
 * Lines are written into two reused buffers of this size, each hashed and handed to gzip whole, and refilled
 * once gzip has consumed it: the write allocates no buffer per chunk and no string large enough for V8's
 * large-object space (over 128 KB), whose growth (and that of external memory) starts full collections of the
 * whole heap, which stall the event loop for as long as marking a 1M-cell heap takes.
 */
const CHUNK_BYTES = 64 * 1024;

/**
 * The checkpoint of `pin` as gzip bytes, produced as they are read (the
 * reader, an object store upload, sets the pace: gzip holds a chunk's
 * callback while its output is unread). The pin is released when the bytes
 * end or fail; `stats` settles then. Nothing is copied but the pin's
 * references: each record is serialised from the pinned version when its
 * turn comes, and the event loop is handed back every `sliceMs`.
 */
export function writeCheckpoint(
  pin: ProjectionPin,
  identity: CheckpointIdentity,
  options: CheckpointWriteOptions = {},
): { bytes: Readable; stats: Promise<CheckpointWriteStats> } {
  const slicer = new TimeSlicer(options.sliceMs ?? 2);
  const started = performance.now();
  // Output in 64 KB pieces: fewer, larger buffers for the upload to pack.
  const gzip = createGzip({ level: options.gzipLevel ?? 4, chunkSize: 64 * 1024 });
  const stats = (async () => {
    try {
      const sink = new ChunkSink(gzip);
      const digest = await writeLines(pin, identity, slicer, options.now?.() ?? new Date(), sink);
      await new Promise<void>((resolve, reject) => {
        gzip.once('error', reject);
        gzip.end(resolve);
      });
      slicer.endSlice();
      return {
        cursor: pin.state.cursor,
        cells: pin.state.cellCount,
        formations: pin.state.formationCount,
        rawBytes: sink.rawBytes,
        longestSliceMs: slicer.longestSliceMs,
        durationMs: performance.now() - started,
        digest,
      };
    } catch (error) {
      gzip.destroy(error as Error);
      throw error;
    } finally {
      pin.release();
    }
  })();
  stats.catch(() => undefined);
  return { bytes: gzip, stats };
}

/**
 * Text into two alternating CHUNK_BYTES buffers: a full one is hashed (the
 * checksum covers the uncompressed bytes) and written to gzip while the
 * other fills; a buffer is refilled only after gzip's callback for it, which
 * zlib gives once the input is consumed and the output side has room.
 */
class ChunkSink {
  private readonly buffers = [Buffer.allocUnsafeSlow(CHUNK_BYTES), Buffer.allocUnsafeSlow(CHUNK_BYTES)];
  private readonly written: (Promise<void> | undefined)[] = [undefined, undefined];
  private current = 0;
  private offset = 0;
  private readonly sha = createHash('sha256');
  private sealed = false;
  rawBytes = 0;

  constructor(private readonly out: Writable) {}

  /** Appends `text`; resolves at once unless a full buffer had to wait for gzip. */
  async put(text: string): Promise<void> {
    const length = Buffer.byteLength(text);
    if (length > CHUNK_BYTES - this.offset) await this.flush();
    if (length > CHUNK_BYTES) {
      // Rare (a large formation document): its own buffer.
      const big = Buffer.from(text);
      if (!this.sealed) this.sha.update(big);
      this.rawBytes += length;
      await this.write(big);
      return;
    }
    this.buffers[this.current]!.write(text, this.offset, length, 'utf8');
    this.offset += length;
  }

  /** Hands the filled part on and waits until the other buffer is free to fill. */
  async flush(): Promise<void> {
    if (this.offset === 0) return;
    const chunk = this.buffers[this.current]!.subarray(0, this.offset);
    if (!this.sealed) this.sha.update(chunk);
    this.rawBytes += this.offset;
    const written = this.write(chunk);
    written.catch(() => undefined);
    this.written[this.current] = written;
    this.current ^= 1;
    this.offset = 0;
    await this.written[this.current];
  }

  /** The SHA-256 of everything put so far (call after `drain`); what is put afterwards (the trailer) is not hashed. */
  seal(): string {
    this.sealed = true;
    return this.sha.digest('hex');
  }

  /** Waits for both buffers: everything put so far is in gzip. */
  async drain(): Promise<void> {
    await this.flush();
    await this.written[0];
    await this.written[1];
  }

  private write(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.out.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
}

/** `values` as JSON without building one string of all of them: pieces of `per` values, same bytes. */
async function putArray(sink: ChunkSink, values: readonly unknown[], per = 1024): Promise<void> {
  if (values.length <= per) return sink.put(JSON.stringify(values));
  for (let start = 0; start < values.length; start += per) {
    const piece = JSON.stringify(values.slice(start, start + per));
    await sink.put(`${start === 0 ? '[' : ','}${piece.slice(1, -1)}`);
  }
  await sink.put(']');
}

async function writeLines(
  pin: ProjectionPin,
  identity: CheckpointIdentity,
  slicer: TimeSlicer,
  writtenAt: Date,
  sink: ChunkSink,
): Promise<string> {
  const { state } = pin;
  const line = (value: unknown): Promise<void> => sink.put(`${JSON.stringify(value)}\n`);
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
  await line(header);
  const checkpointState: CheckpointState = {
    counts: { ...state.counts },
    skippedByType: state.skippedByType.map(([type, count]) => [type, count]),
    rejections: [...state.rejections],
    droppedFieldCount: state.droppedFieldCount,
    fieldDrops: [...state.fieldDrops],
  };
  await line(checkpointState);
  for (let start = 0; start < state.dedupIds.length; start += DEDUP_IDS_PER_LINE) {
    await putArray(sink, state.dedupIds.slice(start, start + DEDUP_IDS_PER_LINE));
    await sink.put('\n');
    if (slicer.due()) await pauseChecked();
  }
  const digest = new RecordDigest();
  // A block is encoded in a few slices' worth of small steps, then written a column at a time (the whole is ~130 KB).
  const block: CellRecord[] = [];
  for (let start = 0; start < cellOrder.length; start += CELLS_PER_BLOCK) {
    block.length = 0;
    for (let i = start; i < Math.min(start + CELLS_PER_BLOCK, cellOrder.length); i++) {
      const cell = pin.cellAt(cellOrder[i]!);
      digest.cell(cell);
      block.push(cell);
      if (slicer.due()) await pauseChecked();
    }
    const columns = cellsToBlock(block);
    for (let c = 0; c < columns.length; c++) await sink.put(`${c === 0 ? '[' : ','}${JSON.stringify(columns[c])}`);
    await sink.put(']\n');
    if (slicer.due()) await pauseChecked();
  }
  block.length = 0;
  for (const formation of await pinnedFormationsById(pin, slicer)) {
    digest.formation(formation);
    await line(formationToRow(formation));
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
    await sink.put(`[${JSON.stringify(seqDeltas)},${JSON.stringify(backLinks)}]\n`);
    if (slicer.due(64)) await pauseChecked();
  }
  for (const _ of digest.timeline(timeline, state.timelineLength)) if (slicer.due(64)) await pauseChecked();
  checkValid();
  await sink.drain();
  // The trailer vouches for everything before it: not once the projection was reset under the pin.
  checkValid();
  const digestHex = digest.finish(state.counts);
  await sink.put(`${JSON.stringify({ end: { sha256: sink.seal(), digest: digestHex } })}\n`);
  await sink.drain();
  return digestHex;
}
