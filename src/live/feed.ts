import type { GraphQLError } from 'graphql';

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
    });
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

/** A terminal error delivered as the last message of a feed (the field resolver throws it). */
export interface FeedError {
  kind: 'ERROR';
  error: GraphQLError;
}
