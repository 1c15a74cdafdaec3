import { type DecodedMessage, toStreamEvent } from '../events/streamEvent.js';
import type { CellPredicate } from '../projection/cellFilter.js';
import type { CellRoute } from '../projection/cellSelection.js';
import type { Projection } from '../projection/projection.js';
import type { CellRecord, Delta } from '../projection/records.js';
import type { Logger } from '../util/logger.js';
import { BookmarkRounds } from './bookmarks.js';
import { CatchUp, CatchUpMessages } from './catchUp.js';
import { CatchUpPacer } from './catchUpPacer.js';
import { CellFeed } from './cellFeed.js';
import { DeltaMessages } from './changes.js';
import type { FeedFailure } from './endReasons.js';
import { type EventAccept, EventFeed, type ReadPage } from './eventFeed.js';
import { GroupLog } from './groupLog.js';
import { GroupRoutes } from './groupRoutes.js';

export interface HubOptions {
  /**
   * Bookmark rounds are at least this far apart: an idle subscription learns
   * a new cursor within about this long of the cursor moving (bookmarks.ts).
   */
  bookmarkIntervalMs: number;
  /** Live buffer of a raw `events` subscription before it ends with LAGGED. */
  eventQueueLimit: number;
  /** How often batched subscriptions may cut a new batch (default 10 ms). */
  batchWindowMs?: number;
  /** Where failures' internal details go (clients get only the failure's code and resume point). */
  logger?: Pick<Logger, 'warn'>;
  /**
   * Most entries a group's shared log holds (default 65,536, about two
   * minutes at 500 changes/s); a member more than half of it behind reads a
   * private coalescing queue until it has caught up (groupLog.ts). Large, so
   * that members slowed down by an overloaded machine keep sharing batches
   * instead of each building its own (BENCHMARKS.md, fan-out).
   */
  groupLogLimit?: number;
  /**
   * Catch-up (snapshot, changes since `after`) delivered per turn of the
   * event loop, in ms of wall-clock time, before it lets I/O run
   * (catchUpPacer.ts); 0 or absent: no pacing.
   */
  catchUpSliceMs?: number;
}

/** Changes catch-ups at the current cursor kept for the next subscriber of their group. */
const MAX_CACHED_CATCH_UPS = 256;

/**
 * Record references held by the groups' latest snapshots (16 MiB of
 * pointers): past it, the least recently asked for are dropped, and their
 * group's next snapshot is a full scan again.
 */
const MAX_SNAPSHOT_REFS = 2_097_152;

/** Cell subscriptions with the same key share one log; without a key, those with the same predicate object do. */
export type GroupKey = string | CellPredicate;

export interface HubStats {
  cellSubscriptions: number;
  eventSubscriptions: number;
  /** Messages waiting in all subscription queues (coalesced cell changes + raw events). */
  queuedMessages: number;
  /** Largest single subscription queue. */
  maxQueueDepth: number;
  /** Cell changes merged into a pending one (a slow subscriber got the latest state instead). */
  coalesced: number;
  /** Raw-event subscriptions ended with LAGGED. */
  lagged: number;
  /** Shared logs of cell subscriptions (one per group of identical filters). */
  groups: number;
  /** Cell subscriptions reading a private queue because they fell behind their group's log. */
  privateQueues: number;
  /** Catch-ups (snapshots, changes since `after`) taken, and those handed to a subscriber of the same group at the same seq instead. */
  catchUpsTaken: number;
  catchUpsShared: number;
  /** Of the catch-ups taken, snapshots built from their group's previous snapshot (CatchUp.advance). */
  snapshotsAdvanced: number;
  /** Times a catch-up waited for the next turn of the event loop (catchUpPacer.ts). */
  catchUpPauses: number;
  /** Bookmark rounds run (the cursor moved), and bookmarks they handed to idle subscriptions (bookmarks.ts). */
  bookmarkRounds: number;
  bookmarksSent: number;
}

/**
 * Fans projection deltas and raw messages out to subscriptions. Everything
 * here runs synchronously with `Projection.apply`, so a subscription that
 * registers between two messages sees exactly the deltas after its
 * catch-up point: no gap, no overlap.
 */
