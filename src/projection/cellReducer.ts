import type { CellEvent } from '../events/decode.js';
import type { CellField, CellRecord } from './records.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function emptyCell(id: string, seq: number): CellRecord {
  return {
    id,
    specId: null,
    runId: null,
    // decided: pending is never sent; it is what a cell is before its started event
    state: 'pending',
    formationId: null,
    tenantId: null,
    startedAt: null,
    destroyedAt: null,
    outcome: null,
    exitCode: null,
    terminalState: null,
    reason: null,
    firstSeq: seq,
    lastSeq: seq,
    updatedAt: null,
    eventCount: 0,
  };
}

/**
 * Applies one cell event to a cell (or to nothing, first sight). Pure: the
 * same record and event always give the same result, which is what makes
 * replicas and restarts converge.
 */
export function reduceCell(previous: CellRecord | undefined, event: CellEvent, seq: number): CellRecord {
  const next: Mutable<CellRecord> = { ...(previous ?? emptyCell(event.cellId, seq)) };
  next.lastSeq = seq;
  next.eventCount += 1;
  if (event.time !== null) next.updatedAt = event.time;
  // Identity fields ride on any cell event; a later event fills them in, never erases them.
  if (event.specId !== undefined) next.specId = event.specId;
  if (event.runId !== undefined) next.runId = event.runId;
  if (event.formationId !== undefined) next.formationId = event.formationId;
  if (event.tenantId !== undefined) next.tenantId = event.tenantId;

  const destroyed = next.state === 'destroyed';
  switch (event.action) {
    case 'started':
      // decided: destroyed is terminal; a late or repeated started does not revive the cell
      if (!destroyed) {
        next.state = 'running';
        if (event.time !== null) next.startedAt = event.time;
      }
      break;
    case 'commandCompleted':
      // decided: after a forced destroy any exit code is synthetic, so a late one stays cleared
      if (next.terminalState !== 'forced') next.exitCode = event.exitCode ?? null;
      break;
    case 'destroyed':
      if (!destroyed) {
        next.state = 'destroyed';
        next.destroyedAt = event.time;
        next.outcome = event.outcome ?? null;
        next.terminalState = event.terminalState ?? null;
        next.reason = event.reason ?? null;
        // decided: a forced destroy clears exitCode
        if (event.terminalState === 'forced') next.exitCode = null;
      }
      break;
    case 'failed':
      // decided: failed is a destroy with outcome failed
      if (!destroyed) {
        next.state = 'destroyed';
        next.destroyedAt = event.time;
        next.outcome = 'failed';
        next.reason = event.reason ?? null;
      }
      break;
    case 'touched':
      break;
  }
  return next;
}

const RECORD_FIELDS: readonly (keyof CellRecord)[] = [
  'id',
  'specId',
  'runId',
  'state',
  'formationId',
  'tenantId',
  'startedAt',
  'destroyedAt',
  'outcome',
  'exitCode',
  'terminalState',
  'reason',
  'firstSeq',
  'lastSeq',
  'updatedAt',
  'eventCount',
];

/** Names of the GraphQL fields whose value differs between two versions of a cell. */
export function changedCellFields(before: CellRecord | null, after: CellRecord): CellField[] {
  const changed: CellField[] = [];
  for (const field of RECORD_FIELDS) {
    if (before === null || before[field] !== after[field]) changed.push(field);
  }
  if (before === null || before.state !== after.state) changed.push('status');
  if (before === null || before.startedAt !== after.startedAt || before.destroyedAt !== after.destroyedAt) {
    changed.push('durationMs');
  }
  if (before === null || before.formationId !== after.formationId) changed.push('formation');
  return changed;
}
