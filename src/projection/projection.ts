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
import { TenantIndex } from './tenantIndex.js';
import { TimelineLog, type TimelineSeqs } from './timelineLog.js';

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

/** The small parts of a projection at one cursor, copied when it is pinned. */
export interface PinnedState {
  readonly cursor: number;
  readonly cellCount: number;
  readonly formationCount: number;
  readonly counts: Readonly<ProjectionCounts>;
  readonly skippedByType: readonly (readonly [string, number])[];
  /** Oldest first. */
  readonly rejections: readonly Rejection[];
  readonly droppedFieldCount: number;
  /** Oldest first. */
  readonly fieldDrops: readonly FieldDrop[];
  readonly dedupCapacity: number;
  /** The dedup window's ids in arrival order, oldest first. */
  readonly dedupIds: readonly string[];
  /** Entries of the timeline log at the cursor (the log only grows, so the pin reads this prefix). */
  readonly timelineLength: number;
}

/**
 * The projection as it was at `state.cursor`, readable while later events
 * are applied. The first time a later event replaces a record that existed
 * at the pin's cursor, the projection hands the old version to `keepCell` /
 * `keepFormation`; reads return it instead of the current one. Records
 * created after the cursor lie past `cellCount` in first-seen order and are
 * never read. A reset (stream replaced) invalidates every pin.
 */
export class ProjectionPin {
  private readonly keptCells = new Map<string, CellRecord>();
  private readonly keptFormations = new Map<string, FormationRecord>();
  private valid = true;

  constructor(
    readonly state: PinnedState,
    private readonly currentCellAt: (position: number) => CellRecord,
    private readonly currentFormationAt: (position: number) => FormationRecord,
    /** The projection's timeline log: read its first `state.timelineLength` entries only. */
    readonly timeline: TimelineLog,
    private readonly onRelease: (pin: ProjectionPin) => void,
  ) {}

  /** False once the projection was reset under the pin: what it reads is gone. */
  get isValid(): boolean {
    return this.valid;
  }

  /** How many records changed since the pin's cursor are kept for it. */
  get keptCount(): number {
    return this.keptCells.size + this.keptFormations.size;
  }

  /** The cell at a first-seen position (< state.cellCount), as it was at the pin's cursor. */
  cellAt(position: number): CellRecord {
    if (!this.valid) throw new Error('pin read after the projection was reset');
    const current = this.currentCellAt(position);
    return this.keptCells.get(current.id) ?? current;
  }

  formationAt(position: number): FormationRecord {
    if (!this.valid) throw new Error('pin read after the projection was reset');
    const current = this.currentFormationAt(position);
    return this.keptFormations.get(current.id) ?? current;
  }

  keepCell(before: CellRecord): void {
    if (before.firstSeq <= this.state.cursor && !this.keptCells.has(before.id)) this.keptCells.set(before.id, before);
  }

  keepFormation(before: FormationRecord): void {
    if (before.firstSeq <= this.state.cursor && !this.keptFormations.has(before.id))
      this.keptFormations.set(before.id, before);
  }

  invalidate(): void {
    this.valid = false;
    this.keptCells.clear();
    this.keptFormations.clear();
  }

