import type { DecodedEvent, DroppedField } from '../events/decode.js';
import { changedCellFields, reduceCell } from './cellReducer.js';
import { DedupWindow } from './dedupWindow.js';
import { changedFormationFields, reduceFormation } from './formationReducer.js';
import type {
  CellDelta,
  CellField,
  CellRecord,
  CellState,
  Delta,
  FormationDelta,
  FormationField,
  FormationRecord,
} from './records.js';
import { partitionPoint } from './sorted.js';

export interface Rejection {
  readonly seq: number;
  readonly reason: string;
}

/** An optional field dropped from an applied event (see DroppedField), with the event's seq. */
export interface FieldDrop {
  readonly seq: number;
  readonly field: string;
  readonly reason: string;
}

export type ApplyOutcome = 'applied' | 'duplicate' | 'skipped' | 'rejected';

export interface ProjectionCounts {
  applied: number;
  duplicates: number;
  skipped: number;
  rejected: number;
}

export interface ProjectionOptions {
  /** How many recent CloudEvent ids are remembered to drop re-published duplicates. */
  dedupWindow?: number;
  /** How many recent rejections (and, separately, dropped fields) are kept for `Query.projection`. */
  recentRejections?: number;
}

const MAX_SKIPPED_TYPES = 200;

/**
 * A cell delta whose changed-field list is computed on first read (and
 * remembered): while nobody subscribes, which is all of a boot replay, it is
 * never computed. Read like any CellDelta.
 */
class LazyCellDelta implements CellDelta {
  readonly entity = 'cell';
  private changedFields: readonly CellField[] | undefined = undefined;

  constructor(
    readonly seq: number,
    readonly before: CellRecord | null,
    readonly after: CellRecord,
  ) {}

  get changed(): readonly CellField[] {
    return (this.changedFields ??= changedCellFields(this.before, this.after));
  }
}

/** The formation counterpart of LazyCellDelta. */
class LazyFormationDelta implements FormationDelta {
  readonly entity = 'formation';
  private changedFields: readonly FormationField[] | undefined = undefined;

  constructor(
    readonly seq: number,
    readonly before: FormationRecord | null,
    readonly after: FormationRecord,
  ) {}

  get changed(): readonly FormationField[] {
    return (this.changedFields ??= changedFormationFields(this.before, this.after));
  }
}

/**
 * The in-memory read model: every cell and formation, the cursor (highest
 * seq applied) and the counts. `apply` is synchronous and does no I/O, so a
 * resolver always reads one consistent cursor.
 */
export class Projection {
  private readonly cellMap = new Map<string, CellRecord>();
  private readonly formationMap = new Map<string, FormationRecord>();
  /** Cell ids in first-seen order, with their firstSeq alongside for binary search. */
  private readonly cellOrder: string[] = [];
  private readonly cellOrderSeq: number[] = [];
  private readonly formationOrder: string[] = [];
  /** Cells of each formation, in first-seen order. */
  private readonly cellsByFormation = new Map<string, Set<string>>();
  private readonly stateCounts: Record<CellState, number> = { pending: 0, running: 0, destroyed: 0 };
  readonly counts: ProjectionCounts = { applied: 0, duplicates: 0, skipped: 0, rejected: 0 };
  readonly skippedByType = new Map<string, number>();
  private readonly rejections: Rejection[] = [];
  private readonly fieldDrops: FieldDrop[] = [];
  /** Optional fields dropped from applied events (kept apart from `counts`, whose shape clients and digests know). */
  droppedFieldCount = 0;
  private dedup: DedupWindow;
  private readonly maxRejections: number;
  cursor = 0;

  constructor(options: ProjectionOptions = {}) {
    this.dedup = new DedupWindow(options.dedupWindow ?? 100_000);
    this.maxRejections = options.recentRejections ?? 50;
  }

  /** Back to empty, cursor 0: the stream was replaced and everything is replayed. */
  reset(): void {
    this.cellMap.clear();
    this.formationMap.clear();
    this.cellOrder.length = 0;
    this.cellOrderSeq.length = 0;
    this.formationOrder.length = 0;
    this.cellsByFormation.clear();
    this.stateCounts.pending = this.stateCounts.running = this.stateCounts.destroyed = 0;
    this.counts.applied = this.counts.duplicates = this.counts.skipped = this.counts.rejected = 0;
    this.skippedByType.clear();
    this.rejections.length = 0;
    this.fieldDrops.length = 0;
    this.droppedFieldCount = 0;
    this.dedup = new DedupWindow(this.dedup.capacity);
    this.cursor = 0;
  }

