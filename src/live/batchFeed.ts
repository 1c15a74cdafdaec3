import { isArgumentFree, markArgumentFree } from './bookmarks.js';
import type { CellFeed, CellFeedMessage } from './cellFeed.js';
import type { FeedError } from './endReasons.js';

type CellMessage = Exclude<CellFeedMessage, FeedError>;

/** Everything a batched subscriber had pending, in order; `seq` is the last message's, a valid resume point. */
export interface CellBatch {
  kind: 'BATCH';
  seq: number;
  changes: readonly CellMessage[];
}

export type CellBatchMessage = CellBatch | FeedError;

/**
 * Batches of identical messages are the same object, so the GraphQL layer
 * executes (and serialises) them once per group of identical subscriptions,
 * like single messages. Keyed by the identities of the messages in order:
 * subscribers with different filters or paces have different messages
 * (or a coalesced one of their own) and so get a batch of their own.
 */
export class BatchCache {
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private readonly batches = new WeakMap<object, Map<string, CellBatch>>();

  get(changes: CellMessage[]): CellBatch {
    let key = '';
    for (const message of changes) {
      let id = this.ids.get(message);
      if (id === undefined) this.ids.set(message, (id = this.nextId++));
      key += `${id},`;
    }
    const first = changes[0]!;
    let byKey = this.batches.get(first);
    if (!byKey) this.batches.set(first, (byKey = new Map()));
    let batch = byKey.get(key);
    if (!batch) {
      batch = Object.freeze({
        kind: 'BATCH' as const,
        seq: changes[changes.length - 1]!.seq,
        changes: Object.freeze(changes),
      });
      // A batch of one bookmark is as argument-free as the bookmark: shared across filters too.
      if (changes.length === 1 && isArgumentFree(first)) markArgumentFree(batch);
      byKey.set(key, batch);
    }
    return batch;
  }
}

/**
 * A `cellBatches` subscription: the same feed as `cells` (catch-up, SYNCED,
 * per-cell coalescing, bookmarks, SHUTDOWN, errors), delivered as batches
 * of up to `maxBatch` messages: what is ready up to the hub's cut (the
 * projection cursor as sampled at the end of a batch window, see
 * LiveHub.cut), so every subscriber that keeps up takes the same messages
 * and shares the batch object.
 * A terminal error is never inside a batch: it ends the subscription on its
 * own, after the batch before it.
 */
export class BatchFeed implements AsyncIterableIterator<CellBatchMessage> {
  private held: CellFeedMessage | undefined;
  private ended = false;

  constructor(
    private readonly feed: CellFeed,
    private readonly maxBatch: number,
    private readonly cache: BatchCache,
    private readonly cuts: { readonly cut: number; nextCut(): Promise<number> },
  ) {}

  async next(): Promise<IteratorResult<CellBatchMessage>> {
    if (this.ended) return { done: true, value: undefined };
    let first = this.held;
    this.held = undefined;
    while (first === undefined) {
      // What the current cut covers, folded up to it: every member at the same position reads the same run.
      const ready = this.takeUpTo(this.cuts.cut);
      if (ready !== undefined) {
        if (ready.done) return this.end();
        first = ready.value;
      } else if (this.feed.unread) {
        // Changes wait beyond the cut: read them at the next one, like everyone else.
        await this.cuts.nextCut();
      } else {
        const step = await this.feed.next();
        if (step.done) return this.end();
        first = step.value;
      }
    }
    if (first.kind === 'ERROR') return { done: false, value: first };
    // Cut where every other batched subscriber cuts (see LiveHub.cut), so those that keep up share the batch.
    let cut = this.cuts.cut;
    if (first.seq > cut) cut = await this.cuts.nextCut();
    const changes: CellMessage[] = [first];
    while (changes.length < this.maxBatch) {
      const step = this.takeUpTo(cut);
      if (step === undefined) break;
      if (step.done) {
        this.ended = true;
        break;
      }
      if (step.value.kind === 'ERROR' || step.value.seq > cut) {
        this.held = step.value;
        break;
      }
      changes.push(step.value);
    }
    return { done: false, value: this.cache.get(changes) };
  }

  return(): Promise<IteratorResult<CellBatchMessage>> {
    this.ended = true;
    return this.feed.return().then(() => ({ done: true, value: undefined }));
  }

  throw(error?: unknown): Promise<IteratorResult<CellBatchMessage>> {
    this.ended = true;
    return this.feed.throw(error) as Promise<never>;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The feed's next ready message, live changes read from the shared log only up to `cut`. */
  private takeUpTo(cut: number): IteratorResult<CellFeedMessage> | undefined {
    this.feed.foldLimit = cut;
    try {
      return this.feed.takeReady();
    } finally {
      this.feed.foldLimit = Number.POSITIVE_INFINITY;
    }
  }

  private end(): IteratorResult<CellBatchMessage> {
    this.ended = true;
    return { done: true, value: undefined };
  }
}
