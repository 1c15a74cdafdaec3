import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellField, CellRecord } from '../projection/records.js';
import type { CatchUp } from './catchUp.js';
import type { CatchUpPacer } from './catchUpPacer.js';
import type { ChangeKind } from './changes.js';
import { type ControlMessage, SeqFeed } from './feed.js';
import type { GroupLog, LogReader } from './groupLog.js';

type CellChangeMessage =
  | { kind: ChangeKind; seq: number; cell: CellRecord; changed: readonly CellField[] }
  /** Catch-up is over: the view equals the projection at `seq`; live changes follow. */
  | { kind: 'SYNCED'; seq: number };

export type CellFeedMessage = CellChangeMessage | ControlMessage;

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
  /** Waiting for the pacer's next turn to go on with the catch-up. */
  private paused = false;
  /** Its place among paused catch-ups: the oldest subscription goes on first. */
  private readonly ticket: number;

  constructor(
    readonly matches: CellPredicate,
    private readonly catchUp: CatchUp,
    log: GroupLog,
    private readonly pacer?: CatchUpPacer,
  ) {
    super(catchUp.since);
    this.ticket = pacer?.ticket() ?? 0;
    // Joined now, synchronously with the catch-up's cursor: the log holds exactly the deltas after it.
    this.reader = log.join(() => {
      this.wake();
      return this.waiting;
    });
    this.onClose(() => this.reader.close());
  }

  get queueSize(): number {
    return this.reader.pending + (this.catchUp.length - this.backlogIndex);
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
    // `unread` first: `empty` reads the log's tail past any batch cut, which would give a batched member a run of its own.
    return this.synced && !this.reader.unread && this.reader.empty;
  }

  protected override onWaiting(): void {
    if (this.paused) return;
    if (this.synced || !this.pacer) {
      this.reader.waitForChange();
      return;
    }
    // Only the pacer stops a catch-up: go on in the next turn of the event loop.
    this.paused = true;
    this.pacer.resumeNextTurn(this.ticket, () => {
      this.paused = false;
      this.wake();
      // Still waiting: the turn's budget ran out again (or SYNCED went out and the log is empty).
      if (this.waiting && !this.done) this.onWaiting();
    });
  }

  protected override discardPending(): void {
    this.reader.close();
  }

  protected nextMessage(): CellChangeMessage | undefined {
    const { catchUp } = this;
    if (this.backlogIndex < catchUp.length) {
      if (this.pacer && !this.pacer.mayDeliver()) return undefined;
      return catchUp.message(this.backlogIndex++);
    }
    if (!this.synced) {
      this.synced = true;
      return { kind: 'SYNCED', seq: Math.max(catchUp.syncedSeq, this.lastDeliveredSeq) };
    }
    return this.reader.take();
  }
}
