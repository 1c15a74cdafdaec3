import type { CellPredicate } from '../projection/cellQuery.js';
import type { CellDelta, CellField, CellRecord } from '../projection/records.js';
import { CoalescingQueue, type ChangeKind } from './changes.js';
import { Feed, type FeedError } from './feed.js';

export type CellFeedMessage =
  | { kind: ChangeKind; seq: number; cell: CellRecord; changed: readonly CellField[] }
  /** Catch-up is over: the view equals the projection at `seq`; live changes follow. */
  | { kind: 'SYNCED'; seq: number }
  /** Nothing pending: the view is current as of `seq`. Keeps an idle client's resume point fresh. */
  | { kind: 'BOOKMARK'; seq: number }
  /** The server is shutting down: resume elsewhere from `seq`, the last seq delivered. */
  | { kind: 'SHUTDOWN'; seq: number }
  | FeedError;

/** Every field a catch-up message may have changed: the client learns the whole record. */
const ALL_FIELDS: readonly CellField[] = [
  'id', 'specId', 'runId', 'state', 'status', 'formationId', 'formation', 'tenantId', 'startedAt', 'destroyedAt',
  'outcome', 'exitCode', 'terminalState', 'reason', 'durationMs', 'firstSeq', 'lastSeq', 'updatedAt', 'eventCount',
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
export class CellFeed extends Feed<CellFeedMessage> {
  private readonly queue: CoalescingQueue;
  private backlogIndex = 0;
  private synced = false;
  private bookmarkSeq: number | undefined;
  lastDeliveredSeq: number;
  lastSentAt = Date.now();

  constructor(
    readonly matches: CellPredicate,
    private readonly catchUp: CatchUp,
  ) {
    super();
    this.queue = new CoalescingQueue(matches);
    this.lastDeliveredSeq = catchUp.since;
  }

  get queueSize(): number {
    return this.queue.size + (this.catchUp.cells.length - this.backlogIndex);
  }

  get coalesced(): number {
    return this.queue.coalesced;
  }

  /** Whether everything up to the cursor has been handed over: only then is a bookmark truthful. */
  get idle(): boolean {
    return this.synced && this.queue.size === 0;
  }

  offer(delta: CellDelta): void {
    if (this.done || delta.seq <= this.catchUp.syncedSeq) return;
    if (this.queue.offer(delta)) this.wake();
  }

  bookmark(seq: number): void {
    if (!this.idle || seq <= this.lastDeliveredSeq) return;
    this.bookmarkSeq = seq;
    this.wake();
  }

  shutdown(): void {
    this.endWith({ kind: 'SHUTDOWN', seq: this.lastDeliveredSeq });
  }

  fail(error: FeedError['error']): void {
    this.endWith({ kind: 'ERROR', error });
  }

  protected poll(): CellFeedMessage | undefined {
    const message = this.nextMessage();
    if (message && 'seq' in message) {
      this.lastDeliveredSeq = Math.max(this.lastDeliveredSeq, message.seq);
      this.lastSentAt = Date.now();
    }
    return message;
  }

  private nextMessage(): CellFeedMessage | undefined {
    const { cells, mode, since, syncedSeq } = this.catchUp;
    while (this.backlogIndex < cells.length) {
      const cell = cells[this.backlogIndex++]!;
      if (cell.lastSeq <= since) continue;
      const matching = this.matches(cell);
      if (matching) return { kind: mode === 'snapshot' || cell.firstSeq > since ? 'ADDED' : 'UPDATED', seq: cell.lastSeq, cell, changed: ALL_FIELDS };
      if (mode === 'changes') return { kind: 'REMOVED', seq: cell.lastSeq, cell, changed: ALL_FIELDS };
    }
    if (!this.synced) {
      this.synced = true;
      return { kind: 'SYNCED', seq: Math.max(syncedSeq, this.lastDeliveredSeq) };
    }
    const change = this.queue.take();
    if (change) {
      this.bookmarkSeq = undefined;
      return change;
    }
    if (this.bookmarkSeq !== undefined) {
      const seq = this.bookmarkSeq;
      this.bookmarkSeq = undefined;
      return { kind: 'BOOKMARK', seq };
    }
    return undefined;
  }
}
