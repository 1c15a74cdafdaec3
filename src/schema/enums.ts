import type { CELL_ORDER_FIELDS } from '../projection/cellOrder.js';
import { CELL_OUTCOMES, CELL_STATES, FORMATION_STATUSES, TERMINAL_STATES } from '../projection/records.js';
import { builder } from './builder.js';

// GraphQL enum values are the upper-case names; internal values stay as the event log spells them.
function valuesOf<T extends string>(names: readonly T[], descriptions: Partial<Record<T, string>> = {}) {
  return Object.fromEntries(
    names.map((name) => [name.toUpperCase(), { value: name, description: descriptions[name] }]),
  ) as Record<Uppercase<T>, { value: T; description?: string }>;
}

export const CellStateEnum = builder.enumType('CellState', {
  description: 'Lifecycle state of an execution cell.',
  values: valuesOf(CELL_STATES, {
    pending: 'Seen through an event other than started; not started yet (never sent by an event).',
    running: 'A started event arrived.',
    destroyed: 'Destroyed or failed. Terminal: nothing brings a destroyed cell back.',
  }),
});

export const CellOutcomeEnum = builder.enumType('CellOutcome', {
  values: valuesOf(CELL_OUTCOMES),
});

export const TerminalStateEnum = builder.enumType('TerminalState', {
  description: 'How a cell ended: clean, or forced (its exit code, if any, is synthetic and cleared).',
  values: valuesOf(TERMINAL_STATES),
});

export const FormationStatusEnum = builder.enumType('FormationStatus', {
  description: 'Formation phase. COMPLETED and FAILED are terminal.',
  values: Object.fromEntries(FORMATION_STATUSES.map((s) => [s, { value: s }])) as Record<
    (typeof FORMATION_STATUSES)[number],
    { value: (typeof FORMATION_STATUSES)[number] }
  >,
});

export const CellOrderFieldEnum = builder.enumType('CellOrderField', {
  values: {
    FIRST_SEEN: {
      value: 'FIRST_SEEN',
      description: 'Seq of the first event of the cell (default; stable while paging).',
    },
    LAST_SEQ: { value: 'LAST_SEQ', description: 'Seq of the last change: recently changed cells first with DESC.' },
    ID: { value: 'ID' },
    STARTED_AT: { value: 'STARTED_AT', description: 'Cells not started yet sort last.' },
    DESTROYED_AT: { value: 'DESTROYED_AT', description: 'Cells not destroyed yet sort last.' },
  } as const satisfies Record<
    (typeof CELL_ORDER_FIELDS)[number],
    { value: (typeof CELL_ORDER_FIELDS)[number]; description?: string }
  >,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'ASC' }, DESC: { value: 'DESC' } } as const,
});
