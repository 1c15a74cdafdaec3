import type { CellEvent } from '../events/decode.js';
import type { CellField, CellRecord } from './records.js';

/**
 * The version of the rules that turn events into records: the decoder's
 * (which events are accepted, how fields are read) and the reducers'. Bump it
 * with any change that can make a full replay produce a different state:
 * checkpoints written under another version are then refused and the stream
 * is replayed from seq 1.
 */
// 2: optional fields that break their rule are dropped, not rejected; late events after a destroy only fill nulls.
export const REDUCER_RULES_VERSION = 2;

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
  if (next.state === 'destroyed') fillAfterDestroy(next, event);
  else applyToLiveCell(next, event);
  return next;
}

/** A cell that is not destroyed yet: the event's fields are the newest truth. */
function applyToLiveCell(next: Mutable<CellRecord>, event: CellEvent): void {
  // Identity fields ride on any cell event; a later event updates them, never erases them.
  if (event.specId !== undefined) next.specId = event.specId;
  if (event.runId !== undefined) next.runId = event.runId;
  if (event.formationId !== undefined) next.formationId = event.formationId;
  if (event.tenantId !== undefined) next.tenantId = event.tenantId;
  switch (event.action) {
    case 'started':
      next.state = 'running';
      if (event.time !== null) next.startedAt = event.time;
      break;
    case 'commandCompleted':
      next.exitCode = event.exitCode ?? null;
      break;
    case 'destroyed':
      next.state = 'destroyed';
      next.destroyedAt = event.time;
      next.outcome = event.outcome ?? null;
      next.terminalState = event.terminalState ?? null;
      next.reason = event.reason ?? null;
      // decided: a forced destroy clears exitCode (any exit code it had is synthetic)
      if (event.terminalState === 'forced') next.exitCode = null;
      break;
    case 'failed':
      // decided: failed is a destroy with outcome failed
      next.state = 'destroyed';
      next.destroyedAt = event.time;
      next.outcome = 'failed';
      next.reason = event.reason ?? null;
      break;
    case 'touched':
      break;
  }
}

/**
 * decided: destroyed is terminal, and a later event of the cell (late,
 * repeated, or a second destroy) only fills fields that are still null. It
 * never overwrites a value and never changes state, outcome, destroyedAt or
 * startedAt; it still counts as an event of the cell.
 */
function fillAfterDestroy(next: Mutable<CellRecord>, event: CellEvent): void {
  if (next.specId === null && event.specId !== undefined) next.specId = event.specId;
  if (next.runId === null && event.runId !== undefined) next.runId = event.runId;
  if (next.formationId === null && event.formationId !== undefined) next.formationId = event.formationId;
  if (next.tenantId === null && event.tenantId !== undefined) next.tenantId = event.tenantId;
  if (next.reason === null && event.reason !== undefined) next.reason = event.reason;
  if (next.terminalState === null && event.terminalState !== undefined) next.terminalState = event.terminalState;
  // decided: after a forced destroy any exit code is synthetic, so a late one is not taken
  if (next.exitCode === null && event.exitCode !== undefined && next.terminalState !== 'forced')
    next.exitCode = event.exitCode;
}

export const RECORD_FIELDS: readonly (keyof CellRecord)[] = [
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

/** Every GraphQL field of a cell: what a new cell (and a catch-up message, which sends the whole record) changed. */
export const ALL_CELL_FIELDS: readonly CellField[] = Object.freeze([
  ...RECORD_FIELDS,
  'status',
  'durationMs',
  'formation',
]);

/**
 * Names of the GraphQL fields whose value differs between two versions of a
 * cell, in RECORD_FIELDS order then the derived ones. Written out field by
 * field: a loop of keyed reads over the names was a measurable share of replay.
 */
export function changedCellFields(before: CellRecord | null, after: CellRecord): CellField[] {
  if (before === null) return [...ALL_CELL_FIELDS];
  const changed: CellField[] = [];
  if (before.id !== after.id) changed.push('id');
  if (before.specId !== after.specId) changed.push('specId');
  if (before.runId !== after.runId) changed.push('runId');
  if (before.state !== after.state) changed.push('state');
  if (before.formationId !== after.formationId) changed.push('formationId');
  if (before.tenantId !== after.tenantId) changed.push('tenantId');
  if (before.startedAt !== after.startedAt) changed.push('startedAt');
  if (before.destroyedAt !== after.destroyedAt) changed.push('destroyedAt');
  if (before.outcome !== after.outcome) changed.push('outcome');
  if (before.exitCode !== after.exitCode) changed.push('exitCode');
  if (before.terminalState !== after.terminalState) changed.push('terminalState');
  if (before.reason !== after.reason) changed.push('reason');
  if (before.firstSeq !== after.firstSeq) changed.push('firstSeq');
  if (before.lastSeq !== after.lastSeq) changed.push('lastSeq');
  if (before.updatedAt !== after.updatedAt) changed.push('updatedAt');
  if (before.eventCount !== after.eventCount) changed.push('eventCount');
  if (before.state !== after.state) changed.push('status');
  if (before.startedAt !== after.startedAt || before.destroyedAt !== after.destroyedAt) changed.push('durationMs');
  if (before.formationId !== after.formationId) changed.push('formation');
  return changed;
}
