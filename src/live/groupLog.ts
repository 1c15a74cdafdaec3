import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellDelta } from '../projection/records.js';
import { type CellChange, type ChangeKind, CoalescingQueue, changeKind, type DeltaMessages } from './changes.js';

const NOTHING: readonly CellChange[] = [];

/**
 * One ordered log of changes shared by a group of cell subscriptions with
 * the same filter (the schema names the group: same filter and caller
 * visibility). Why: with a coalescing queue per subscriber, every delta
 * cost a Map update per subscriber, and 1,000 subscribers of one filter
 * spent a core on it (BENCHMARKS.md). Here a delta costs one predicate test
 * and one append per group; each member keeps only a position in the log.
 *
 * A member reads the log in runs: everything from its position to the end,
 * folded exactly as its own coalescing queue would hand it over (one change
 * per cell, the latest state, fields merged, moved to the back), computed
 * once per run and shared by every member reading the same run, so members
 * that keep up get the very same message objects (and share execution and
 * serialisation above). A member that falls more than half the log's limit
 * behind detaches: its unread part of the log becomes a private
 * CoalescingQueue (bounded by the cells it watches, as before), fed by
 * every later delta; once it has drained that queue it is current again and
 * rejoins the log at its end. The log holds at most `limit` entries.
 */
export class GroupLog {
  private entries: LogEntry[] = [];
  /** Absolute index of entries[0]. */
  private base = 0;
  /** Cell id → absolute index of its latest entry still in the log. */
  private readonly latest = new Map<string, number>();
  private readonly readers = new Set<LogReader>();
  private readonly detached = new Set<LogReader>();
  private waiting = new Set<LogReader>();
  /** Folds by `from:to` (entries never change once appended); pending counts by start, until the next append. */
  private folds = new Map<string, Fold>();
  private pendingCounts = new Map<number, number>();

  constructor(
    readonly matches: CellPredicate,
    private readonly limit: number,
  ) {}

  /** Absolute index one past the last entry. */
  get end(): number {
    return this.base + this.entries.length;
  }

  get members(): number {
    return this.readers.size;
  }

  /** Entries held (for tests and stats). */
  get length(): number {
    return this.entries.length;
  }

  /** A new member, current as of now: it reads what is appended from here on. `wake` returns whether it still waits. */
  join(wake: () => boolean): LogReader {
    const reader = new LogReader(this, this.end, wake);
    this.readers.add(reader);
    return reader;
  }

  leave(reader: LogReader): void {
    this.readers.delete(reader);
    this.detached.delete(reader);
    this.waiting.delete(reader);
    if (this.readers.size === this.detached.size) this.clear();
  }

  /** Called for every cell delta the projection produces. */
  offer(delta: CellDelta, shared: DeltaMessages): void {
    for (const reader of this.detached) reader.offerPrivate(delta, shared);
    if (this.readers.size === this.detached.size) return;
    const id = delta.after.id;
    const previous = this.latest.get(id) ?? -1;
    const kind = changeKind(delta.before !== null && this.matches(delta.before), this.matches(delta.after));
    // A delta that concerns no member's view is left out, unless a member may still hold the cell pending
    // (an earlier entry): a queue merges it into that entry (a REMOVED moving on to a later seq).
    if (kind === null && previous < 0) return;
    this.latest.set(id, this.end);
    this.entries.push({ delta, shared, kind, previous });
    if (this.pendingCounts.size > 0) this.pendingCounts = new Map();
    if (this.entries.length > this.limit) this.trim();
    if (this.waiting.size > 0) {
      const woken = this.waiting;
      this.waiting = new Set();
      for (const reader of woken) if (reader.notify()) this.waiting.add(reader);
    }
  }

  /** A member waits for the next append. */
  waitFor(reader: LogReader): void {
    if (reader.reading) this.waiting.add(reader);
  }

  /** Absolute index of the first entry at or after `from` with a seq above `seq` (the end when none). */
  boundary(from: number, seq: number): number {
    let low = from - this.base;
    let high = this.entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.entries[middle]!.delta.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return this.base + low;
  }