export class LiveHub {
  private readonly cellFeeds = new Set<CellFeed>();
  private readonly groups = new Map<GroupKey, GroupLog>();
  /** The groups each delta is offered to: only those whose route its cell is on (groupRoutes.ts). */
  private readonly routes = new GroupRoutes<GroupLog>();
  private readonly eventFeeds = new Set<EventFeed>();
  private coalescedClosed = 0;
  private lagged = 0;
  private readonly bookmarks: BookmarkRounds;
  private stopped = false;
  private cutSeq: number;
  private cutScheduled = false;
  private readonly cutWaiters: ((seq: number) => void)[] = [];
  private readonly pacer: CatchUpPacer;
  /** Changes catch-ups taken at `catchUpsSeq`, by group and `after`: valid only while the cursor stays there. */
  private catchUps = new Map<GroupKey, Map<number, CatchUp>>();
  private catchUpsSeq = -1;
  private catchUpsCached = 0;
  /** Each group's latest snapshot, least recently asked for first: the group's next one is built from it. */
  private snapshots = new Map<GroupKey, CatchUp>();
  private snapshotRefs = 0;
  /** One message object per record for every catch-up (catchUp.ts). */
  private readonly catchUpMessages = new CatchUpMessages();
  private catchUpsTaken = 0;
  private catchUpsShared = 0;
  private snapshotsAdvanced = 0;
  /** The next admission of catch-ups (see catchUpTurn), shared by every subscription asking in this turn. */
  private admission: Promise<void> | undefined;

  constructor(
    private readonly projection: Projection,
    private readonly options: HubOptions,
  ) {
    this.bookmarks = new BookmarkRounds(
      () => projection.cursor,
      () => this.allFeeds(),
      options.bookmarkIntervalMs,
    );
    this.cutSeq = projection.cursor;
    this.pacer = new CatchUpPacer(options.catchUpSliceMs ?? 0);
  }

  /**
   * Where batched subscriptions cut their batches: the projection cursor,
   * sampled at the end of a batch window (`batchWindowMs`, 10 ms by
   * default) that the first delta or the first batch waiting for a cut
   * opens, so at most once per window. Every batched subscriber that keeps
   * up takes (previous cut, cut], so subscribers that ask within the same
   * window hold the same batch and share its execution and serialisation
   * (batchFeed.ts). A window, not an event-loop turn: subscribers ask at
   * different turns (whenever their last frame was written), and per-turn
   * cuts left each with its own batch.
   */
  get cut(): number {
    return this.cutSeq;
  }

  /** The next cut, at the end of the current batch window. */
  nextCut(): Promise<number> {
    return new Promise((resolve) => {
      this.cutWaiters.push(resolve);
      this.scheduleCut();
    });
  }

  private scheduleCut(): void {
    if (this.cutScheduled) return;
    this.cutScheduled = true;
    setTimeout(() => {
      this.cutScheduled = false;
      this.cutSeq = this.projection.cursor;
      for (const resolve of this.cutWaiters.splice(0)) resolve(this.cutSeq);
    }, this.options.batchWindowMs ?? 10);
  }

  get accepting(): boolean {
    return !this.stopped;
  }

  /** Whether `publish` would read any delta: false while no cell subscription is open (then the ingest builds none). */
  get wantsDeltas(): boolean {
    return this.cellFeeds.size !== 0;
  }

  /** Called for every applied message, with the deltas it caused (maybe none). */
  publish(deltas: readonly Delta[]): void {
    if (this.cellFeeds.size === 0 && this.eventFeeds.size === 0) return;
    // Every applied message moves the cursor: idle subscribers are owed a bookmark.
    this.bookmarks.moved();
    if (this.cellFeeds.size === 0) return;
    this.scheduleCut();
    for (const delta of deltas) {
      if (delta.entity !== 'cell') continue;
      // One set of message objects per delta, shared by every group (and member) that takes it as is.
      const shared = new DeltaMessages(delta);
      this.routes.forEach(delta, (group) => group.offer(delta, shared));
    }
  }

  /** Called for every message taken off the stream, applied or not, as the ingest decoded it. */
  publishRaw(message: DecodedMessage): void {
    if (this.eventFeeds.size === 0) return;
    const event = toStreamEvent(message);
    for (const feed of this.eventFeeds) feed.offer(event);
  }

