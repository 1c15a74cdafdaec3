import type { Projection } from './projection.js';
import type { CellOutcome, CellRecord, CellState } from './records.js';

/** Inclusive time range; either end may be open. ISO strings as clients send them. */
export interface TimeRange {
  from?: string | null;
  to?: string | null;
}

export interface CellFilter {
  ids?: readonly string[] | null;
  states?: readonly CellState[] | null;
  specId?: string | null;
  runId?: string | null;
  formationId?: string | null;
  tenantId?: string | null;
  outcome?: CellOutcome | null;
  startedAt?: TimeRange | null;
  destroyedAt?: TimeRange | null;
}

export const CELL_ORDER_FIELDS = ['FIRST_SEEN', 'LAST_SEQ', 'ID', 'STARTED_AT', 'DESTROYED_AT'] as const;
export type CellOrderField = (typeof CELL_ORDER_FIELDS)[number];
export type OrderDirection = 'ASC' | 'DESC';

export interface CellOrder {
  field: CellOrderField;
  direction: OrderDirection;
}

export const DEFAULT_CELL_ORDER: CellOrder = { field: 'FIRST_SEEN', direction: 'ASC' };

type SortKey = number | string | null;

export type CellPredicate = (cell: CellRecord) => boolean;

function timeBound(value: string | null | undefined, what: string): number | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid timestamp`);
  return ms;
}

function rangeMatcher(range: TimeRange | null | undefined, pick: (c: CellRecord) => string | null, what: string): CellPredicate | null {
  if (!range) return null;
  const from = timeBound(range.from, `${what}.from`);
  const to = timeBound(range.to, `${what}.to`);
  if (from === null && to === null) return null;
  return (cell) => {
    const value = pick(cell);
    if (value === null) return false;
    const ms = Date.parse(value);
    return (from === null || ms >= from) && (to === null || ms <= to);
  };
}

/** Compiles a filter once into one predicate; throws RangeError on a bad bound. */
export function compileCellFilter(filter: CellFilter | null | undefined): CellPredicate {
  if (!filter) return () => true;
  const checks: CellPredicate[] = [];
  if (filter.ids) {
    const ids = new Set(filter.ids);
    checks.push((c) => ids.has(c.id));
  }
  if (filter.states && filter.states.length > 0) {
    const states = new Set(filter.states);
    checks.push((c) => states.has(c.state));
  }
  const { specId, runId, formationId, tenantId, outcome } = filter;
  if (specId != null) checks.push((c) => c.specId === specId);
  if (runId != null) checks.push((c) => c.runId === runId);
  if (formationId != null) {
    const id = formationId.toLowerCase();
    checks.push((c) => c.formationId === id);
  }
  if (tenantId != null) checks.push((c) => c.tenantId === tenantId);
  if (outcome != null) checks.push((c) => c.outcome === outcome);
  const started = rangeMatcher(filter.startedAt, (c) => c.startedAt, 'startedAt');
  if (started) checks.push(started);
  const destroyed = rangeMatcher(filter.destroyedAt, (c) => c.destroyedAt, 'destroyedAt');
  if (destroyed) checks.push(destroyed);
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0]!;
  return (cell) => checks.every((check) => check(cell));
}

function sortKeyOf(cell: CellRecord, field: CellOrderField): SortKey {
  switch (field) {
    case 'FIRST_SEEN':
      return cell.firstSeq;
    case 'LAST_SEQ':
      return cell.lastSeq;
    case 'ID':
      return cell.id;
    case 'STARTED_AT':
      return cell.startedAt === null ? null : Date.parse(cell.startedAt);
    case 'DESTROYED_AT':
      return cell.destroyedAt === null ? null : Date.parse(cell.destroyedAt);
  }
}

/** Position of a record in an order: its sort key, with the id breaking ties. */
export interface OrderKey {
  key: SortKey;
  id: string;
}

// Nulls sort after every value in ascending order (and first in descending).
function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return a.key < b.key ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function orderKeyOf(cell: CellRecord, order: CellOrder): OrderKey {
  return { key: sortKeyOf(cell, order.field), id: cell.id };
}

export interface CellPageRequest {
  filter?: CellFilter | null;
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
 * the insertion-ordered index from the cursor and stops after the page, so
 * its cost is the page, not the projection. Other orders make one pass and
 * keep only the best `size + 1` candidates.
 */
export function readCellPage(projection: Projection, request: CellPageRequest): CellPage {
  const order = request.order ?? DEFAULT_CELL_ORDER;
  const matches = compileCellFilter(request.filter);
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
  if (order.field === 'FIRST_SEEN') {
    picked = walkFirstSeen(projection, descending, bound ?? null, size + 1, accepts);
  } else {
    picked = selectTop(candidates(projection, request.filter), size + 1, accepts, (a, b) =>
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

function walkFirstSeen(
  projection: Projection,
  descending: boolean,
  bound: OrderKey | null,
  want: number,
  accepts: (cell: CellRecord) => boolean,
): CellRecord[] {
  const seqs = projection.cellOrderSeq;
  const ids = projection.cellOrder;
  const out: CellRecord[] = [];
  if (!descending) {
    let i = bound && typeof bound.key === 'number' ? upperBound(seqs, bound.key) : 0;
    for (; i < ids.length && out.length < want; i++) {
      const cell = projection.cells.get(ids[i]!)!;
      if (accepts(cell)) out.push(cell);
    }
  } else {
    let i = bound && typeof bound.key === 'number' ? lowerBound(seqs, bound.key) - 1 : ids.length - 1;
    for (; i >= 0 && out.length < want; i--) {
      const cell = projection.cells.get(ids[i]!)!;
      if (accepts(cell)) out.push(cell);
    }
  }
  return out;
}

/** First index whose value is > target. */
function upperBound(values: readonly number[], target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is >= target. */
function lowerBound(values: readonly number[], target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The cells a filter can possibly match, using the formation index when it helps. */
function* candidates(projection: Projection, filter: CellFilter | null | undefined): Iterable<CellRecord> {
  if (filter?.formationId != null) {
    for (const id of projection.cellIdsOfFormation(filter.formationId.toLowerCase())) yield projection.cells.get(id)!;
    return;
  }
  if (filter?.ids) {
    for (const id of filter.ids) {
      const cell = projection.cells.get(id);
      if (cell) yield cell;
    }
    return;
  }
  yield* projection.cells.values();
}

/** The `want` smallest accepted items by `cmp`, sorted, in one pass. */
function selectTop<T>(items: Iterable<T>, want: number, accepts: (item: T) => boolean, cmp: (a: T, b: T) => number): T[] {
  const best: T[] = [];
  for (const item of items) {
    if (!accepts(item)) continue;
    if (best.length === want && cmp(item, best[want - 1]!) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(best[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
    if (best.length > want) best.pop();
  }
  return best;
}

/** How many cells match a filter, without building a page. */
export function countCells(projection: Projection, filter: CellFilter | null | undefined): number {
  const onlyStates =
    filter &&
    Object.entries(filter).every(([key, value]) => key === 'states' || value === null || value === undefined);
  if (!filter || (onlyStates && !filter.states?.length)) return projection.cells.size;
  if (onlyStates) return [...new Set(filter.states)].reduce((sum, s) => sum + projection.stateCounts[s], 0);
  const matches = compileCellFilter(filter);
  let n = 0;
  for (const cell of candidates(projection, filter)) if (matches(cell)) n += 1;
  return n;
}

export interface CellCounts {
  total: number;
  byState: Record<CellState, number>;
  byOutcome: Record<CellOutcome | 'none', number>;
}

export function countCellsBy(projection: Projection, filter: CellFilter | null | undefined): CellCounts {
  const matches = compileCellFilter(filter);
  const counts: CellCounts = {
    total: 0,
    byState: { pending: 0, running: 0, destroyed: 0 },
    byOutcome: { succeeded: 0, failed: 0, none: 0 },
  };
  for (const cell of candidates(projection, filter)) {
    if (!matches(cell)) continue;
    counts.total += 1;
    counts.byState[cell.state] += 1;
    counts.byOutcome[cell.outcome ?? 'none'] += 1;
  }
  return counts;
}
