import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellDelta, CellField, CellRecord } from '../projection/records.js';
import { type ChangeKind, CoalescingQueue, type DeltaMessages } from './changes.js';
import { type ControlMessage, SeqFeed } from './feed.js';

type CellChangeMessage =
  | { kind: ChangeKind; seq: number; cell: CellRecord; changed: readonly CellField[] }
  /** Catch-up is over: the view equals the projection at `seq`; live changes follow. */
  | { kind: 'SYNCED'; seq: number };

export type CellFeedMessage = CellChangeMessage | ControlMessage;

/** Every field a catch-up message may have changed: the client learns the whole record. */
const ALL_FIELDS: readonly CellField[] = [
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
];

export interface CatchUp {
  /** Cells to replay first, ordered by lastSeq ascending, all with lastSeq <= syncedSeq. */
  cells: readonly CellRecord[];
  /** snapshot: send only matching cells (the client starts empty). changes: also REMOVED for non-matching ones. */
  mode: 'snapshot' | 'changes';
  /** Only cells with lastSeq > since are replayed. */
  since: number;
  /** The projection cursor the catch-up was taken at. */
  syncedSeq: number;
}

/**
 * One `cells`/`cell` subscription: catch-up (snapshot, or the cells changed
 * since `after`, coalesced to their latest state, in seq order), a SYNCED
 * marker, then live changes through a per-cell coalescing queue.
 */
export class CellFeed extends SeqFeed<CellChangeMessage> {
  private readonly queue: CoalescingQueue;
  private backlogIndex = 0;
  private synced = false;

  constructor(
    readonly matches: CellPredicate,
    private readonly catchUp: CatchUp,
  ) {
    super(catchUp.since);
    this.queue = new CoalescingQueue(matches);
  }

  get queueSize(): number {
    return this.queue.size + (this.catchUp.cells.length - this.backlogIndex);
  }

  get coalesced(): number {
    return this.queue.coalesced;
  }

  get idle(): boolean {
    return this.synced && this.queue.size === 0;
  }

  offer(delta: CellDelta, shared?: DeltaMessages): void {
    if (this.done || delta.seq <= this.catchUp.syncedSeq) return;
    if (this.queue.offer(delta, shared)) this.wake();
  }

  protected nextMessage(): CellChangeMessage | undefined {
    const { cells, mode, since, syncedSeq } = this.catchUp;
    while (this.backlogIndex < cells.length) {
      const cell = cells[this.backlogIndex++]!;
      if (cell.lastSeq <= since) continue;
      const matching = this.matches(cell);
      if (matching)
        return {
          kind: mode === 'snapshot' || cell.firstSeq > since ? 'ADDED' : 'UPDATED',
          seq: cell.lastSeq,
          cell,
          changed: ALL_FIELDS,
        };
      if (mode === 'changes') return { kind: 'REMOVED', seq: cell.lastSeq, cell, changed: ALL_FIELDS };
    }
    if (!this.synced) {
      this.synced = true;
      return { kind: 'SYNCED', seq: Math.max(syncedSeq, this.lastDeliveredSeq) };
    }
    return this.queue.take();
  }
}
