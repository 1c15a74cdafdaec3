import type { Bookmark, BookmarkTarget } from './bookmarks.js';
import type { FeedError, FeedFailure, Shutdown } from './endReasons.js';

/**
 * A pull-based async iterator that a producer feeds. Unlike an async
 * generator, `return()` takes effect at once even while a `next()` is
 * waiting, so a client that goes away frees its subscription immediately.
 */
export abstract class Feed<T> implements AsyncIterableIterator<T> {
  /** Pending next() calls, oldest first: a consumer may ask again before the last answer came. */
  private readonly waiters: ((result: IteratorResult<T>) => void)[] = [];
  private finished = false;
  private terminal: T | undefined;
  private terminalDelivered = false;
  private readonly cleanups: (() => void)[] = [];

  /** The next message if one is ready now, or undefined. */
  protected abstract poll(): T | undefined;

  get done(): boolean {
    return this.finished;
  }

  /** True while a next() call waits for a message. */
  protected get waiting(): boolean {
    return this.waiters.length > 0;
  }

  /** Called when a next() call starts waiting: a producer that wakes only waiting feeds registers it here. */
  protected onWaiting(): void {}

  /** Called by producers after they made a message available. */
  protected wake(): void {
    while (this.waiters.length > 0) {
      const message = this.pollOrTerminal();
      if (message === undefined) return;
      this.waiters.shift()!(message);
    }
  }

  /** Ends the feed after delivering `message` (an error or a shutdown marker). */
  protected endWith(message: T): void {
    if (this.finished || this.terminal !== undefined || this.terminalDelivered) return;
    this.terminal = message;
    this.wake();
  }

  onClose(cleanup: () => void): void {
    if (this.finished) cleanup();
    else this.cleanups.push(cleanup);
  }

  private pollOrTerminal(): IteratorResult<T> | undefined {
    if (this.finished) return { done: true, value: undefined };
    // The consumer asks again only once it has sent the terminal message: now we are finished.
    if (this.terminalDelivered) {
      this.finish();
      return { done: true, value: undefined };
    }
    if (this.terminal === undefined) {
      const message = this.poll();
      return message === undefined ? undefined : { done: false, value: message };
    }
    const value = this.terminal;
    this.terminalDelivered = true;
    return { done: false, value };
  }

  next(): Promise<IteratorResult<T>> {
    // Earlier callers are served first: only answer at once when nobody is waiting.
    const ready = this.waiters.length === 0 ? this.pollOrTerminal() : undefined;
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.onWaiting();
    });
  }

  /** The next message if one is ready now, without waiting: undefined when none is (or a next() is waiting). */
  takeReady(): IteratorResult<T> | undefined {
    return this.waiters.length === 0 ? this.pollOrTerminal() : undefined;
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ done: true, value: undefined });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** The consumer went away: release a pending next() and clean up. */
  protected close(): void {
    this.finish();
    for (const waiter of this.waiters.splice(0)) waiter({ done: true, value: undefined });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }
}

/** Messages every subscription feed can send besides its own. */
export type ControlMessage = Bookmark | Shutdown | FeedError;

/**
 * A feed whose messages carry stream seqs: it remembers the last seq it
 * delivered (the client's resume point), answers bookmarks when idle, and
 * ends with SHUTDOWN carrying that seq or with a failure (endReasons.ts).
 */
export abstract class SeqFeed<T extends { kind: string; seq: number }>
  extends Feed<T | ControlMessage>
  implements BookmarkTarget
{
  lastDeliveredSeq: number;
  /** The round's bookmark, one object shared by every feed it went to (bookmarks.ts). */
  private pendingBookmark: Bookmark | undefined;

  constructor(since: number) {
    super();
    this.lastDeliveredSeq = since;
  }

  /** True when everything up to the cursor has been handed over: only then is a bookmark truthful. */
  abstract get idle(): boolean;

  /** The feed's own next message, if one is ready. */
  protected abstract nextMessage(): T | undefined;

  /** Drops what is pending when the feed ends with an error. */
  protected discardPending(): void {}

  bookmark(message: Bookmark): void {
    if (!this.idle || message.seq <= this.lastDeliveredSeq) return;
    this.pendingBookmark = message;
    this.wake();
  }

  shutdown(): void {
    this.endWith({ kind: 'SHUTDOWN', seq: this.lastDeliveredSeq });
  }

  fail(reason: FeedFailure): void {
    this.discardPending();
    this.endWith({ kind: 'ERROR', reason });
  }

  protected poll(): T | Bookmark | undefined {
    const message = this.nextMessage() ?? this.takeBookmark();
    if (message) this.lastDeliveredSeq = Math.max(this.lastDeliveredSeq, message.seq);
    return message;
  }

  private takeBookmark(): Bookmark | undefined {
    const message = this.pendingBookmark;
    this.pendingBookmark = undefined;
    // A change delivered since the bookmark was handed over may have moved past it: seqs never decrease.
    return message !== undefined && message.seq > this.lastDeliveredSeq ? message : undefined;
  }
}
