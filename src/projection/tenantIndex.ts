// The cells of each tenant in first-seen order, and their counts by state: a tenant's reads cost its cells, not the projection.
import type { CellRecord, CellState } from './records.js';
import { partitionPoint } from './sorted.js';

/**
 * One tenant's cells: the current records in first-seen order, with their
 * firstSeqs alongside (for binary search). Records, not ids: a tenant's page
 * reads them straight from here, with no lookup in the projection's map of
 * every cell (an admin's first-seen walk does one per cell; bench:tenants).
 */
export class TenantCells {
  readonly records: CellRecord[] = [];
  readonly seqs: number[] = [];
  readonly byState: Record<CellState, number> = { pending: 0, running: 0, destroyed: 0 };

  /** Position of the first cell first seen after `seq` (or at it, when `inclusive` is false). */
  rank(seq: number, inclusive: boolean): number {
    const seqs = this.seqs;
    return partitionPoint(seqs.length, inclusive ? (i) => seqs[i]! <= seq : (i) => seqs[i]! < seq);
  }

  add(cell: CellRecord): void {
    const last = this.seqs.length - 1;
    // New cells are the newest: appending is the rule, a sorted insert the exception (a tenant set later).
    const at = last < 0 || this.seqs[last]! < cell.firstSeq ? this.seqs.length : this.rank(cell.firstSeq, false);
    this.records.splice(at, 0, cell);
    this.seqs.splice(at, 0, cell.firstSeq);
    this.byState[cell.state] += 1;
  }

  remove(cell: CellRecord): void {
    const at = this.rank(cell.firstSeq, false);
    if (this.records[at]?.id !== cell.id) return;
    this.records.splice(at, 1);
    this.seqs.splice(at, 1);
    this.byState[cell.state] -= 1;
  }

  /** The cell's new record in its place (a cell's firstSeq never changes), its state counted anew. */
  replace(before: CellRecord, after: CellRecord): void {
    const at = this.rank(before.firstSeq, false);
    if (this.records[at]?.id !== after.id) return;
    this.records[at] = after;
    this.byState[before.state] -= 1;
    this.byState[after.state] += 1;
  }
}

/** Kept in step with the projection's store by `update`, for every stored change. */
export class TenantIndex {
  private readonly tenants = new Map<string, TenantCells>();

  get(tenant: string): TenantCells | undefined {
    return this.tenants.get(tenant);
  }

  update(before: CellRecord | null, after: CellRecord): void {
    const from = before?.tenantId ?? null;
    const to = after.tenantId;
    if (from === to) {
      if (to !== null && before !== null) this.tenants.get(to)!.replace(before, after);
      return;
    }
    if (from !== null && before !== null) this.tenants.get(from)?.remove(before);
    if (to !== null) {
      let cells = this.tenants.get(to);
      if (!cells) this.tenants.set(to, (cells = new TenantCells()));
      cells.add(after);
    }
  }

  clear(): void {
    this.tenants.clear();
  }
}
