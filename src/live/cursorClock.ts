/**
 * Lets callers wait until the projection has applied a given seq: `minSeq`
 * on queries and `after` on subscriptions. The ingest advances it after
 * every applied message.
 */
export class CursorClock {
  private waiters: { seq: number; resolve: (reached: boolean) => void; timer: NodeJS.Timeout }[] = [];
  private listeners = new Set<(seq: number) => void>();

  constructor(private current = 0) {}

  get cursor(): number {
    return this.current;
  }

  advance(seq: number): void {
    if (seq <= this.current) return;
    this.current = seq;
    if (this.waiters.length > 0) {
      const still = [];
      for (const waiter of this.waiters) {
        if (waiter.seq <= seq) {
          clearTimeout(waiter.timer);
          waiter.resolve(true);
        } else still.push(waiter);
      }
      this.waiters = still;
    }
    for (const listener of this.listeners) listener(seq);
  }

  /** Resets after a rebuild: the cursor may go backwards. */
  reset(seq = 0): void {
    this.current = seq;
  }

  /** True once the cursor reaches `seq`, false if `timeoutMs` passes first. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (seq <= this.current) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        seq,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  onAdvance(listener: (seq: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
