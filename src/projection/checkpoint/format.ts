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
 *   header       CheckpointHeader (identity, versions, cursor, how many lines of each section follow)
 *   state        counts, skipped types, recent rejections, dropped-field count and recent drops (oldest first)
 *   dedup ×d     the dedup window's ids in arrival order, oldest first, DEDUP_IDS_PER_LINE a line
 *   cells ×b     blocks of up to CELLS_PER_BLOCK cells as columns (see cellsToBlock), in id order
 *   formation ×f one row per formation (formationToRow), in id order
 *   timeline ×t  the timeline log's entries, TIMELINE_ENTRIES_PER_LINE a line, as
 *                [seq deltas, back links]: each seq minus the one before it (the
 *                first line's first from 0), and how many entries back the
 *                record's previous entry is (0: the record's first)
 *   trailer      { end: { sha256, digest } }
 *
 * Records are in id order, the order the projection digest hashes them in:
 * the loader computes the digest as it reads, without sorting, and rebuilds
 * first-seen order from the firstSeqs (a sort of numbers). `sha256` covers
 * every byte before the trailer line (uncompressed): a truncated or altered
 * checkpoint is refused. `digest` is the projection digest at `cursor` (the
 * one `Query.projection.digest` shows), computed again from the loaded
 * records. Change the layout: bump CHECKPOINT_FORMAT_VERSION.
 */
export const CHECKPOINT_FORMAT = 'cellgraph-checkpoint';
// 3: the timeline log (CellRecord.events, Formation.events). 4: cells as columns in id order.
export const CHECKPOINT_FORMAT_VERSION = 4;
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
  /** Lines of cells (blocks of up to CELLS_PER_BLOCK). */
  cellBlocks: seq,
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

/**
 * A block of cells as columns, one array per field in RECORD_FIELDS order,
 * after a dictionary shared by the block's repetitive string fields:
 *
 *   [dict, id[], specId[], runId[], state[], formationId[], tenantId[], startedAt[], destroyedAt[],
 *    outcome[], exitCode[], terminalState[], reason[], firstSeq[], lastSeq − firstSeq[], updatedAt[], eventCount[]]
 *
 * Dictionary fields hold an index into `dict` (-1: null). `updatedAt` is
 * UPDATED_AT_DESTROYED / UPDATED_AT_STARTED when it is the same string as
 * that field (it nearly always is), which also lets the loaded records share
 * one string. Columns parse several times faster than one array per cell,
 * and the block is a third of the bytes.
 */
export const CELLS_PER_BLOCK = 1024;
const UPDATED_AT_DESTROYED = 0;
const UPDATED_AT_STARTED = 1;

export function cellsToBlock(cells: readonly CellRecord[]): unknown[] {
  const dict: string[] = [];
  const indexes = new Map<string, number>();
  const code = (value: string | null): number => {
    if (value === null) return -1;
    let index = indexes.get(value);
    if (index === undefined) {
      index = dict.length;
      dict.push(value);
      indexes.set(value, index);
    }
    return index;
  };
  const n = cells.length;
  const columns = Array.from({ length: RECORD_FIELDS.length }, () => new Array<unknown>(n));
  for (let i = 0; i < n; i++) {
    const cell = cells[i]!;
    columns[0]![i] = cell.id;
    columns[1]![i] = code(cell.specId);
    columns[2]![i] = cell.runId;
    columns[3]![i] = code(cell.state);
    columns[4]![i] = code(cell.formationId);
    columns[5]![i] = code(cell.tenantId);
    columns[6]![i] = cell.startedAt;
    columns[7]![i] = cell.destroyedAt;
    columns[8]![i] = code(cell.outcome);
    columns[9]![i] = cell.exitCode;
    columns[10]![i] = code(cell.terminalState);
    columns[11]![i] = code(cell.reason);
    columns[12]![i] = cell.firstSeq;
    columns[13]![i] = cell.lastSeq - cell.firstSeq;
    columns[14]![i] =
      cell.updatedAt === null
        ? null
        : cell.updatedAt === cell.destroyedAt
          ? UPDATED_AT_DESTROYED
          : cell.updatedAt === cell.startedAt
            ? UPDATED_AT_STARTED
            : cell.updatedAt;
    columns[15]![i] = cell.eventCount;
  }
  return [dict, ...columns];
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
 * Each enum value as the constant the reducer uses: a string parsed from JSON
 * is a fresh copy, and the projection's counters are keyed by these values
 * (a property lookup by a fresh string costs a string-table lookup each time).
 */
const CANONICAL = new Map<string, string>(
  [...CELL_STATES, ...CELL_OUTCOMES, ...TERMINAL_STATES].map((value) => [value, value]),
);

/**
 * A block back into records, with their keys in the order the reducer
 * creates them (the digest hashes records as JSON, so the order is part of
 * the state). Every value is type-checked: indexes are built from these.
 */
export function blockToCells(block: unknown): CellRecord[] {
  if (!Array.isArray(block) || block.length !== RECORD_FIELDS.length + 1 || !Array.isArray(block[0]))
    throw new CheckpointUnusable('corrupt: malformed cell block');
  if (!block[0].every((v) => typeof v === 'string'))
    throw new CheckpointUnusable('corrupt: malformed cell block dictionary');
  const dict = (block[0] as string[]).map((value) => CANONICAL.get(value) ?? value);
  const ids = block[1];
  if (!Array.isArray(ids)) throw new CheckpointUnusable('corrupt: malformed cell block');
  const n = ids.length;
  for (let c = 2; c < block.length; c++)
    if (!Array.isArray(block[c]) || (block[c] as unknown[]).length !== n)
      throw new CheckpointUnusable('corrupt: malformed cell block: columns of different lengths');
  const [, , specIds, runIds, states, formationIds, tenantIds, starts, ends, outcomes, exitCodes] =
    block as unknown[][];
  const [terminalStates, reasons, firstSeqs, lastSeqDeltas, updates, eventCounts] = (block as unknown[][]).slice(11);
  // -1 is null; anything else must name a dictionary entry (an index out of range gives undefined: refused below).
  const entry = (index: unknown): string | null | undefined => (index === -1 ? null : dict[index as number]);
  const cells = new Array<CellRecord>(n);
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const specId = entry(specIds![i]);
    const runId = runIds![i];
    const state = entry(states![i]);
    const formationId = entry(formationIds![i]);
    const tenantId = entry(tenantIds![i]);
    const startedAt = starts![i];
    const destroyedAt = ends![i];
    const outcome = entry(outcomes![i]);
    const exitCode = exitCodes![i];
    const terminalState = entry(terminalStates![i]);
    const reason = entry(reasons![i]);
    const firstSeq = firstSeqs![i];
    const lastSeqDelta = lastSeqDeltas![i];
    const update = updates![i];
    const updatedAt =
      update === UPDATED_AT_DESTROYED ? destroyedAt : update === UPDATED_AT_STARTED ? startedAt : update;
    const eventCount = eventCounts![i];
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
      !isSeq(lastSeqDelta) ||
      !stringOrNull(updatedAt) ||
      !isSeq(eventCount)
    )
      throw new CheckpointUnusable(`corrupt: malformed cell ${JSON.stringify(id).slice(0, 100)} in a block`);
    cells[i] = {
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
      lastSeq: firstSeq + lastSeqDelta,
      updatedAt,
      eventCount,
    };
  }
  return cells;
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
