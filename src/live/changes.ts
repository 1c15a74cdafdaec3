import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellDelta, CellField, CellRecord } from '../projection/records.js';

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
  /** The delta's own field list until a second delta coalesces into this entry; then the union. */
  changed: readonly CellField[] | Set<CellField>;
  /** Whether more than one delta was merged into this entry. */
  merged: boolean;
  /**
   * The messages of the latest delta, shared with other subscribers: as is
   * while the entry holds one delta; once several coalesced, the merged
   * message is shared by subscribers that merged the same run of deltas
   * (same first seq), which is the same change for each of them.
   */
  shared: DeltaMessages | undefined;
  /** Seq of the first delta merged into this entry. */
  readonly firstSeq: number;
  /** A message handed over as is while nothing merges into it (see CoalescingQueue.hold). */
  message?: CellChange | undefined;
}

/** Kind of a change for a subscriber whose view did (not) hold the cell; null when it never concerns it. */
export function changeKind(wasMatching: boolean, nowMatching: boolean): ChangeKind | null {
  if (wasMatching) return nowMatching ? 'UPDATED' : 'REMOVED';
  return nowMatching ? 'ADDED' : null;
}

/**
 * The messages one delta can become, created once by the hub (lazily, per
 * kind) and handed to every subscriber whose pending entry for the cell is
 * that delta alone. Subscribers that keep up therefore receive the very
 * same message objects, which lets the GraphQL layer execute a message once
 * per group of identical subscriptions (see sharedSubscriptions.ts).
 * Messages are frozen: nobody may write into a shared one.
 */
export class DeltaMessages {
  private readonly byKind: Partial<Record<ChangeKind, CellChange>> = {};
  private merged: Map<string, CellChange> | undefined;

  constructor(readonly delta: CellDelta) {}

  get(kind: ChangeKind): CellChange {
    let message = this.byKind[kind];
    if (!message) {
      message = Object.freeze({ kind, seq: this.delta.seq, cell: this.delta.after, changed: this.delta.changed });
      this.byKind[kind] = message;
    }
    return message;
  }

  /**
   * The change for a subscriber that merged every delta of this cell from
   * `firstSeq` up to this one: the fields are the union over that run of
   * deltas, the same for every subscriber that merged it, so the first to
   * ask builds it (`changed`) and the others share it.
   */
  getMerged(kind: ChangeKind, firstSeq: number, changed: () => readonly CellField[]): CellChange {
    const key = `${kind}:${firstSeq}`;
    this.merged ??= new Map();
    let message = this.merged.get(key);
    if (!message) {
      message = Object.freeze({ kind, seq: this.delta.seq, cell: this.delta.after, changed: Object.freeze(changed()) });
      this.merged.set(key, message);
    }
    return message;
  }
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
  offer(delta: CellDelta, shared?: DeltaMessages): boolean {
    const nowMatching = this.matches(delta.after);
    const existing = this.pending.get(delta.after.id);
    if (existing) {
      this.pending.delete(delta.after.id);
      this.coalesced += 1;
      if (changeKind(existing.wasMatching, nowMatching) === null) return false;
      const changed = existing.changed instanceof Set ? existing.changed : new Set(existing.changed);
      for (const field of delta.changed) changed.add(field);
      existing.changed = changed;
      existing.record = delta.after;
      existing.seq = delta.seq;
      existing.shared = shared;
      existing.merged = true;
      existing.message = undefined;
      this.pending.set(delta.after.id, existing);
      return true;
    }
    const wasMatching = delta.before !== null && this.matches(delta.before);
    if (changeKind(wasMatching, nowMatching) === null) return false;
    this.pending.set(delta.after.id, {
      wasMatching,
      record: delta.after,
      seq: delta.seq,
      changed: delta.changed,
      shared,
      firstSeq: delta.seq,
      merged: false,
    });
    return true;
  }

  /**
   * Puts a change the subscriber was about to receive back as pending, at
   * the back: later deltas of its cell merge into it as into any entry.
   * Call it in seq order, before offering deltas after it.
   */
  hold(change: CellChange): void {
    this.pending.delete(change.cell.id);
    this.pending.set(change.cell.id, {
      wasMatching: change.kind !== 'ADDED',
      record: change.cell,
      seq: change.seq,
      changed: change.changed,
      shared: undefined,
      firstSeq: change.seq,
      merged: false,
      message: change,
    });
  }

  /** Removes and returns the oldest pending change. */
  take(): CellChange | undefined {
    const first = this.pending.entries().next();
    if (first.done) return undefined;
    const [id, entry] = first.value;
    this.pending.delete(id);
    if (entry.message) return entry.message;
    const kind = changeKind(entry.wasMatching, this.matches(entry.record))!;
    if (entry.shared)
      return entry.merged
        ? entry.shared.getMerged(kind, entry.firstSeq, () => [...entry.changed])
        : entry.shared.get(kind);
    return { kind, seq: entry.seq, cell: entry.record, changed: [...entry.changed] };
  }
}
