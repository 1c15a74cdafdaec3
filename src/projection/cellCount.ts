// Counts the cells a filter matches, without reading a page.
import {
  asSelection,
  type CellFilterOrSelection,
  type CellSelection,
  candidates,
  tenantCellsOf,
  tenantScope,
} from './cellSelection.js';
import type { Projection } from './projection.js';
import type { CellOutcome, CellState } from './records.js';

/** The states a selection asks for when it asks for nothing else: the projection keeps those counts. */
function onlyStates({ filter }: CellSelection): readonly CellState[] | null {
  if (!filter) return [];
  const statesOnly = Object.entries(filter).every(
    ([key, value]) => key === 'states' || key === 'tenantId' || value === null || value === undefined,
  );
  return statesOnly ? (filter.states ?? []) : null;
}

/** How many cells match a filter, without building a page. */
export function countCells(projection: Projection, filter: CellFilterOrSelection): number {
  const selection = asSelection(filter);
  const states = onlyStates(selection);
  const tenants = tenantScope(selection);
  if (states && tenants !== null) {
    // The tenant index keeps each tenant's counts by state.
    const wanted: readonly CellState[] = states.length ? [...new Set(states)] : ['pending', 'running', 'destroyed'];
    let n = 0;
    for (const cells of tenantCellsOf(projection, tenants)) for (const s of wanted) n += cells.byState[s];
    return n;
  }
  if (states?.length === 0) return projection.cellCount;
  if (states) {
    const byState = projection.cellCountsByState();
    return [...new Set(states)].reduce((sum, s) => sum + byState[s], 0);
  }
  let n = 0;
  for (const cell of candidates(projection, selection)) if (selection.matches(cell)) n += 1;
  return n;
}

export interface CellCounts {
  total: number;
  byState: Record<CellState, number>;
  byOutcome: Record<CellOutcome | 'none', number>;
}

export function countCellsBy(projection: Projection, filter: CellFilterOrSelection): CellCounts {
  const selection = asSelection(filter);
  const counts: CellCounts = {
    total: 0,
    byState: { pending: 0, running: 0, destroyed: 0 },
    byOutcome: { succeeded: 0, failed: 0, none: 0 },
  };
  for (const cell of candidates(projection, selection)) {
    if (!selection.matches(cell)) continue;
    counts.total += 1;
    counts.byState[cell.state] += 1;
    counts.byOutcome[cell.outcome ?? 'none'] += 1;
  }
  return counts;
}
