// A cell filter compiled once per request, and the cells it can possibly match.
import { type CellFilter, type CellPredicate, compileCellFilter } from './cellFilter.js';
import type { Projection } from './projection.js';
import type { CellRecord } from './records.js';
import type { TenantCells } from './tenantIndex.js';
import { canSee, SEE_ALL, type Visibility } from './visibility.js';

/**
 * A filter with its compiled predicate. The predicate tests every cell; the
 * filter itself stays alongside so a reader can pick an index from it
 * (a formation, a list of ids, state counts) before testing anything.
 * Compiling throws RangeError on a bad time bound.
 */
export class CellSelection {
  readonly matches: CellPredicate;

  constructor(
    readonly filter: CellFilter | null = null,
    /** Whose cells the caller may see: every read through the selection is limited to them. */
    readonly visibility: Visibility = SEE_ALL,
  ) {
    const matches = compileCellFilter(filter);
    this.matches = visibility.all ? matches : (cell) => canSee(visibility, cell) && matches(cell);
  }
}

/**
 * The tenants whose cells are all a selection can match (the caller's, and
 * the filter's tenantId), or null when it is not limited to tenants.
 */
export function tenantScope({ filter, visibility }: CellSelection): string[] | null {
  const wanted = filter?.tenantId ?? null;
  if (visibility.all) return wanted === null ? null : [wanted];
  if (wanted !== null) return visibility.tenants.has(wanted) ? [wanted] : [];
  return [...visibility.tenants];
}

/** The index entries of a tenant scope (tenants without cells left out). */
export function tenantCellsOf(projection: Projection, tenants: readonly string[]): TenantCells[] {
  const out: TenantCells[] = [];
  for (const tenant of tenants) {
    const cells = projection.tenants.get(tenant);
    if (cells && cells.records.length > 0) out.push(cells);
  }
  return out;
}

/** Readers take a filter or a selection: a request that pages and counts compiles its filter only once. */
export type CellFilterOrSelection = CellFilter | CellSelection | null | undefined;

export function asSelection(filter: CellFilterOrSelection): CellSelection {
  return filter instanceof CellSelection ? filter : new CellSelection(filter ?? null);
}

/** The cells a selection can possibly match, using the formation, id or tenant index when it helps. */
export function* candidates(projection: Projection, selection: CellSelection): Iterable<CellRecord> {
  const { filter } = selection;
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
  const tenants = tenantScope(selection);
  if (tenants !== null) {
    for (const cells of tenantCellsOf(projection, tenants)) yield* cells.records;
    return;
  }
  yield* projection.cells.values();
}

/** Cell fields whose value a filter can pin down, so live changes can be routed by them. */
export type RouteField = 'id' | 'specId' | 'runId' | 'formationId' | 'tenantId';

/**
 * A selection's route: every cell it matches has `field` set to one of
 * `values`. Live fan-out offers a change only to the groups routed by the
 * values of its cell before and after it (live/groupRoutes.ts), instead of
 * testing every group's predicate.
 */
export interface CellRoute {
  readonly field: RouteField;
  readonly values: readonly string[];
}

/** The narrowest route a selection has (ids, run, spec, formation, then tenants), or null when it matches any cell. */
export function routeOf(selection: CellSelection): CellRoute | null {
  const { filter } = selection;
  if (filter?.ids) return { field: 'id', values: [...new Set(filter.ids)] };
  if (filter?.runId != null) return { field: 'runId', values: [filter.runId] };
  if (filter?.specId != null) return { field: 'specId', values: [filter.specId] };
  if (filter?.formationId != null) return { field: 'formationId', values: [filter.formationId.toLowerCase()] };
  const tenants = tenantScope(selection);
  return tenants === null ? null : { field: 'tenantId', values: tenants };
}
