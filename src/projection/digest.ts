import { createHash, type Hash } from 'node:crypto';
import type { Projection, ProjectionCounts, ProjectionPin } from './projection.js';
import type { CellRecord, FormationRecord } from './records.js';
import { sortInSlices, type Yielder } from './sorted.js';
import type { TimelineLog } from './timelineLog.js';

/**
 * A SHA-256 over every record (cells and formations, in id order), the
 * timeline log (which events belong to which record: a checkpoint-booted
 * replica must answer timelines like a full replay) and the counts. Two replicas at the same cursor must give the same digest: anyone
 * can compare replicas, or a replica with a fresh replay, with one query.
 */
export function projectionDigest(projection: Projection): string {
  const hash = createHash('sha256');
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const id of [...projection.cells.keys()].sort(byId)) hashCell(hash, projection.cells.get(id)!);
  hash.update(FORMATIONS_SEPARATOR);
  for (const id of [...projection.formations.keys()].sort(byId)) hashFormation(hash, projection.formations.get(id)!);
  hashTimeline(hash, projection.timeline, projection.timeline.length);
  return finish(hash, projection.counts);
}

const FORMATIONS_SEPARATOR = '--formations--\n';

function hashCell(hash: Hash, cell: CellRecord): void {
  hash.update(JSON.stringify(cell)).update('\n');
}

function hashFormation(hash: Hash, formation: FormationRecord): void {
  hash.update(JSON.stringify(formation)).update('\n');
}

const TIMELINE_SEPARATOR = '--timeline--\n';

/** The log's bytes (Float64 seqs, Uint32 links), chunk by chunk: cheap, it is a few typed arrays. */
function hashTimeline(hash: Hash, timeline: TimelineLog, length: number): void {
  hash.update(TIMELINE_SEPARATOR);
  for (const view of timeline.byteViews(length)) hash.update(view);
}

function finish(hash: Hash, counts: ProjectionCounts): string {
  return hash.update(JSON.stringify(counts)).digest('hex');
}

/**
 * The same digest as `projectionDigest`, of a pinned projection, computed in
 * slices that yield to the event loop: a checkpoint records the digest at its
 * cursor while ingest and queries go on.
 */
export async function pinnedDigest(pin: ProjectionPin, slicer: Yielder): Promise<string> {
  const { cellCount, formationCount, counts } = pin.state;
  const hash = createHash('sha256');
  // Positions sorted by id: a sort of references, not a copy of the records.
  const cellIds = new Array<string>(cellCount);
  const cellPositions = new Array<number>(cellCount);
  for (let i = 0; i < cellCount; i++) {
    cellIds[i] = pin.cellAt(i).id;
    cellPositions[i] = i;
    if (slicer.due()) await slicer.pause();
  }
  const byCellId = (a: number, b: number) => (cellIds[a]! < cellIds[b]! ? -1 : cellIds[a]! > cellIds[b]! ? 1 : 0);
  for (const position of await sortInSlices(cellPositions, byCellId, slicer)) {
    hashCell(hash, pin.cellAt(position));
    if (slicer.due()) await slicer.pause();
  }
  hash.update(FORMATIONS_SEPARATOR);
  const formations = Array.from({ length: formationCount }, (_, i) => pin.formationAt(i));
  const byFormationId = (a: FormationRecord, b: FormationRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const formation of await sortInSlices(formations, byFormationId, slicer)) {
    hashFormation(hash, formation);
    if (slicer.due()) await slicer.pause();
  }
  hash.update(TIMELINE_SEPARATOR);
  for (const view of pin.timeline.byteViews(pin.state.timelineLength)) {
    hash.update(view);
    if (slicer.due()) await slicer.pause();
  }
  return finish(hash, counts);
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
