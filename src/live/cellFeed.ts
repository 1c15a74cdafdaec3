import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellField, CellRecord } from '../projection/records.js';
import type { ChangeKind } from './changes.js';
import { type ControlMessage, SeqFeed } from './feed.js';
import type { GroupLog, LogReader } from './groupLog.js';

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
 * marker, then live changes: read from its group's shared log, or from a
 * private coalescing queue while it is behind (groupLog.ts).
 */
export class CellFeed extends SeqFeed<CellChangeMessage> {
  private readonly reader: LogReader;
  private backlogIndex = 0;
  private synced = false;

  constructor(
    readonly matches: CellPredicate,
    private readonly catchUp: CatchUp,
    log: GroupLog,
  ) {
    super(catchUp.since);
    // Joined now, synchronously with the catch-up's cursor: the log holds exactly the deltas after it.
    this.reader = log.join(() => {
      this.wake();
      return this.waiting;
    });
    this.onClose(() => this.reader.close());
  }

  get queueSize(): number {
    return this.reader.pending + (this.catchUp.cells.length - this.backlogIndex);
  }

  get coalesced(): number {
    return this.reader.coalesced;
  }

  /** Live changes are read from the shared log only up to this seq (see LogReader.limit); none by default. */
  set foldLimit(seq: number) {
    this.reader.limit = seq;
  }

  /** True when its group's log holds changes it has not read, some maybe beyond the fold limit. */
  get unread(): boolean {
    return this.reader.unread;
  }

  /** True while it reads its group's shared log, false while it drains a private queue. */
  get sharing(): boolean {
    return this.reader.reading;
  }

  get idle(): boolean {
    return this.synced && this.reader.empty;
  }

  protected override onWaiting(): void {
    this.reader.waitForChange();
  }

  protected override discardPending(): void {
    this.reader.close();
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
    return this.reader.take();
  }
}
