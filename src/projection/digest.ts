import { createHash } from 'node:crypto';
import type { Projection, ProjectionCounts, ProjectionPin } from './projection.js';
import type { CellRecord, FormationRecord } from './records.js';
import { sortInSlices, type Yielder } from './sorted.js';
import type { TimelineLog } from './timelineLog.js';

const FORMATIONS_SEPARATOR = '--formations--\n';
const TIMELINE_SEPARATOR = '--timeline--\n';
/** Record lines are hashed in pieces of about this many characters: one native call per record cost more than the hashing. */
const HASH_PIECE = 64 * 1024;

/**
 * The projection digest built part by part: every cell in id order, then
 * every formation in id order (each record's JSON and a newline), then the
 * timeline log's bytes (which events belong to which record: a
 * checkpoint-booted replica must answer timelines like a full replay), then
 * the counts. Two replicas at the same cursor give the same digest. The
 * caller guarantees the order (`projectionDigest` sorts; a checkpoint is
 * stored in this order and its loader checks it).
 */
export class RecordDigest {
  private readonly hash = createHash('sha256');
  private pending = '';
  private inFormations = false;

  cell(cell: CellRecord): void {
    this.add(JSON.stringify(cell));
  }

  formation(formation: FormationRecord): void {
    if (!this.inFormations) {
      this.inFormations = true;
      this.pending += FORMATIONS_SEPARATOR;
    }
    this.add(JSON.stringify(formation));
  }

  /** The first `length` entries of the log, after every record. */
  *timeline(timeline: TimelineLog, length: number): Generator<void> {
    if (!this.inFormations) this.pending += FORMATIONS_SEPARATOR;
    this.inFormations = true;
    this.hash.update(this.pending + TIMELINE_SEPARATOR);
    this.pending = '';
    for (const view of timeline.byteViews(length)) {
      this.hash.update(view);
      yield;
    }
  }

  finish(counts: ProjectionCounts): string {
    return this.hash.update(JSON.stringify(counts)).digest('hex');
  }

  private add(json: string): void {
    this.pending += `${json}\n`;
    if (this.pending.length >= HASH_PIECE) {
      this.hash.update(this.pending);
      this.pending = '';
    }
  }
}

const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A SHA-256 over every record (cells and formations, in id order) and the
 * counts. Two replicas at the same cursor must give the same digest: anyone
 * can compare replicas, or a replica with a fresh replay, with one query.
 */
export function projectionDigest(projection: Projection): string {
  const digest = new RecordDigest();
  for (const id of [...projection.cells.keys()].sort(byId)) digest.cell(projection.cells.get(id)!);
  for (const id of [...projection.formations.keys()].sort(byId)) digest.formation(projection.formations.get(id)!);
  for (const _ of digest.timeline(projection.timeline, projection.timeline.length));
  return digest.finish(projection.counts);
}

/** A pin's cell positions (first-seen order) sorted by cell id, in slices: a sort of numbers, not a copy of the records. */
export async function pinnedCellsById(pin: ProjectionPin, slicer: Yielder): Promise<number[]> {
  const { cellCount } = pin.state;
  const cellIds = new Array<string>(cellCount);
  const cellPositions = new Array<number>(cellCount);
  for (let i = 0; i < cellCount; i++) {
    cellIds[i] = pin.cellAt(i).id;
    cellPositions[i] = i;
    if (slicer.due()) await slicer.pause();
  }
  return sortInSlices(cellPositions, (a, b) => byId(cellIds[a]!, cellIds[b]!), slicer);
}

/** A pin's formations sorted by id, in slices. */
export async function pinnedFormationsById(pin: ProjectionPin, slicer: Yielder): Promise<FormationRecord[]> {
  const formations = Array.from({ length: pin.state.formationCount }, (_, i) => pin.formationAt(i));
  return sortInSlices(formations, (a, b) => byId(a.id, b.id), slicer);
}

/**
 * The same digest as `projectionDigest`, of a pinned projection, computed in
 * slices that yield to the event loop while ingest and queries go on.
 */
export async function pinnedDigest(pin: ProjectionPin, slicer: Yielder): Promise<string> {
  const digest = new RecordDigest();
  for (const position of await pinnedCellsById(pin, slicer)) {
    digest.cell(pin.cellAt(position));
    if (slicer.due()) await slicer.pause();
  }
  for (const formation of await pinnedFormationsById(pin, slicer)) {
    digest.formation(formation);
    if (slicer.due()) await slicer.pause();
  }
  for (const _ of digest.timeline(pin.timeline, pin.state.timelineLength)) if (slicer.due(64)) await slicer.pause();
  return digest.finish(pin.state.counts);
}

/** Caches the digest per cursor: it costs a pass over the projection, and readers tend to ask repeatedly. */
export class DigestCache {
  private cached: { cursor: number; digest: string; projection: Projection } | undefined;

  get(projection: Projection): string {
    if (this.cached?.cursor !== projection.cursor || this.cached.projection !== projection) {
      this.cached = { cursor: projection.cursor, digest: projectionDigest(projection), projection };
    }
    return this.cached.digest;
  }
}