  /**
   * The log from `from` to `to` (its end by default), as a coalescing queue
   * that was offered those deltas would hand them over. Shared by every
   * member reading the same run.
   */
  fold(from: number, to = this.end): Fold {
    const key = `${from}:${to}`;
    let fold = this.folds.get(key);
    if (fold) return fold;
    const stop = to - this.base;
    let repeats = false;
    for (let i = from - this.base; i < stop; i++) {
      if (this.entries[i]!.previous >= from) {
        repeats = true;
        break;
      }
    }
    const messages: CellChange[] = [];
    if (!repeats) {
      // Every cell once: each delta as is, in log order (what a queue does without a merge).
      for (let i = from - this.base; i < stop; i++) {
        const entry = this.entries[i]!;
        if (entry.kind !== null) messages.push(entry.shared.get(entry.kind));
      }
      fold = { messages, coalesced: 0 };
    } else {
      const queue = this.queueFrom(from, NOTHING, to);
      for (let change = queue.take(); change; change = queue.take()) messages.push(change);
      fold = { messages, coalesced: queue.coalesced };
    }
    // Runs are read within a few batch windows of being appended: a small cache is enough.
    if (this.folds.size >= 256) this.folds = new Map();
    this.folds.set(key, fold);
    return fold;
  }

  /**
   * How many cells are pending for a member at `from` that still holds
   * `held` (the rest of its run): each cell counted once, like a queue's size.
   */
  pendingFrom(from: number, held: readonly CellChange[]): number {
    if (held.length > 0) {
      const ids = new Set(held.map((change) => change.cell.id));
      for (let i = from - this.base; i < this.entries.length; i++) ids.add(this.entries[i]!.delta.after.id);
      return ids.size;
    }
    let count = this.pendingCounts.get(from);
    if (count !== undefined) return count;
    count = 0;
    for (let i = from - this.base; i < this.entries.length; i++) if (this.entries[i]!.previous < from) count += 1;
    this.pendingCounts.set(from, count);
    return count;
  }

  /** The reader drained its private queue: it is current, and reads the log from its end again. */
  reattach(reader: LogReader): void {
    this.detached.delete(reader);
    reader.attachAt(this.end);
  }

  private queueFrom(from: number, held: readonly CellChange[] = NOTHING, to = this.end): CoalescingQueue {
    const queue = new CoalescingQueue(this.matches);
    for (const change of held) queue.hold(change);
    for (let i = from - this.base; i < to - this.base; i++) {
      const entry = this.entries[i]!;
      queue.offer(entry.delta, entry.shared);
    }
    return queue;
  }

  /**
   * The log outgrew its limit: members more than half of it behind move to
   * private queues, and the entries every remaining member has read go.
   * Half, so the next trim is at least half a log of appends away.
   */
  private trim(): void {
    const keepFrom = this.end - (this.limit >> 1);
    let start = this.end;
    for (const reader of this.readers) {
      if (!reader.reading) continue;
      if (reader.position < keepFrom) {
        reader.detach((unread) => this.queueFrom(reader.position, unread));
        this.detached.add(reader);
        if (this.waiting.delete(reader)) reader.notify();
      } else start = Math.min(start, reader.position);
    }
    this.dropBefore(start);
  }

  private dropBefore(start: number): void {
    const count = start - this.base;
    for (let i = 0; i < count; i++) {
      const { delta } = this.entries[i]!;
      if (this.latest.get(delta.after.id) === this.base + i) this.latest.delete(delta.after.id);
    }
    this.entries = this.entries.slice(count);
    this.base = start;
    this.folds = new Map();
  }

  /** Nobody reads the log: forget it (members that come back join at its end). */
  private clear(): void {
    this.base = this.end;
    this.entries = [];
    this.latest.clear();
    this.folds = new Map();
    this.pendingCounts = new Map();
  }
}

interface LogEntry {
  readonly delta: CellDelta;
  readonly shared: DeltaMessages;
  /** The change for a member that read everything before this entry; null when it doesn't concern such a member. */
  readonly kind: ChangeKind | null;
  /** Absolute index of the previous entry about the same cell, -1 when none is in the log. */
  readonly previous: number;
}

