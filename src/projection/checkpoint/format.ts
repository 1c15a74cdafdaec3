// The checkpoint format: what a checkpoint holds, line by line, and how records become compact rows and back.
import { z } from 'zod';
import { RECORD_FIELDS } from '../cellReducer.js';
import { FORMATION_FIELDS } from '../formationReducer.js';
import {
  CELL_OUTCOMES,
  CELL_STATES,
  type CellRecord,
  FORMATION_STATUSES,
  type FormationRecord,
  TERMINAL_STATES,
} from '../records.js';

/**
 * A checkpoint is gzip over newline-separated JSON lines:
 *
 *   header      CheckpointHeader (identity, versions, cursor, how many lines of each section follow)
 *   state       counts, skipped types, recent rejections, dropped-field count and recent drops (oldest first)
 *   dedup ×d    the dedup window's ids in arrival order, oldest first, DEDUP_IDS_PER_LINE a line
 *   cell ×c     one row (array, RECORD_FIELDS order) per cell, in first-seen order
 *   formation ×f one row per formation, in first-seen order
 *   timeline ×t the timeline log's entries, TIMELINE_ENTRIES_PER_LINE a line, as
 *               [seq deltas, back links]: each seq minus the one before it (the
 *               first line's first from 0), and how many entries back the
 *               record's previous entry is (0: the record's first)
 *   trailer     { end: { sha256, digest } }
 *
 * `sha256` covers every byte before the trailer line (uncompressed): a
 * truncated or altered checkpoint is refused. `digest` is the projection
 * digest at `cursor` (the one `Query.projection.digest` shows), checked again
 * on the loaded projection. Change the layout: bump CHECKPOINT_FORMAT_VERSION.
 */
export const CHECKPOINT_FORMAT = 'cellgraph-checkpoint';
// 3: the timeline log (CellRecord.events, Formation.events).
export const CHECKPOINT_FORMAT_VERSION = 3;
export const DEDUP_IDS_PER_LINE = 5_000;
export const TIMELINE_ENTRIES_PER_LINE = 10_000;

const seq = z.number().int().nonnegative();

export const checkpointHeaderSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.number().int(),
  /** REDUCER_RULES_VERSION of the writer. */
  rulesVersion: z.number().int(),
  stream: z.string(),
  /** The stream's `created` time: a stream deleted and recreated under the same name has another. */
  streamCreated: z.string(),
  cursor: seq,
  cells: seq,
  formations: seq,
  dedupCapacity: seq,
  dedupIds: seq,
  /** Entries of the timeline log. */
  timeline: seq,
  cellFields: z.array(z.string()),
  formationFields: z.array(z.string()),
  writtenAt: z.string(),
});
export type CheckpointHeader = z.infer<typeof checkpointHeaderSchema>;

export const checkpointStateSchema = z.object({
  counts: z.object({ applied: seq, duplicates: seq, skipped: seq, rejected: seq }),
  skippedByType: z.array(z.tuple([z.string(), seq])),
  rejections: z.array(z.object({ seq, reason: z.string() })),
  droppedFieldCount: seq,
  fieldDrops: z.array(z.object({ seq, field: z.string(), reason: z.string() })),
});
export type CheckpointState = z.infer<typeof checkpointStateSchema>;

export const checkpointTrailerSchema = z.object({
  end: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), digest: z.string().regex(/^[0-9a-f]{64}$/) }),
});

/** Why a checkpoint cannot be used; the loader logs it and the stream is replayed from seq 1. */
export class CheckpointUnusable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'CheckpointUnusable';
  }
}

export function cellToRow(cell: CellRecord): unknown[] {
  return [
    cell.id,
    cell.specId,
    cell.runId,
    cell.state,
    cell.formationId,
    cell.tenantId,
    cell.startedAt,
    cell.destroyedAt,
    cell.outcome,
    cell.exitCode,
    cell.terminalState,
    cell.reason,
    cell.firstSeq,
    cell.lastSeq,
    cell.updatedAt,
    cell.eventCount,
  ];
}

const stringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isSeq = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const oneOf = <T extends string>(values: readonly T[]) => {
  const set = new Set<unknown>(values);
  return (v: unknown): v is T => set.has(v);
};
const isState = oneOf(CELL_STATES);
const isOutcome = oneOf(CELL_OUTCOMES);
const isTerminalState = oneOf(TERMINAL_STATES);
const isFormationStatus = oneOf(FORMATION_STATUSES);

/**
 * A row back into a record, with its keys in the order the reducer creates
 * them (the digest hashes records as JSON, so the order is part of the
 * state). Every value is type-checked: indexes are built from these.
 */
export function rowToCell(row: unknown): CellRecord {
  if (!Array.isArray(row) || row.length !== RECORD_FIELDS.length)
    throw new CheckpointUnusable('corrupt: malformed cell row');
  const [id, specId, runId, state, formationId, tenantId, startedAt, destroyedAt, outcome, exitCode] = row;
  const [terminalState, reason, firstSeq, lastSeq, updatedAt, eventCount] = row.slice(10);
  if (
    typeof id !== 'string' ||
    !stringOrNull(specId) ||
    !stringOrNull(runId) ||
    !isState(state) ||
    !stringOrNull(formationId) ||
    !stringOrNull(tenantId) ||
    !stringOrNull(startedAt) ||
    !stringOrNull(destroyedAt) ||
    !(outcome === null || isOutcome(outcome)) ||
    !(exitCode === null || typeof exitCode === 'number') ||
    !(terminalState === null || isTerminalState(terminalState)) ||
    !stringOrNull(reason) ||
    !isSeq(firstSeq) ||
    !isSeq(lastSeq) ||
    !stringOrNull(updatedAt) ||
    !isSeq(eventCount)
  )
    throw new CheckpointUnusable(`corrupt: malformed cell row ${JSON.stringify(row).slice(0, 200)}`);
  return {
    id,
    specId,
    runId,
    state,
    formationId,
    tenantId,
    startedAt,
    destroyedAt,
    outcome,
    exitCode,
    terminalState,
    reason,
    firstSeq,
    lastSeq,
    updatedAt,
    eventCount,
  };
}

export function formationToRow(formation: FormationRecord): unknown[] {
  return [
    formation.id,
    formation.name,
    formation.status,
    formation.document,
    formation.reason,
    formation.createdAt,
    formation.firstSeq,
    formation.lastSeq,
    formation.updatedAt,
    formation.eventCount,
  ];
}

export function rowToFormation(row: unknown): FormationRecord {
  if (!Array.isArray(row) || row.length !== FORMATION_FIELDS.length)
    throw new CheckpointUnusable('corrupt: malformed formation row');
  const [id, name, status, document, reason, createdAt, firstSeq, lastSeq, updatedAt, eventCount] = row;
  if (
    typeof id !== 'string' ||
    !stringOrNull(name) ||
    !isFormationStatus(status) ||
    !(document === null || (typeof document === 'object' && !Array.isArray(document))) ||
    !stringOrNull(reason) ||
    !stringOrNull(createdAt) ||
    !isSeq(firstSeq) ||
    !isSeq(lastSeq) ||
    !stringOrNull(updatedAt) ||
    !isSeq(eventCount)
  )
    throw new CheckpointUnusable(`corrupt: malformed formation row ${JSON.stringify(row).slice(0, 200)}`);
  return {
    id,
    name,
    status,
    document: document as Record<string, unknown> | null,
    reason,
    createdAt,
    firstSeq,
    lastSeq,
    updatedAt,
    eventCount,
  };
}
