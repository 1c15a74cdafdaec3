import type { CellRowFragment } from './generated/graphql.js';

/**
 * The live table's state, free of I/O: the cells a `cellBatches`
 * subscription has delivered, kept by upserting ADDED/UPDATED and deleting
 * REMOVED, and a sorted view of them, kept up to date incrementally: a read
 * after a few changes moves only those rows (binary search and splice; an
 * update that keeps its place is replaced where it is), so a render at
 * 100,000 cells costs what its changes cost, not a pass over every row. A
 * large batch (the snapshot) is merged in one linear pass.
 */
export type CellRow = CellRowFragment;

export type SortField = 'firstSeq' | 'lastSeq' | 'id' | 'state' | 'specId' | 'tenantId' | 'startedAt' | 'destroyedAt';
export type SortDirection = 'asc' | 'desc';
export interface CellSort {
  field: SortField;
  direction: SortDirection;
}

export const defaultSort: CellSort = { field: 'firstSeq', direction: 'asc' };

/** Compares two cells by one field, nulls last in either direction, the id breaking ties so the order is total. */
export function compareCells(sort: CellSort): (a: CellRow, b: CellRow) => number {
  const { field } = sort;
  const sign = sort.direction === 'asc' ? 1 : -1;
  return (a, b) => {
    const x = a[field];
    const y = b[field];
    if (x !== y) {
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * sign;
    }
    return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
  };
}

export type CellChangeKind = 'ADDED' | 'UPDATED' | 'REMOVED';

/**
 * Up to this many changed rows, or one in 256 of the view if more, are
 * moved one by one; more are merged in one pass over the view. A move is a
 * binary search (and in place when the row keeps its place, as most updates
 * do in the default order), so at 100,000 rows a render that is a few
 * hundred events late still costs its changes, not a pass over every row.
 */
const SPLICE_LIMIT = 64;

export class CellStore {
  private readonly rows = new Map<string, CellRow>();
  /** Every cell not in `pending`, in `viewSort` order, as the object that is current in `rows`. */
  private view: CellRow[] = [];
  private viewSort: CellSort = defaultSort;
  private compare = compareCells(defaultSort);
  /** Cells changed since the last read, with the object the view holds for them (undefined: not in the view). */
  private pending = new Map<string, CellRow | undefined>();
  /** Bumped on every change: the UI re-renders when it moves. */
  version = 0;

  get size(): number {
    return this.rows.size;
  }

  get(id: string): CellRow | undefined {
    return this.rows.get(id);
  }

  apply(kind: CellChangeKind, id: string, cell: CellRow | null | undefined): void {
    const removal = kind === 'REMOVED' || !cell;
    if (removal && !this.rows.has(id)) return;
    // Until its first change since the last read, a cell's current object is the one the view holds.
    if (!this.pending.has(id)) this.pending.set(id, this.rows.get(id));
    if (removal) this.rows.delete(id);
    else this.rows.set(id, cell);
    this.version++;
  }

  clear(): void {
    this.rows.clear();
    this.view = [];
    this.pending.clear();
    this.version++;
  }

  /** All cells in `sort` order; the same array, updated in place, while the sort stays. */
  sorted(sort: CellSort): readonly CellRow[] {
    if (sort.field !== this.viewSort.field || sort.direction !== this.viewSort.direction) {
      this.viewSort = sort;
      this.compare = compareCells(sort);
      this.view = [...this.rows.values()].sort(this.compare);
      this.pending.clear();
    } else if (this.pending.size > Math.max(SPLICE_LIMIT, this.view.length >>> 8)) this.mergePending();
    else if (this.pending.size > 0) this.splicePending();
    return this.view;
  }

  /** Index of the first row not before `row` (its own index when the view holds it). */
  private lowerBound(row: CellRow): number {
    let low = 0;
    let high = this.view.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.compare(this.view[mid]!, row) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private splicePending(): void {
    const view = this.view;
    for (const [id, old] of this.pending) {
      const current = this.rows.get(id);
      if (old) {
        const at = this.lowerBound(old);
        const keepsPlace =
          current !== undefined &&
          (at === 0 || this.compare(view[at - 1]!, current) < 0) &&
          (at === view.length - 1 || this.compare(current, view[at + 1]!) < 0);
        if (keepsPlace) {
          view[at] = current;
          continue;
        }
        view.splice(at, 1);
      }
      if (current) view.splice(this.lowerBound(current), 0, current);
    }
    this.pending.clear();
  }

  private mergePending(): void {
    const pending = this.pending;
    const kept = this.view.filter((row) => !pending.has(row.id));
    const fresh: CellRow[] = [];
    for (const id of pending.keys()) {
      const current = this.rows.get(id);
      if (current) fresh.push(current);
    }
    fresh.sort(this.compare);
    const merged: CellRow[] = new Array(kept.length + fresh.length);
    let k = 0;
    let f = 0;
    for (let out = 0; out < merged.length; out++) {
      merged[out] =
        f >= fresh.length || (k < kept.length && this.compare(kept[k]!, fresh[f]!) < 0) ? kept[k++]! : fresh[f++]!;
    }
    this.view = merged;
    pending.clear();
  }
}