  /**
   * A cells subscription. With `after`, catch-up is every cell changed since
   * `after` (REMOVED for those that no longer match); with a snapshot, every
   * matching cell; otherwise nothing. Either way ordered by lastSeq, so every
   * delivered seq is a valid resume point. Subscriptions with the same
   * `group` share one log of live changes (groupLog.ts): the key must stand
   * for the predicate (the schema derives it from the filter and the
   * caller's visibility); without one, the predicate object is the key.
   * `route`, when given, must hold for every cell the predicate matches
   * (live changes of other cells are not offered to the group), and be the
   * same for every subscription of a group.
   */
  subscribeCells(
    matches: CellPredicate,
    options: {
      after?: number | null;
      snapshot: boolean;
      candidates?: Iterable<CellRecord>;
      group?: string;
      route?: CellRoute | null;
    },
  ): CellFeed {
    const key: GroupKey = options.group ?? matches;
    const route = options.route ?? null;
    const catchUp = this.catchUpOf(key, matches, options);
    let log = this.groups.get(key);
    if (!log) {
      this.groups.set(key, (log = new GroupLog(matches, this.options.groupLogLimit ?? 65_536)));
      this.routes.add(log, route);
    }
    const group = log;
    const feed = new CellFeed(matches, catchUp, group, this.pacer);
    this.cellFeeds.add(feed);
    feed.onClose(() => {
      this.cellFeeds.delete(feed);
      this.coalescedClosed += feed.coalesced;
      if (group.members === 0 && this.groups.get(key) === group) {
        this.groups.delete(key);
        this.routes.delete(group, route);
      }
    });
    return feed;
  }

  /**
   * Resolves in the check phase of this turn of the event loop (with
   * pacing on; at once without), for every subscription that asks in it:
   * a subscription with a catch-up calls subscribeCells only then. Why: a
   * wave of reconnecting dashboards arrives over one poll phase, and each
   * catch-up built on arrival blocked the loop for its own scan, one after
   * the other; admitted together, no event is applied between them, so they
   * share one catch-up per group at one cursor, built once.
   */
  catchUpTurn(): Promise<void> {
    if (!this.options.catchUpSliceMs || this.options.catchUpSliceMs <= 0) return Promise.resolve();
    this.admission ??= new Promise((resolve) =>
      setImmediate(() => {
        this.admission = undefined;
        resolve();
      }),
    );
    return this.admission;
  }

  /**
   * The catch-up of a new subscription at the current cursor (the key
   * stands for the predicate and the candidates, see subscribeCells). A
   * snapshot is the group's latest one when the cursor has not moved since,
   * or is built from it (CatchUp.advance); changes since `after` are shared
   * by the subscribers of a group asking with the same `after` at the same
   * cursor.
   */
  private catchUpOf(
    key: GroupKey,
    matches: CellPredicate,
    options: { after?: number | null; snapshot: boolean; candidates?: Iterable<CellRecord> },
  ): CatchUp {
    const cursor = this.projection.cursor;
    if (options.after == null && !options.snapshot) return CatchUp.none(cursor, matches);
    const candidates = () => options.candidates ?? this.projection.cells.values();
    if (options.after == null) return this.snapshotOf(key, matches, candidates, cursor);
    const since = options.after;
    // A quiet stream keeps the cursor put: start over rather than hold every `after` ever asked for.
    if (this.catchUpsSeq !== cursor || this.catchUpsCached >= MAX_CACHED_CATCH_UPS) {
      this.catchUps = new Map();
      this.catchUpsSeq = cursor;
      this.catchUpsCached = 0;
    }
    let bySince = this.catchUps.get(key);
    if (!bySince) this.catchUps.set(key, (bySince = new Map()));
    let catchUp = bySince.get(since);
    if (catchUp) {
      this.catchUpsShared += 1;
      return catchUp;
    }
    catchUp = CatchUp.take(candidates(), matches, 'changes', since, cursor, this.catchUpMessages);
    bySince.set(since, catchUp);
    this.catchUpsCached += 1;
    this.catchUpsTaken += 1;
    return catchUp;
  }

