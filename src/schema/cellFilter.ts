// The CellFilter input type, and its translation into a compiled selection of the projection.
import type { CellFilter } from '../projection/cellFilter.js';
import { CellSelection } from '../projection/cellSelection.js';
import type { Visibility } from '../projection/visibility.js';
import { builder } from './builder.js';
import { CellOutcomeEnum, CellStateEnum } from './enums.js';
import { apiError, ErrorCode } from './errors.js';

export const TimeRangeInput = builder.inputType('TimeRange', {
  description: 'Inclusive time range; leave an end out to keep it open.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime' }),
    to: t.field({ type: 'DateTime' }),
  }),
});

export const CellFilterInput = builder.inputType('CellFilter', {
  description: 'All given conditions must hold.',
  fields: (t) => ({
    ids: t.stringList({ description: 'Only these cell ids.' }),
    state: t.field({ type: CellStateEnum }),
    states: t.field({ type: [CellStateEnum], description: 'Any of these states.' }),
    specId: t.string(),
    runId: t.string(),
    formationId: t.field({ type: 'UUID' }),
    tenantId: t.string(),
    outcome: t.field({ type: CellOutcomeEnum }),
    startedAt: t.field({ type: TimeRangeInput }),
    destroyedAt: t.field({ type: TimeRangeInput }),
  }),
});

export type CellFilterArg = typeof CellFilterInput.$inferInput;

/**
 * The GraphQL filter, narrowed by `scope` (Formation.cells adds its own id)
 * and limited to the caller's `visibility`, compiled once: the request
 * pages, counts or subscribes with the result. A contradiction or bad bound
 * is BAD_FILTER.
 */
export function toCellSelection(
  input: CellFilterArg | null | undefined,
  visibility: Visibility,
  scope: Pick<CellFilter, 'formationId'> = {},
): CellSelection {
  const filter = { ...toCellFilter(input), ...scope };
  for (const range of ['startedAt', 'destroyedAt'] as const) {
    const r = filter[range];
    if (r?.from && r.to && Date.parse(r.from) > Date.parse(r.to)) {
      throw apiError(ErrorCode.BAD_FILTER, `${range}.from is after ${range}.to: nothing can match.`);
    }
  }
  try {
    return new CellSelection(filter, visibility);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw apiError(ErrorCode.BAD_FILTER, error.message);
  }
}

function toCellFilter(input: CellFilterArg | null | undefined): CellFilter {
  if (!input) return {};
  if (input.state && input.states && !input.states.includes(input.state)) {
    throw apiError(ErrorCode.BAD_FILTER, 'state and states contradict each other: nothing can match.');
  }
  const states = [...(input.states ?? []), ...(input.state ? [input.state] : [])];
  return {
    ids: input.ids ?? null,
    states: input.state ? [input.state] : states.length ? states : null,
    specId: input.specId ?? null,
    runId: input.runId ?? null,
    formationId: input.formationId ?? null,
    tenantId: input.tenantId ?? null,
    outcome: input.outcome ?? null,
    startedAt: input.startedAt ?? null,
    destroyedAt: input.destroyedAt ?? null,
  };
}
