import type { FormationEvent } from '../events/decode.js';
import type { FormationPhase } from '../events/types.js';
import {
  type FormationField,
  type FormationRecord,
  type FormationStatus,
  TERMINAL_FORMATION_STATUSES,
} from './records.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const STATUS_OF_PHASE: Record<FormationPhase, FormationStatus> = {
  created: 'PENDING',
  launching: 'LAUNCHING',
  running: 'RUNNING',
  degraded: 'DEGRADED',
  completed: 'COMPLETED',
  failed: 'FAILED',
};

export function reduceFormation(
  previous: FormationRecord | undefined,
  event: FormationEvent,
  seq: number,
): FormationRecord {
  const next: Mutable<FormationRecord> = previous
    ? { ...previous }
    : {
        id: event.formationId,
        name: null,
        status: STATUS_OF_PHASE[event.phase],
        document: null,
        reason: null,
        createdAt: event.time,
        firstSeq: seq,
        lastSeq: seq,
        updatedAt: null,
        eventCount: 0,
      };
  next.lastSeq = seq;
  next.eventCount += 1;
  if (event.time !== null) next.updatedAt = event.time;
  if (event.name !== undefined) next.name = event.name;
  if (event.document !== undefined) next.document = event.document;
  // COMPLETED and FAILED are terminal: a late phase event does not reopen the formation.
  if (!TERMINAL_FORMATION_STATUSES.has(next.status)) {
    next.status = STATUS_OF_PHASE[event.phase];
    if (event.reason !== undefined) next.reason = event.reason;
  }
  return next;
}

export const FORMATION_FIELDS: readonly FormationField[] = [
  'id',
  'name',
  'status',
  'document',
  'reason',
  'createdAt',
  'firstSeq',
  'lastSeq',
  'updatedAt',
  'eventCount',
];

export function changedFormationFields(before: FormationRecord | null, after: FormationRecord): FormationField[] {
  return FORMATION_FIELDS.filter((field) => before === null || before[field] !== after[field]);
}
