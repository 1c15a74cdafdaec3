/**
 * The records the projection holds. Records are immutable: every change
 * replaces the record, so a delta queued for a slow subscriber, or a page a
 * resolver is reading, never sees a later state than the seq it carries.
 */
export const CELL_STATES = ['pending', 'running', 'destroyed'] as const;
export type CellState = (typeof CELL_STATES)[number];

export const CELL_OUTCOMES = ['succeeded', 'failed'] as const;
export type CellOutcome = (typeof CELL_OUTCOMES)[number];

export const TERMINAL_STATES = ['clean', 'forced'] as const;
export type TerminalState = (typeof TERMINAL_STATES)[number];

export interface CellRecord {
  readonly id: string;
  readonly specId: string | null;
  readonly runId: string | null;
  readonly state: CellState;
  readonly formationId: string | null;
  readonly tenantId: string | null;
  readonly startedAt: string | null;
  readonly destroyedAt: string | null;
  readonly outcome: CellOutcome | null;
  readonly exitCode: number | null;
  readonly terminalState: TerminalState | null;
  readonly reason: string | null;
  /** seq of the event that first mentioned the cell: the default, stable page order. */
  readonly firstSeq: number;
  /** seq of the event that last changed the record. */
  readonly lastSeq: number;
  /** CloudEvent time of the last event applied (event time, not wall clock, so replicas agree). */
  readonly updatedAt: string | null;
  readonly eventCount: number;
}

export const FORMATION_STATUSES = ['PENDING', 'LAUNCHING', 'RUNNING', 'DEGRADED', 'COMPLETED', 'FAILED'] as const;
export type FormationStatus = (typeof FORMATION_STATUSES)[number];
export const TERMINAL_FORMATION_STATUSES: ReadonlySet<FormationStatus> = new Set(['COMPLETED', 'FAILED']);

export interface FormationRecord {
  readonly id: string;
  readonly name: string | null;
  readonly status: FormationStatus;
  readonly document: Record<string, unknown> | null;
  readonly reason: string | null;
  readonly createdAt: string | null;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly updatedAt: string | null;
  readonly eventCount: number;
}

/** Fields a delta can name as changed: the record's own keys plus the GraphQL fields derived from them. */
export type CellField = keyof CellRecord | 'status' | 'durationMs' | 'formation';
export type FormationField = keyof FormationRecord;

export interface CellDelta {
  readonly entity: 'cell';
  readonly seq: number;
  readonly before: CellRecord | null;
  readonly after: CellRecord;
  readonly changed: readonly CellField[];
}

export interface FormationDelta {
  readonly entity: 'formation';
  readonly seq: number;
  readonly before: FormationRecord | null;
  readonly after: FormationRecord;
  readonly changed: readonly FormationField[];
}

export type Delta = CellDelta | FormationDelta;

/** Wall time between started and destroyed, when both are known. */
export function cellDurationMs(cell: CellRecord): number | null {
  if (cell.startedAt === null || cell.destroyedAt === null) return null;
  const ms = Date.parse(cell.destroyedAt) - Date.parse(cell.startedAt);
  return Number.isFinite(ms) ? ms : null;
}
