import type { CellPredicate } from '../projection/cellFilter.js';
import { ALL_CELL_FIELDS } from '../projection/cellReducer.js';
import type { CellRecord } from '../projection/records.js';
import type { CellChange } from './changes.js';

export type CatchUpMode = 'snapshot' | 'changes';

/**
 * Catch-up messages shared by every catch-up, keyed by the record they
 * carry. Why: after a deploy every dashboard reconnects within seconds and
 * asks for the same snapshot, each at a slightly later cursor, so each gets
 * a catch-up of its own; a catch-up message depends only on the record and
 * its kind, so the same record sent to all of them is one message object,
 * executed and serialised once for all (sharedSubscriptions.ts,
 * sharedFrames.ts). Bounded, oldest built first out: a message keeps its
 * execution result and frame alive, and records of a large projection held
 * whole would hold gigabytes; 32,768 covers a 15k-cell snapshot read by
 * subscribers at different places in it.
 */
export class CatchUpMessages {
  private readonly byRecord = new Map<CellRecord, CellChange>();

  constructor(private readonly limit = 32_768) {}

  of(kind: CellChange['kind'], cell: CellRecord): CellChange {
    const cached = this.byRecord.get(cell);
    if (cached !== undefined && cached.kind === kind) return cached;
    const message: CellChange = Object.freeze({ kind, seq: cell.lastSeq, cell, changed: ALL_CELL_FIELDS });
    // Another kind (a changes catch-up's UPDATED or REMOVED) replaces the entry: a record mostly goes out as one kind.
    if (cached !== undefined) this.byRecord.delete(cell);
    this.byRecord.set(cell, message);
    if (this.byRecord.size > this.limit) this.byRecord.delete(this.byRecord.keys().next().value!);
    return message;
  }

  get size(): number {
    return this.byRecord.size;
  }
}

const byLastSeq = (a: CellRecord, b: CellRecord) => a.lastSeq - b.lastSeq;

/**
 * What a cell subscription replays before SYNCED, taken at one cursor: a
 * snapshot (every matching cell) or the cells changed since `since`
 * (REMOVED for those that no longer match), ordered by lastSeq so every
 * message is a resume point.
 *
 * Records are immutable, so a catch-up is an array of record references
 * captured at a cursor: subscriptions of the same group asking at the same
 * cursor share it (the hub keeps it), and a group's next snapshot is built
 * from its last one (`advance`: only the cells changed since are looked at
 * and sorted), so a reconnect storm costs a scan per subscription, not a
 * sort of every matching cell. Each subscriber keeps only its position.
 */
export class CatchUp {
  private constructor(
    /** Cells to replay, ordered by lastSeq ascending, all with since < lastSeq <= syncedSeq. */
    readonly cells: readonly CellRecord[],
    /** snapshot: only matching cells (the client starts empty). changes: also REMOVED for non-matching ones. */
    readonly mode: CatchUpMode,
    readonly since: number,
    /** The projection cursor the catch-up was taken at. */
    readonly syncedSeq: number,
    readonly matches: CellPredicate,
    private readonly messages: CatchUpMessages,
  ) {}

  /** Nothing to replay: SYNCED at `cursor` comes at once. */
  static none(cursor: number, matches: CellPredicate): CatchUp {
    return new CatchUp([], 'changes', cursor, cursor, matches, new CatchUpMessages(0));
  }

  /**
   * Takes a catch-up at `cursor` from `candidates` (every cell the
   * subscriber could ever see): a snapshot keeps the matching ones, a
   * changes catch-up every one changed since `since`.
   */
  static take(
    candidates: Iterable<CellRecord>,
    matches: CellPredicate,
    mode: CatchUpMode,
    since: number,
    cursor: number,
    messages: CatchUpMessages = new CatchUpMessages(),
  ): CatchUp {
    const cells: CellRecord[] = [];
    for (const cell of candidates) {
      if (cell.lastSeq > since && (mode === 'changes' || matches(cell))) cells.push(cell);
    }
    cells.sort(byLastSeq);
    return new CatchUp(cells, mode, since, cursor, matches, messages);
  }

  /**
   * The snapshot at `cursor`, built from `base`, a snapshot of the same
   * predicate and candidates at an earlier cursor: the base's cells that
   * have not changed since keep their order, the changed ones that match
   * follow, sorted (all of them have a higher lastSeq). `candidates` must be
   * the same cells the base was taken from, at `cursor` now. Exact because
   * a predicate is a function of the record alone: a cell that did not
   * change since the base matches as it did then.
   */
  static advance(base: CatchUp, candidates: Iterable<CellRecord>, cursor: number): CatchUp {
    if (base.mode !== 'snapshot') throw new Error('only a snapshot advances');
    const after = base.syncedSeq;
    const changed: CellRecord[] = [];
    for (const cell of candidates) if (cell.lastSeq > after) changed.push(cell);
    if (changed.length === 0) return new CatchUp(base.cells, 'snapshot', 0, cursor, base.matches, base.messages);
    const moved = new Set<string>();
    for (const cell of changed) moved.add(cell.id);
    const cells: CellRecord[] = [];
    for (const cell of base.cells) if (!moved.has(cell.id)) cells.push(cell);
    const added = changed.filter(base.matches).sort(byLastSeq);
    for (const cell of added) cells.push(cell);
    return new CatchUp(cells, 'snapshot', 0, cursor, base.matches, base.messages);
  }

  get length(): number {
    return this.cells.length;
  }

  /** The message for the cell at `index`: one object per record and kind for every catch-up (CatchUpMessages). */
  message(index: number): CellChange {
    const cell = this.cells[index]!;
    const kind = !this.matches(cell)
      ? 'REMOVED'
      : this.mode === 'snapshot' || cell.firstSeq > this.since
        ? 'ADDED'
        : 'UPDATED';
    return this.messages.of(kind, cell);
  }
}