  private snapshotOf(
    key: GroupKey,
    matches: CellPredicate,
    candidates: () => Iterable<CellRecord>,
    cursor: number,
  ): CatchUp {
    const base = this.snapshots.get(key);
    let snapshot: CatchUp;
    if (base !== undefined && base.syncedSeq === cursor) {
      this.catchUpsShared += 1;
      snapshot = base;
    } else if (base !== undefined && base.syncedSeq < cursor) {
      snapshot = CatchUp.advance(base, candidates(), cursor);
      this.catchUpsTaken += 1;
      this.snapshotsAdvanced += 1;
    } else {
      snapshot = CatchUp.take(candidates(), matches, 'snapshot', 0, cursor, this.catchUpMessages);
      this.catchUpsTaken += 1;
    }
    // Re-inserted: the map's order is the order groups last asked in.
    if (base !== undefined) {
      this.snapshots.delete(key);
      this.snapshotRefs -= base.length;
    }
    this.snapshots.set(key, snapshot);
    this.snapshotRefs += snapshot.length;
    for (const [oldKey, old] of this.snapshots) {
      if (this.snapshotRefs <= MAX_SNAPSHOT_REFS || old === snapshot) break;
      this.snapshots.delete(oldKey);
      this.snapshotRefs -= old.length;
    }
    return snapshot;
  }

  /**
   * A raw events subscription. `accept` (null: every event) filters history
   * and live events for this subscriber alone: event feeds share nothing, so
   * callers of different tenants never share a message.
   */
  subscribeEvents(
    after: number,
    types: ReadonlySet<string> | null,
    readPage: ReadPage,
    accept: EventAccept = null,
  ): EventFeed {
    const feed = new EventFeed(
      after,
      this.projection.cursor,
      types,
      accept,
      this.options.eventQueueLimit,
      readPage,
      this.options.logger,
    );
    this.eventFeeds.add(feed);
    feed.onClose(() => {
      this.eventFeeds.delete(feed);
      if (feed.dropped > 0) this.lagged += 1;
    });
    return feed;
  }

  stats(): HubStats {
    let queued = 0;
    let max = 0;
    let coalesced = this.coalescedClosed;
    for (const feed of [...this.cellFeeds, ...this.eventFeeds]) {
      queued += feed.queueSize;
      max = Math.max(max, feed.queueSize);
    }
    let privateQueues = 0;
    for (const feed of this.cellFeeds) {
      coalesced += feed.coalesced;
      if (!feed.sharing && !feed.done) privateQueues += 1;
    }
    return {
      groups: this.groups.size,
      privateQueues,
      cellSubscriptions: this.cellFeeds.size,
      eventSubscriptions: this.eventFeeds.size,
      queuedMessages: queued,
      maxQueueDepth: max,
      coalesced,
      lagged: this.lagged,
      catchUpsTaken: this.catchUpsTaken,
      catchUpsShared: this.catchUpsShared,
      snapshotsAdvanced: this.snapshotsAdvanced,
      catchUpPauses: this.pacer.pauses,
      bookmarkRounds: this.bookmarks.rounds,
      bookmarksSent: this.bookmarks.sent,
    };
  }

  /** Ends every subscription with a SHUTDOWN message carrying its last delivered seq. */
  shutdown(): void {
    this.stopped = true;
    this.bookmarks.stop();
    for (const feed of [...this.cellFeeds, ...this.eventFeeds]) feed.shutdown();
  }

  /** Resolves once every subscription has delivered its last message, or after `timeoutMs`. */
  async drained(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.cellFeeds.size + this.eventFeeds.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ends every subscription with a failure (for example a stream reset). */
  failAll(reason: FeedFailure): void {
    // The stream was replaced or the state loaded: a seq may come back with other cells behind it.
    this.catchUps = new Map();
    this.catchUpsSeq = -1;
    this.snapshots = new Map();
    this.snapshotRefs = 0;
    for (const feed of [...this.cellFeeds, ...this.eventFeeds]) feed.fail(reason);
  }

  private *allFeeds(): Iterable<CellFeed | EventFeed> {
    yield* this.cellFeeds;
    yield* this.eventFeeds;
  }
}
