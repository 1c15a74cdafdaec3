// Compiles a cell filter into one predicate, for the query paths and for live subscriptions alike.
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

export type CellPredicate = (cell: CellRecord) => boolean;

function timeBound(value: string | null | undefined, what: string): number | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} is not a valid timestamp`);
  return ms;
}

function rangeMatcher(
  range: TimeRange | null | undefined,
  pick: (c: CellRecord) => string | null,
  what: string,
): CellPredicate | null {
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