  /**
   * Applies the event at `seq`. Returns the deltas it caused (none for a
   * duplicate, a skip or a rejection). Events at or below the cursor were
   * already applied and are ignored, which makes redelivery harmless.
   */
  apply(seq: number, event: DecodedEvent, out: Delta[] = []): ApplyOutcome | 'stale' {
    if (seq <= this.cursor) return 'stale';
    this.cursor = seq;
    switch (event.kind) {
      case 'rejected':
        this.reject(seq, event.reason);
        return 'rejected';
      case 'skipped': {
        this.counts.skipped += 1;
        const key =
          this.skippedByType.has(event.type) || this.skippedByType.size < MAX_SKIPPED_TYPES ? event.type : '(other)';
        this.skippedByType.set(key, (this.skippedByType.get(key) ?? 0) + 1);
        return 'skipped';
      }
      case 'cell': {
        if (this.dedup.checkAndRemember(event.id)) {
          this.counts.duplicates += 1;
          return 'duplicate';
        }
        const before = this.cellMap.get(event.cellId) ?? null;
        const after = reduceCell(before ?? undefined, event, seq);
        this.storeCell(before, after);
        this.counts.applied += 1;
        if (event.droppedFields !== undefined) this.noteDrops(seq, event.droppedFields);
        out.push(new LazyCellDelta(seq, before, after));
        return 'applied';
      }
      case 'formation': {
        if (this.dedup.checkAndRemember(event.id)) {
          this.counts.duplicates += 1;
          return 'duplicate';
        }
        const before = this.formationMap.get(event.formationId) ?? null;
        const after = reduceFormation(before ?? undefined, event, seq);
        if (before === null) this.formationOrder.push(after.id);
        this.formationMap.set(after.id, after);
        this.counts.applied += 1;
        if (event.droppedFields !== undefined) this.noteDrops(seq, event.droppedFields);
        out.push(new LazyFormationDelta(seq, before, after));
        return 'applied';
      }
    }
  }

  /** Counts a body that could not even be decoded (for example beyond max_payload). */
  reject(seq: number, reason: string): void {
    if (seq > this.cursor) this.cursor = seq;
    this.counts.rejected += 1;
    this.rejections.push({ seq, reason });
    if (this.rejections.length > this.maxRejections) this.rejections.shift();
  }

  // Counted only when the event applies: a re-published duplicate's fields are never used, so dropping them costs nothing.
  private noteDrops(seq: number, dropped: readonly DroppedField[]): void {
    for (const { field, reason } of dropped) {
      this.droppedFieldCount += 1;
      this.fieldDrops.push({ seq, field, reason });
      if (this.fieldDrops.length > this.maxRejections) this.fieldDrops.shift();
    }
  }

  /** Most recent dropped fields, newest first. */
  recentFieldDrops(): readonly FieldDrop[] {
    return [...this.fieldDrops].reverse();
  }

  /** Most recent rejections, newest first. */
  recentRejections(): readonly Rejection[] {
    return [...this.rejections].reverse();
  }

  // Read-only views: only `apply` and `reset` change the store, so every index stays in step with it.
  get cells(): ReadonlyMap<string, CellRecord> {
    return this.cellMap;
  }

  get formations(): ReadonlyMap<string, FormationRecord> {
    return this.formationMap;
  }

  get cellCount(): number {
    return this.cellMap.size;
  }

  cellIdsOfFormation(formationId: string): ReadonlySet<string> {
    return this.cellsByFormation.get(formationId) ?? new Set();
  }

  /** The cell at a position (0 = seen first) of first-seen order. */
  cellInFirstSeenOrder(position: number): CellRecord {
    return this.cellMap.get(this.cellOrder[position]!)!;
  }

  /**
   * How many cells were first seen before `seq` (or at it, when `inclusive`):
   * the position in first-seen order where a page after or before `seq` starts.
   */
  firstSeenRank(seq: number, inclusive: boolean): number {
    const seqs = this.cellOrderSeq;
    return partitionPoint(seqs.length, inclusive ? (i) => seqs[i]! <= seq : (i) => seqs[i]! < seq);
  }

  /** Every cell id in first-seen order (a copy). */
  cellIdsInFirstSeenOrder(): string[] {
    return [...this.cellOrder];
  }

  /** Every formation id in first-seen order (a copy). */
  formationIdsInFirstSeenOrder(): string[] {
    return [...this.formationOrder];
  }

  /** How many cells are in each state (a copy), kept as cells change so counting costs nothing. */
  cellCountsByState(): Record<CellState, number> {
    return { ...this.stateCounts };
  }

  private storeCell(before: CellRecord | null, after: CellRecord): void {
    this.cellMap.set(after.id, after);
    if (before === null) {
      this.cellOrder.push(after.id);
      this.cellOrderSeq.push(after.firstSeq);
    } else {
      this.stateCounts[before.state] -= 1;
    }
    this.stateCounts[after.state] += 1;
    if (before?.formationId !== after.formationId) {
      if (before?.formationId) this.cellsByFormation.get(before.formationId)?.delete(after.id);
      if (after.formationId) {
        let members = this.cellsByFormation.get(after.formationId);
        if (!members) this.cellsByFormation.set(after.formationId, (members = new Set()));
        members.add(after.id);
      }
    }
  }
}
