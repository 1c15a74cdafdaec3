import type { CellRowFragment } from './generated/graphql.js';

/**
 * The live table's state, free of I/O: the cells a `cellBatches`
 * subscription has delivered, kept by upserting ADDED/UPDATED and deleting
 * REMOVED, and a sorted view of them. The view is recomputed lazily and from
 * the previous order: V8's sort (TimSort) is close to linear on an almost
 * sorted array, so re-sorting 100,000 rows after a few hundred changes costs
 * a few milliseconds, not a full sort.
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

export class CellStore {
  private readonly rows = new Map<string, CellRow>();
  private view: CellRow[] = [];
  private viewSort: CellSort = defaultSort;
  /** Rows changed or added since the view was built, and whether any was removed. */
  private added: CellRow[] = [];
  private removed = false;
  private changedInPlace = false;
  /** Bumped on every change: the UI re-renders when it moves. */
  version = 0;

  get size(): number {
    return this.rows.size;
  }

  get(id: string): CellRow | undefined {
    return this.rows.get(id);
  }

  apply(kind: CellChangeKind, id: string, cell: CellRow | null | undefined): void {
    if (kind === 'REMOVED' || !cell) {
      if (this.rows.delete(id)) {
        this.removed = true;
        this.version++;
      }
      return;
    }
    const had = this.rows.get(id);
    this.rows.set(id, cell);
    if (had) {
      // The view holds the old object: swap it in place on the next read, then re-sort.
      this.changedInPlace = true;
    }
    this.added.push(cell);
    this.version++;
  }

  clear(): void {
    this.rows.clear();
    this.view = [];
    this.added = [];
    this.removed = false;
    this.changedInPlace = false;
    this.version++;
  }

  /** All cells in `sort` order. Cheap when nothing changed; near-linear after a batch of changes. */
  sorted(sort: CellSort): readonly CellRow[] {
    const sortChanged = sort.field !== this.viewSort.field || sort.direction !== this.viewSort.direction;
    if (!sortChanged && !this.added.length && !this.removed) return this.view;
    let next: CellRow[];
    if (this.removed || this.changedInPlace) {
      // Keep the previous order (so the sort stays near-linear) with current objects, dropping removed cells.
      const seen = new Set<string>();
      next = [];
      for (const row of this.view) {
        const current = this.rows.get(row.id);
        if (current && !seen.has(row.id)) {
          seen.add(row.id);
          next.push(current);
        }
      }
      for (const row of this.added) {
        if (!seen.has(row.id) && this.rows.get(row.id) === row) {
          seen.add(row.id);
          next.push(row);
        }
      }
    } else {
      next = this.view.concat(this.added);
    }
    next.sort(compareCells(sort));
    this.view = next;
    this.viewSort = sort;
    this.added = [];
    this.removed = false;
    this.changedInPlace = false;
    return next;
  }
}