/** A run of the log as a member receives it. */
export interface Fold {
  readonly messages: readonly CellChange[];
  /** Deltas merged into a pending change of the same cell (a queue's `coalesced`). */
  readonly coalesced: number;
}

/**
 * One member's place in its group's log: a position (shared mode), or a
 * private coalescing queue while it is behind. Either way `take()` hands
 * over the member's next change, in seq order.
 */
export class LogReader {
  private run: readonly CellChange[] = NOTHING;
  private runIndex = 0;
  private queue: CoalescingQueue | undefined;
  private closed = false;
  private coalescedBefore = 0;
  /**
   * While reading the shared log, take runs only up to this seq: batched
   * members fold up to the hub's batch cut, so members at the same position
   * read the same run whenever each of them asks (batchFeed.ts).
   */
  limit = Number.POSITIVE_INFINITY;

  constructor(
    private readonly log: GroupLog,
    /** Absolute index of the next entry to read (meaningful while `reading`). */
    public position: number,
    private readonly wake: () => boolean,
  ) {}

  /** True while the member reads the shared log, false while it drains a private queue. */
  get reading(): boolean {
    return this.queue === undefined && !this.closed;
  }

  /** Deltas merged into a pending change for this member so far. */
  get coalesced(): number {
    return this.coalescedBefore + (this.queue?.coalesced ?? 0);
  }

  /** Changes pending for this member. */
  get pending(): number {
    if (this.closed) return 0;
    // A private queue holds the rest of the run it detached with: nothing is counted twice.
    if (this.queue) return this.queue.size;
    return this.log.pendingFrom(this.position, this.run.slice(this.runIndex));
  }

  /** True when nothing is pending (it reads the log's tail to know, as take() would). */
  get empty(): boolean {
    if (this.closed) return true;
    if (this.runIndex < this.run.length) return false;
    if (this.queue) return this.queue.size === 0;
    this.readRun(Number.POSITIVE_INFINITY);
    return this.runIndex >= this.run.length;
  }

  take(): CellChange | undefined {
    if (this.closed) return undefined;
    for (;;) {
      if (this.runIndex < this.run.length) return this.run[this.runIndex++];
      if (this.queue) {
        const change = this.queue.take();
        if (change) return change;
        this.log.reattach(this);
        return undefined;
      }
      if (!this.readRun(this.limit)) return undefined;
    }
  }

  /** Waits for the next append (a waiting next()). */
  waitForChange(): void {
    this.log.waitFor(this);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.run = NOTHING;
    this.queue = undefined;
    this.log.leave(this);
  }

  /** @internal GroupLog: something was appended; returns whether the member still waits. */
  notify(): boolean {
    return this.wake();
  }

  /** @internal GroupLog: private mode, every delta offered directly. */
  offerPrivate(delta: CellDelta, shared: DeltaMessages): void {
    if (this.queue?.offer(delta, shared)) this.wake();
  }

  /**
   * @internal GroupLog: the member fell behind. Its private queue holds what
   * it had not taken yet of its current run, then its unread part of the log
   * (so one pending change per cell, as ever).
   */
  detach(build: (unread: readonly CellChange[]) => CoalescingQueue): void {
    this.queue = build(this.run.slice(this.runIndex));
    this.run = NOTHING;
    this.runIndex = 0;
  }

  /** @internal GroupLog: back to shared mode at `position`. */
  attachAt(position: number): void {
    if (this.queue) this.coalescedBefore += this.queue.coalesced;
    this.queue = undefined;
    this.position = position;
  }

  /** True when the shared log holds entries this member has not read yet (beyond any limit). */
  get unread(): boolean {
    return this.reading && this.position < this.log.end;
  }

  /** Takes the log from the position up to `limit` as the next run; false when there was nothing new. */
  private readRun(limit: number): boolean {
    const end = this.log.end;
    if (this.position >= end) return false;
    const to = limit === Number.POSITIVE_INFINITY ? end : this.log.boundary(this.position, limit);
    if (to <= this.position) return false;
    const fold = this.log.fold(this.position, to);
    this.position = to;
    this.run = fold.messages;
    this.runIndex = 0;
    this.coalescedBefore += fold.coalesced;
    return true;
  }
}
