import type {
  CellAction,
  CellData,
  CellEvent,
  Correlation,
  DecodedEvent,
  EventEnvelope,
  FormationEvent,
  RejectedEvent,
  SkippedEvent,
} from './model.js';
import type { FormationData } from './schemas.js';
import { CELL_COMMAND_COMPLETED, CELL_DESTROYED, CELL_FAILED, CELL_STARTED, type FormationPhase } from './types.js';

/**
 * The one place decoded events are built from validated data, shared by the
 * zod path and the fast path: both produce the very same objects.
 */

export function rejected(reason: string): RejectedEvent {
  return { kind: 'rejected', reason };
}

export function skipped(type: string, reason: string): SkippedEvent {
  return { kind: 'skipped', type, reason };
}

function cellActionOf(type: string): CellAction {
  return type === CELL_STARTED
    ? 'started'
    : type === CELL_COMMAND_COMPLETED
      ? 'commandCompleted'
      : type === CELL_DESTROYED
        ? 'destroyed'
        : type === CELL_FAILED
          ? 'failed'
          : 'touched';
}

/** A cell event from validated data; `extension` is the correlation extension attribute, when valid. */
export function buildCell(envelope: EventEnvelope, data: CellData, extension: Correlation | undefined): DecodedEvent {
  if (data.cellId === undefined) return skipped(envelope.type, 'cell event without cellId');
  const action = cellActionOf(envelope.type);
  // One literal, keys in the order the spread of the envelope gave them: same object, no spread per event.
  const cell: CellEvent = {
    kind: 'cell',
    action,
    id: envelope.id,
    type: envelope.type,
    time: envelope.time,
    cellId: data.cellId,
  };
  if (data.specId !== undefined) cell.specId = data.specId;
  if (data.runId !== undefined) cell.runId = data.runId;
  const formationId = data.formationId ?? data.correlation?.formationId ?? extension?.formationId;
  if (formationId !== undefined) cell.formationId = formationId.toLowerCase();
  const tenantId = data.tenantId ?? data.correlation?.tenantId ?? extension?.tenantId;
  if (tenantId !== undefined) cell.tenantId = tenantId;
  if (action === 'commandCompleted') cell.exitCode = data.exitCode;
  if (action === 'destroyed') {
    cell.outcome = data.outcome;
    if (data.terminalState !== undefined) cell.terminalState = data.terminalState;
  }
  if ((action === 'destroyed' || action === 'failed') && data.reason !== undefined) cell.reason = data.reason;
  return cell;
}

/** A formation event from validated data (a formationId or its `id` alias is known to be there). */
export function buildFormation(envelope: EventEnvelope, phase: FormationPhase, data: FormationData): FormationEvent {
  const formation: FormationEvent = {
    kind: 'formation',
    id: envelope.id,
    type: envelope.type,
    time: envelope.time,
    phase,
    formationId: (data.formationId ?? data.id)!.toLowerCase(),
  };
  if (data.name !== undefined) formation.name = data.name;
  if (data.document !== undefined) formation.document = data.document;
  if (data.reason !== undefined) formation.reason = data.reason;
  return formation;
}
