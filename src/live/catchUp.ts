import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellField, CellRecord } from '../projection/records.js';
import type { CellChange } from './changes.js';

/** Every field a catch-up message may have changed: the client learns the whole record. */
const ALL_FIELDS: readonly CellField[] = Object.freeze([
  'id',
  'specId',
  'runId',
  'state',
  'status',
  'formationId',
  'formation',
  'tenantId',
  'startedAt',
  'destroyedAt',
  'outcome',
  'exitCode',
  'terminalState',
  'reason',
  'durationMs',
  'firstSeq',
  'lastSeq',
  'updatedAt',
  'eventCount',
] as const);

/** How many of a catch-up's latest messages are kept for the subscribers reading along. */
const SHARED_WINDOW = 1024;

export type CatchUpMode = 'snapshot' | 'changes';

/**
 * What a cell subscription replays before SYNCED, taken at one cursor: a
 * snapshot (every matching cell) or the cells changed since `since`
 * (REMOVED for those that no longer match), ordered by lastSeq so every
 * message is a resume point.
 *
 * Why it is an object of its own: after a deploy every dashboard
 * reconnects at once and asks for the same snapshot. Records are immutable,
 * so a catch-up is an array of record references captured at a cursor, and
 * subscriptions of the same group asking at the same cursor share it (the
 * hub keeps it while the cursor stays put): one scan and sort, and one
 * message object per cell, built on first use, so the GraphQL layer
 * executes and serialises each message once for all of them
 * (sharedSubscriptions.ts, sharedFrames.ts). Each subscriber keeps only its
 * position.
 */
export class CatchUp {
  /** Messages built lately, by index: subscribers that read together share them (see message()). */
  private readonly recent = new Map<number, CellChange>();

  private constructor(
    /** Cells to replay, ordered by lastSeq ascending, all with since < lastSeq <= syncedSeq. */
    readonly cells: readonly CellRecord[],
    /** snapshot: only matching cells (the client starts empty). changes: also REMOVED for non-matching ones. */
    readonly mode: CatchUpMode,
    readonly since: number,
    /** The projection cursor the catch-up was taken at. */
    readonly syncedSeq: number,
    private readonly matches: CellPredicate,
  ) {}

  /** Nothing to replay: SYNCED at `cursor` comes at once. */
  static none(cursor: number, matches: CellPredicate): CatchUp {
    return new CatchUp([], 'changes', cursor, cursor, matches);
  }

  /**
   * Takes a catch-up at `cursor` from `candidates` (every cell the
   * subscriber could ever see): a snapshot keeps the matching ones, a
   * changes catch-up every one changed since `since`.
   */
  static take(
    candidates: Iterable<CellRecord>,
    matches: CellPredicate,
    mode: CatchUpMode,
    since: number,
    cursor: number,
  ): CatchUp {
    const cells: CellRecord[] = [];
    for (const cell of candidates) {
      if (cell.lastSeq > since && (mode === 'changes' || matches(cell))) cells.push(cell);
    }
    cells.sort((a, b) => a.lastSeq - b.lastSeq);
    return new CatchUp(cells, mode, since, cursor, matches);
  }

  get length(): number {
    return this.cells.length;
  }

  /**
   * The message for the cell at `index`: the same object for every
   * subscriber of this catch-up that reads it within the last
   * SHARED_WINDOW messages built (frozen). Only a window: a message keeps
   * its execution result and serialised frame alive (sharedSubscriptions.ts,
   * sharedFrames.ts), and 200 snapshots of 15k cells held whole would hold
   * gigabytes; a subscriber far behind the others builds its own.
   */
  message(index: number): CellChange {
    let message = this.recent.get(index);
    if (message === undefined) {
      const cell = this.cells[index]!;
      const kind = !this.matches(cell)
        ? 'REMOVED'
        : this.mode === 'snapshot' || cell.firstSeq > this.since
          ? 'ADDED'
          : 'UPDATED';
      message = Object.freeze({ kind, seq: cell.lastSeq, cell, changed: ALL_FIELDS });
      this.recent.set(index, message);
      if (this.recent.size > SHARED_WINDOW) this.recent.delete(this.recent.keys().next().value!);
    }
    return message;
  }
}