  release(): void {
    this.onRelease(this);
    this.keptCells.clear();
    this.keptFormations.clear();
  }
}

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
  // Not readonly only so that `adopt` can take over a loaded projection's state in one step.
  private cellMap = new Map<string, CellRecord>();
  private formationMap = new Map<string, FormationRecord>();
  /** Cell ids in first-seen order, with their firstSeq alongside for binary search. */
  private cellOrder: string[] = [];
  private cellOrderSeq: number[] = [];
  private formationOrder: string[] = [];
  /** Cells of each formation (no reader depends on the order within a set). */
  private cellsByFormation = new Map<string, Set<string>>();
  /** Cells of each tenant in first-seen order, with their counts by state (replaced only by `adopt`). */
  private tenantIndex = new TenantIndex();
  /** Every applied event's seq, linked per record: the timelines (CellRecord.events, Formation.events). */
  private timelineLog = new TimelineLog();
  private stateCounts: Record<CellState, number> = { pending: 0, running: 0, destroyed: 0 };
  readonly counts: ProjectionCounts = { applied: 0, duplicates: 0, skipped: 0, rejected: 0 };
  readonly skippedByType = new Map<string, number>();
  private rejections: Rejection[] = [];
  private fieldDrops: FieldDrop[] = [];
  /** Optional fields dropped from applied events (kept apart from `counts`, whose shape clients and digests know). */
  droppedFieldCount = 0;
  private dedup: DedupWindow;
  private readonly maxRejections: number;
  /** Pins being read (a checkpoint being written): they keep the records they need as later events replace them. */
  private readonly pins = new Set<ProjectionPin>();
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
    this.tenantIndex.clear();
    this.timelineLog = new TimelineLog();
    this.stateCounts.pending = this.stateCounts.running = this.stateCounts.destroyed = 0;
    this.counts.applied = this.counts.duplicates = this.counts.skipped = this.counts.rejected = 0;
    this.skippedByType.clear();
    this.rejections.length = 0;
    this.fieldDrops.length = 0;
    this.droppedFieldCount = 0;
    this.dedup = new DedupWindow(this.dedup.capacity);
    this.cursor = 0;
    for (const pin of this.pins) pin.invalidate();
    this.pins.clear();
  }

  /** How many CloudEvent ids the dedup window remembers. */
  get dedupCapacity(): number {
    return this.dedup.capacity;
  }

  /**
   * Pins the state at the current cursor so it can be read over many turns
   * of the event loop while events keep being applied (a checkpoint being
   * written). Costs a copy of the small parts (counts, recent rejections, the
   * dedup window's ids); records are immutable, so for them the pin only keeps
   * the version at its cursor of those that change meanwhile. Release it when done.
   */
  pin(): ProjectionPin {
    const pin = new ProjectionPin(
      {
        cursor: this.cursor,
        cellCount: this.cellOrder.length,
        formationCount: this.formationOrder.length,
        counts: { ...this.counts },
        skippedByType: [...this.skippedByType],
        rejections: [...this.rejections],
        droppedFieldCount: this.droppedFieldCount,
        fieldDrops: [...this.fieldDrops],
        dedupCapacity: this.dedup.capacity,
        dedupIds: this.dedup.ids(),
        timelineLength: this.timelineLog.length,
      },
      (position) => this.cellMap.get(this.cellOrder[position]!)!,
      (position) => this.formationMap.get(this.formationOrder[position]!)!,
      this.timelineLog,
      (released) => this.pins.delete(released),
    );
    this.pins.add(pin);
    return pin;
  }

  /**
   * Fills an empty projection from a checkpoint's parts, in the order the
   * parts were pinned (cells and formations in first-seen order). Only the
   * checkpoint loader calls these, on a projection nobody reads yet.
   */
  restoreCell(cell: CellRecord): void {
    if (this.cellMap.has(cell.id)) throw new Error(`cell ${cell.id} restored twice`);
    this.storeCell(null, cell);
  }

  /** `cells[order[0]]`, `cells[order[1]]`, … restored in that (first-seen) order: one pass, one map operation per cell. */
  restoreCells(cells: readonly CellRecord[], order: ArrayLike<number>): void {
    const before = this.cellMap.size;
    for (let i = 0; i < order.length; i++) this.storeCell(null, cells[order[i]!]!);
    if (this.cellMap.size !== before + order.length) throw new Error('a cell restored twice');
  }

  restoreFormation(formation: FormationRecord): void {
    if (this.formationMap.has(formation.id)) throw new Error(`formation ${formation.id} restored twice`);
    this.formationOrder.push(formation.id);
    this.formationMap.set(formation.id, formation);
  }

  /** Appends a timeline entry: `previous` is the index of the record's previous entry, or -1. */
  restoreTimelineEntry(seq: number, previous: number): void {
    this.timelineLog.appendEntry(seq, previous);
  }

  restoreState(state: Omit<PinnedState, 'cellCount' | 'formationCount' | 'dedupCapacity' | 'timelineLength'>): void {
    this.cursor = state.cursor;
    Object.assign(this.counts, state.counts);
    for (const [type, count] of state.skippedByType) this.skippedByType.set(type, count);
    this.rejections = state.rejections.slice(-this.maxRejections);
    this.droppedFieldCount = state.droppedFieldCount;
    this.fieldDrops = state.fieldDrops.slice(-this.maxRejections);
    for (const id of state.dedupIds) this.dedup.checkAndRemember(id);
  }

  /** Takes over everything `loaded` holds (a projection restored from a checkpoint), in one step. */
  adopt(loaded: Projection): void {
    if (loaded.dedup.capacity !== this.dedup.capacity)
      throw new Error('adopting a projection with another dedup window');
    this.reset();
    this.cellMap = loaded.cellMap;
    this.formationMap = loaded.formationMap;
    this.cellOrder = loaded.cellOrder;
    this.cellOrderSeq = loaded.cellOrderSeq;
    this.formationOrder = loaded.formationOrder;
    this.cellsByFormation = loaded.cellsByFormation;
    this.tenantIndex = loaded.tenantIndex;
    this.timelineLog = loaded.timelineLog;
    this.stateCounts = loaded.stateCounts;
    Object.assign(this.counts, loaded.counts);
    for (const [type, count] of loaded.skippedByType) this.skippedByType.set(type, count);
    this.rejections = loaded.rejections;
    this.droppedFieldCount = loaded.droppedFieldCount;
    this.fieldDrops = loaded.fieldDrops;
    this.dedup = loaded.dedup;
    this.cursor = loaded.cursor;
  }

  /**
   * Applies the event at `seq`. Pushes the deltas it caused onto `out`
   * (none for a duplicate, a skip or a rejection); without `out` none are
   * built (nobody listens: a boot replay). Events at or below the cursor were
   * already applied and are ignored, which makes redelivery harmless.
   */
  apply(seq: number, event: DecodedEvent, out?: Delta[]): ApplyOutcome | 'stale' {
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
        this.timelineLog.append(seq, before?.lastSeq ?? null);
        this.storeCell(before, after);
        this.counts.applied += 1;
        if (event.droppedFields !== undefined) this.noteDrops(seq, event.droppedFields);
        out?.push(new LazyCellDelta(seq, before, after));
        return 'applied';
      }
      case 'formation': {
        if (this.dedup.checkAndRemember(event.id)) {
          this.counts.duplicates += 1;
          return 'duplicate';
        }
        const before = this.formationMap.get(event.formationId) ?? null;
        const after = reduceFormation(before ?? undefined, event, seq);
        this.timelineLog.append(seq, before?.lastSeq ?? null);
        if (before === null) this.formationOrder.push(after.id);
        else if (this.pins.size !== 0) for (const pin of this.pins) pin.keepFormation(before);
        this.formationMap.set(after.id, after);
        this.counts.applied += 1;
        if (event.droppedFields !== undefined) this.noteDrops(seq, event.droppedFields);
        out?.push(new LazyFormationDelta(seq, before, after));
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

  get tenants(): TenantIndex {
    return this.tenantIndex;
  }

  /**
   * The applied events of a cell or formation (by its record's lastSeq),
   * oldest first, seq above `after`, at most `first`. Rejected events and
   * dropped duplicates were never applied, so they are not in it.
   */
  timelineOf(record: { readonly lastSeq: number }, after: number, first: number): TimelineSeqs {
    return this.timelineLog.read(record.lastSeq, after, first);
  }

  /** The timeline log (read-only use: the digest hashes it, the benchmark weighs it). */
  get timeline(): TimelineLog {
    return this.timelineLog;
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
    if (before !== null && this.pins.size !== 0) for (const pin of this.pins) pin.keepCell(before);
    this.cellMap.set(after.id, after);
    if (before === null) {
      this.cellOrder.push(after.id);
      this.cellOrderSeq.push(after.firstSeq);
    } else {
      this.stateCounts[before.state] -= 1;
    }
    this.stateCounts[after.state] += 1;
    this.tenantIndex.update(before, after);
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
