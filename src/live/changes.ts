import type { CellDelta, CellField, CellRecord } from '../projection/records.js';
import type { CellPredicate } from '../projection/cellQuery.js';

/**
 * What a subscriber is told about one cell, relative to its filter: ADDED
 * when the cell starts matching, UPDATED while it matches, REMOVED when it
 * stops. Clients keep a view by upserting ADDED/UPDATED and deleting REMOVED.
 */
export type ChangeKind = 'ADDED' | 'UPDATED' | 'REMOVED';

export interface CellChange {
  kind: ChangeKind;
  seq: number;
  cell: CellRecord;
  changed: readonly CellField[];
}

interface PendingChange {
  /** Whether the subscriber's view holds the cell, as of its last delivered message. */
  readonly wasMatching: boolean;
  record: CellRecord;
  seq: number;
  changed: Set<CellField>;
}

/** Kind of a change for a subscriber whose view did (not) hold the cell; null when it never concerns it. */
export function changeKind(wasMatching: boolean, nowMatching: boolean): ChangeKind | null {
  if (wasMatching) return nowMatching ? 'UPDATED' : 'REMOVED';
  return nowMatching ? 'ADDED' : null;
}

/**
 * A subscriber's pending changes, at most one per cell. A delta for a cell
 * already pending replaces it with the latest state (changed fields merged)
 * and moves it to the back, so delivered seqs keep increasing. A slow
 * subscriber therefore holds memory bounded by the cells it watches, never
 * by the event rate, and always receives the latest state of each cell.
 */
export class CoalescingQueue {
  private readonly pending = new Map<string, PendingChange>();
  coalesced = 0;

  constructor(private readonly matches: CellPredicate) {}

  get size(): number {
    return this.pending.size;
  }

  /** Offers a projection delta; returns true when the queue holds something new for this subscriber. */
  offer(delta: CellDelta): boolean {
    const nowMatching = this.matches(delta.after);
    const existing = this.pending.get(delta.after.id);
    if (existing) {
      this.pending.delete(delta.after.id);
      this.coalesced += 1;
      if (changeKind(existing.wasMatching, nowMatching) === null) return false;
      for (const field of delta.changed) existing.changed.add(field);
      existing.record = delta.after;
      existing.seq = delta.seq;
      this.pending.set(delta.after.id, existing);
      return true;
    }
    const wasMatching = delta.before !== null && this.matches(delta.before);
    if (changeKind(wasMatching, nowMatching) === null) return false;
    this.pending.set(delta.after.id, { wasMatching, record: delta.after, seq: delta.seq, changed: new Set(delta.changed) });
    return true;
  }

  /** Removes and returns the oldest pending change. */
  take(): CellChange | undefined {
    const first = this.pending.entries().next();
    if (first.done) return undefined;
    const [id, entry] = first.value;
    this.pending.delete(id);
    const kind = changeKind(entry.wasMatching, this.matches(entry.record))!;
    return { kind, seq: entry.seq, cell: entry.record, changed: [...entry.changed] };
  }
}
