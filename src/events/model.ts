import type {
  CellCommandCompletedData,
  CellDestroyedData,
  CellFailedData,
  CellStartedData,
  CloudEvent,
  CorrelationData,
  FormationData,
} from './schemas.js';
import type { FormationPhase } from './types.js';

/**
 * The decoded event model: what the projection receives. Every field type is
 * taken from the zod schemas (schemas.ts), never written a second time.
 */

/** What every decoded event keeps of its envelope. */
export interface EventEnvelope {
  /** CloudEvent id: the idempotency key for duplicates re-published by the producer. */
  id: CloudEvent['id'];
  /** Short type name (`cell.lifecycle.v1.started`), whatever spelling was on the wire. */
  type: string;
  time: string | null;
}

/**
 * An optional field that broke its rule and was dropped, as if absent (the
 * contract's decision: a state change is never lost over a field the read
 * model can live without). `field` is its path, e.g. `data.formationId`.
 */
export interface DroppedField {
  readonly field: string;
  readonly reason: string;
}

/** Set only when something was dropped: the common event carries no extra property. */
interface WithDroppedFields {
  droppedFields?: readonly DroppedField[];
}

export type CellAction = 'started' | 'commandCompleted' | 'destroyed' | 'failed' | 'touched';

/** Any cell event's data once validated: the union of the per-type schemas' fields, each optional. */
export type CellData = Partial<CellStartedData & CellCommandCompletedData & CellDestroyedData & CellFailedData>;

/** The cell fields an event carries to the reducer, typed by the schemas. */
type CellEventFields = Pick<CellStartedData, 'cellId'> &
  Pick<CellData, 'specId' | 'runId' | 'formationId' | 'tenantId' | 'exitCode' | 'outcome' | 'terminalState' | 'reason'>;

export interface CellEvent extends EventEnvelope, CellEventFields, WithDroppedFields {
  kind: 'cell';
  action: CellAction;
}

/** Correlation ids (formation, tenant) as carried in `data.correlation` or the extension attribute. */
export type Correlation = Pick<CorrelationData, 'formationId' | 'tenantId'>;

export interface FormationEvent
  extends EventEnvelope,
    Pick<FormationData, 'name' | 'document' | 'reason'>,
    WithDroppedFields {
  kind: 'formation';
  phase: FormationPhase;
  formationId: string;
}

/** Valid CloudEvent that cellgraph does not project (unknown type, cell event without a cell). */
export interface SkippedEvent {
  kind: 'skipped';
  type: string;
  reason: string;
}

/** Not an event we can trust: counted with its reason, never applied. */
export interface RejectedEvent {
  kind: 'rejected';
  reason: string;
}

export type DecodedEvent = CellEvent | FormationEvent | SkippedEvent | RejectedEvent;
