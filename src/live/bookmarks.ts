/** Nothing pending: the client has everything up to `seq`. Keeps an idle client's resume point fresh. */
export type Bookmark = { readonly kind: 'BOOKMARK'; readonly seq: number };

/**
 * Messages whose GraphQL result depends on the subscription's selection only,
 * not on its arguments (filter, after, ...): a BOOKMARK has a kind and a seq
 * and no cell. The GraphQL layer executes and serialises such a message once
 * per document shape instead of once per distinct filter
 * (server/plugins/sharedSubscriptions.ts).
 */
const argumentFree = new WeakSet<object>();

export function isArgumentFree(message: object): boolean {
  return argumentFree.has(message);
}

/** A message whose result depends on nothing else but argument-free messages (a batch of one bookmark). */
export function markArgumentFree<T extends object>(message: T): T {
  argumentFree.add(message);
  return message;
}

/** The feeds a bookmark round looks at. */
export interface BookmarkTarget {
  /** The last seq handed to the client: its resume point. */
  readonly lastDeliveredSeq: number;
  /** Everything up to the cursor has been handed over: only then is a bookmark truthful. */
  readonly idle: boolean;
  bookmark(message: Bookmark): void;
}

/**
 * Sends bookmarks when the cursor moves, not on a fixed timer: a filtered
 * subscriber whose filter matched none of the last events learns within
 * about `intervalMs` that its view is current as of the new seq.
 *
 * A round takes the cursor once, builds one frozen BOOKMARK object for it
 * and hands that very object to every idle feed that has not been told
 * that seq yet (a change already carried it), so the GraphQL layer shares
 * its execution and serialisation between all of them. Rounds are at least
 * `intervalMs` apart: the first move after a quiet spell gets a round at
 * once (next macrotask, after the batch of messages being applied), moves
 * during or right after a round wait for the next slot. A feed that was
 * busy (changes pending) during a round gets another round one interval
 * later, so it is not forgotten once it drains.
 */
export class BookmarkRounds {
  private timer: NodeJS.Timeout | undefined;
  private lastRoundAt = Number.NEGATIVE_INFINITY;
  private roundSeq: number;
  private stopped = false;
  /** Rounds run, and bookmarks handed to feeds by them (for stats and the benchmark). */
  rounds = 0;
  sent = 0;

  constructor(
    private readonly cursor: () => number,
    private readonly feeds: () => Iterable<BookmarkTarget>,
    private readonly intervalMs: number,
  ) {
    this.roundSeq = cursor();
  }

  /** The cursor may have moved (called for every message applied): schedules a round if none is. */
  moved(): void {
    // `!==`, not `>`: after a stream reset the cursor starts over below the last round's seq.
    if (this.timer !== undefined || this.stopped || this.cursor() === this.roundSeq) return;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    const delay = Math.max(0, this.lastRoundAt + this.intervalMs - performance.now());
    this.timer = setTimeout(() => this.round(), delay);
    this.timer.unref();
  }

  private round(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const seq = this.cursor();
    this.lastRoundAt = performance.now();
    this.roundSeq = seq;
    this.rounds += 1;
    const message: Bookmark = markArgumentFree(Object.freeze({ kind: 'BOOKMARK', seq }));
    let busy = false;
    for (const feed of this.feeds()) {
      if (feed.lastDeliveredSeq >= seq) continue;
      if (!feed.idle) {
        busy = true;
        continue;
      }
      feed.bookmark(message);
      this.sent += 1;
    }
    // Busy feeds drain and then owe their client the seq: come back for them.
    if (busy || this.cursor() !== seq) this.schedule();
  }
}
