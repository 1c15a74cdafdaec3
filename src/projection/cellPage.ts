// Reads one page of cells in a given order, between page cursors.
import { type CellOrder, compareKeys, DEFAULT_CELL_ORDER, type OrderKey, orderKeyOf } from './cellOrder.js';
import { asSelection, type CellFilterOrSelection, candidates, tenantCellsOf, tenantScope } from './cellSelection.js';
import type { Projection } from './projection.js';
import type { CellRecord } from './records.js';
import { selectTop } from './sorted.js';

export interface CellPageRequest {
  filter?: CellFilterOrSelection;
  order?: CellOrder;
  first?: number | null;
  after?: OrderKey | null;
  last?: number | null;
  before?: OrderKey | null;
}

export interface CellPage {
  cells: CellRecord[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/**
 * Reads one page of cells. The default order (first seen, ascending) walks
 * the first-seen index from the cursor and stops after the page, so its
 * cost is the page, not the projection. Other orders make one pass and
 * keep only the best `size + 1` candidates.
 */
export function readCellPage(projection: Projection, request: CellPageRequest): CellPage {
  const order = request.order ?? DEFAULT_CELL_ORDER;
  const selection = asSelection(request.filter);
  const { matches } = selection;
  const forward = request.last == null;
  const size = (forward ? request.first : request.last) ?? 100;
  // Walking backwards (`last`) is walking forwards in the reversed order.
  const descending = (order.direction === 'DESC') === forward;
  const sign = descending ? -1 : 1;
  const bound = forward ? request.after : request.before;
  const limit = forward ? request.before : request.after;
  const cmp = (a: OrderKey, b: OrderKey) => sign * compareKeys(a, b);
  const accepts = (cell: CellRecord): boolean => {
    if (!matches(cell)) return false;
    const key = orderKeyOf(cell, order);
    if (bound && cmp(key, bound) <= 0) return false;
    if (limit && cmp(key, limit) >= 0) return false;
    return true;
  };

  let picked: CellRecord[];
  const tenants = tenantScope(selection);
  if (order.field === 'FIRST_SEEN' && tenants !== null) {
    picked = walkTenantsFirstSeen(projection, tenants, descending, bound ?? null, size + 1, accepts);
  } else if (order.field === 'FIRST_SEEN') {
    picked = walkFirstSeen(projection, descending, bound ?? null, size + 1, accepts);
  } else {
    picked = selectTop(candidates(projection, selection), size + 1, accepts, (a, b) =>
      cmp(orderKeyOf(a, order), orderKeyOf(b, order)),
    );
  }
  const hasMore = picked.length > size;
  if (hasMore) picked.length = size;
  if (!forward) picked.reverse();
  return {
    cells: picked,
    hasNextPage: forward ? hasMore : request.before != null,
    hasPreviousPage: forward ? request.after != null : hasMore,
  };
}

/** Up to `want` accepted cells in first-seen order, starting just past `bound`. */
function walkFirstSeen(
  projection: Projection,
  descending: boolean,
  bound: OrderKey | null,
  want: number,
  accepts: (cell: CellRecord) => boolean,
): CellRecord[] {
  const seq = bound && typeof bound.key === 'number' ? bound.key : null;
  const count = projection.cellCount;
  const step = descending ? -1 : 1;
  let i: number;
  if (!descending) i = seq === null ? 0 : projection.firstSeenRank(seq, true);
  else i = (seq === null ? count : projection.firstSeenRank(seq, false)) - 1;
  const out: CellRecord[] = [];
  for (; i >= 0 && i < count && out.length < want; i += step) {
    const cell = projection.cellInFirstSeenOrder(i);
    if (accepts(cell)) out.push(cell);
  }
  return out;
}

/**
 * walkFirstSeen over the tenant index: each tenant's cells are in
 * first-seen order, so the page is a merge of their heads (a caller sees a
 * handful of tenants), and its cost is the page, not the projection.
 */
function walkTenantsFirstSeen(
  projection: Projection,
  tenants: readonly string[],
  descending: boolean,
  bound: OrderKey | null,
  want: number,
  accepts: (cell: CellRecord) => boolean,
): CellRecord[] {
  const seq = bound && typeof bound.key === 'number' ? bound.key : null;
  const lists = tenantCellsOf(projection, tenants);
  const step = descending ? -1 : 1;
  if (lists.length === 1) {
    // One tenant (the usual caller): its list is the first-seen order already.
    const { records } = lists[0]!;
    let i = descending
      ? (seq === null ? records.length : lists[0]!.rank(seq, false)) - 1
      : seq === null
        ? 0
        : lists[0]!.rank(seq, true);
    const out: CellRecord[] = [];
    for (; i >= 0 && i < records.length && out.length < want; i += step) {
      const cell = records[i]!;
      if (accepts(cell)) out.push(cell);
    }
    return out;
  }
  const heads = lists.map((list) =>
    descending
      ? (seq === null ? list.records.length : list.rank(seq, false)) - 1
      : seq === null
        ? 0
        : list.rank(seq, true),
  );
  const out: CellRecord[] = [];
  while (out.length < want) {
    let best = -1;
    for (let l = 0; l < lists.length; l++) {
      const i = heads[l]!;
      if (i < 0 || i >= lists[l]!.records.length) continue;
      if (best < 0) best = l;
      else {
        const a = lists[l]!.seqs[i]!;
        const b = lists[best]!.seqs[heads[best]!]!;
        if (descending ? a > b : a < b) best = l;
      }
    }
    if (best < 0) break;
    const cell = lists[best]!.records[heads[best]!]!;
    heads[best]! += step;
    if (accepts(cell)) out.push(cell);
  }
  return out;
}
