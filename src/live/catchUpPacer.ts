/**
 * Shares the event loop between catch-up delivery and everything else.
 *
 * Why: a subscriber's catch-up messages are ready at once, and a socket
 * write that the kernel takes at once calls back on the next tick, so
 * graphql-ws delivers a whole snapshot in one macrotask: 50 dashboards
 * reconnecting after a deploy, 15k cells each, kept ingest and queries
 * waiting for seconds (issue 14 §3). Here catch-up messages are handed out
 * from a time budget per turn of the event loop: once `sliceMs` have passed
 * since the first catch-up message of the turn, every catch-up waits for
 * the next turn (setImmediate, after the poll phase has run I/O: ingest,
 * queries, new sockets), where the waiting subscribers resume in the order
 * they stopped. The budget is wall-clock time and covers what the first
 * messages cost downstream in the same turn (execution, serialisation,
 * socket writes), so it bounds a turn's catch-up work whatever a message
 * costs. Live changes after SYNCED are not paced: they are the event rate,
 * not a backlog.
 */
export class CatchUpPacer {
  private turnStart: number | undefined;
  private waiting: (() => void)[] = [];
  private turnEndScheduled = false;
  /** Times a catch-up had to wait for the next turn (for stats and tests). */
  pauses = 0;

  constructor(
    /** Catch-up work per turn of the event loop; 0 or less: never wait. */
    private readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when a catch-up may deliver one more message in this turn. */
  mayDeliver(): boolean {
    if (this.sliceMs <= 0) return true;
    const now = this.now();
    if (this.turnStart === undefined) {
      this.turnStart = now;
      this.scheduleTurnEnd();
      return true;
    }
    return now - this.turnStart < this.sliceMs;
  }

  /** Calls `resume` in the next turn, with a fresh budget, after those that waited before it. */
  resumeNextTurn(resume: () => void): void {
    this.pauses += 1;
    this.waiting.push(resume);
    this.scheduleTurnEnd();
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(() => {
      this.turnEndScheduled = false;
      this.turnStart = undefined;
      const resumes = this.waiting;
      this.waiting = [];
      for (const resume of resumes) resume();
    });
  }
}
