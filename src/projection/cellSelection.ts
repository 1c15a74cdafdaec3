// A cell filter compiled once per request, and the cells it can possibly match.
import { type CellFilter, type CellPredicate, compileCellFilter } from './cellFilter.js';
import type { Projection } from './projection.js';
import type { CellRecord } from './records.js';

/**
 * A filter with its compiled predicate. The predicate tests every cell; the
 * filter itself stays alongside so a reader can pick an index from it
 * (a formation, a list of ids, state counts) before testing anything.
 * Compiling throws RangeError on a bad time bound.
 */
export class CellSelection {
  readonly matches: CellPredicate;

  constructor(readonly filter: CellFilter | null = null) {
    this.matches = compileCellFilter(filter);
  }
}

/** Readers take a filter or a selection: a request that pages and counts compiles its filter only once. */
export type CellFilterOrSelection = CellFilter | CellSelection | null | undefined;

export function asSelection(filter: CellFilterOrSelection): CellSelection {
  return filter instanceof CellSelection ? filter : new CellSelection(filter ?? null);
}

/** The cells a selection can possibly match, using the formation index when it helps. */
export function* candidates(projection: Projection, { filter }: CellSelection): Iterable<CellRecord> {
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
