// Which applied events belong to which cell or formation: the index behind CellRecord.events and Formation.events.
import { partitionPoint } from './sorted.js';

/** Entries per chunk: chunks are never copied as the log grows, and at most one is partly empty. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** A record's events, oldest first, from a timeline read. */
export interface TimelineSeqs {
  /** At most the `first` asked for, oldest first. */
  readonly seqs: number[];
  /** More of the record's events follow the last one. */
  readonly hasMore: boolean;
}

/**
 * One append-only log of every applied cell and formation event: its seq,
 * and a link to the previous applied event of the same record. Nothing is
 * kept per record: a record's `lastSeq` is the seq of its newest entry
 * (every applied event sets it), found by binary search because seqs
 * ascend; the links walk back from there. 12 bytes per applied event
 * (a Float64 seq, exact past 2^32, and a Uint32 link), in fixed chunks.
 *
 * Entries are never changed once appended, so a pin reads the prefix that
 * existed at its cursor while later events are appended.
 */
export class TimelineLog {
  private seqChunks: Float64Array[] = [];
  /** Index + 1 of the previous entry of the same record; 0 for a record's first. */
  private linkChunks: Uint32Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  seqAt(index: number): number {
    return this.seqChunks[index >>> CHUNK_BITS]![index & MASK]!;
  }

  /** Index of the previous entry of the same record, or -1. */
  previousOf(index: number): number {
    return this.linkChunks[index >>> CHUNK_BITS]![index & MASK]! - 1;
  }

  /**
   * Appends the applied event at `seq` (above every seq in the log) of a
   * record whose previous applied event was at `previousSeq` (null for the
   * record's first event).
   */
  append(seq: number, previousSeq: number | null): void {
    const previous = previousSeq === null ? -1 : this.indexOf(previousSeq);
    if (previousSeq !== null && previous < 0) throw new Error(`timeline: no entry for seq ${previousSeq}`);
    this.appendEntry(seq, previous);
  }

  /** Appends an entry whose link is already known (a checkpoint being loaded). */
  appendEntry(seq: number, previous: number): void {
    const index = this.size;
    if (index > 0 && seq <= this.seqAt(index - 1)) throw new Error(`timeline: seq ${seq} is not ascending`);
    if (previous >= index) throw new Error('timeline: a link must point back');
    if ((index & MASK) === 0) {
      this.seqChunks.push(new Float64Array(CHUNK));
      this.linkChunks.push(new Uint32Array(CHUNK));
    }
    this.seqChunks[index >>> CHUNK_BITS]![index & MASK] = seq;
    this.linkChunks[index >>> CHUNK_BITS]![index & MASK] = previous + 1;
    this.size = index + 1;
  }

  /**
   * Index of the entry at `seq`, or -1. Entries hold distinct ascending
   * seqs, so the entry of `seq` is at most (last seq - seq) entries from
   * the end: the search covers that window only, a few probes for a record
   * that changed recently, which is what `append` asks for.
   */
  indexOf(seq: number, length = this.size): number {
    if (length === 0) return -1;
    const last = this.seqAt(length - 1);
    if (seq > last) return -1;
    const lo = Math.max(0, length - 1 - (last - seq));
    const found = lo + partitionPoint(length - lo, (i) => this.seqAt(lo + i) < seq);
    return found < length && this.seqAt(found) === seq ? found : -1;
  }

  /**
   * The events of the record whose newest entry is at `lastSeq`, with seq
   * above `after`, oldest first, at most `first`. Walks back from the newest,
   * so it costs the number of the record's events after `after`.
   */
  read(lastSeq: number, after: number, first: number): TimelineSeqs {
    const newestFirst: number[] = [];
    for (let i = this.indexOf(lastSeq); i >= 0; i = this.previousOf(i)) {
      const seq = this.seqAt(i);
      if (seq <= after) break;
      newestFirst.push(seq);
    }
    const oldestFirst = newestFirst.reverse();
    return { seqs: oldestFirst.slice(0, first), hasMore: oldestFirst.length > first };
  }

  /**
   * The first `length` entries as byte views (seqs, then links), chunk by
   * chunk: what the digest hashes. A shorter last view when `length` ends
   * inside a chunk.
   */
  *byteViews(length = this.size): Generator<Uint8Array> {
    for (let start = 0; start < length; start += CHUNK) {
      const count = Math.min(CHUNK, length - start);
      const seqs = this.seqChunks[start >>> CHUNK_BITS]!;
      const links = this.linkChunks[start >>> CHUNK_BITS]!;
      yield new Uint8Array(seqs.buffer, seqs.byteOffset, count * 8);
      yield new Uint8Array(links.buffer, links.byteOffset, count * 4);
    }
  }

  /** Bytes held (chunks are allocated whole). */
  get bytes(): number {
    return this.seqChunks.length * CHUNK * 12;
  }
}
