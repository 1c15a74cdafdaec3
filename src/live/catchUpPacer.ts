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
  /** Catch-ups waiting for a turn, oldest subscription first. */
  private waiting: { ticket: number; resume: () => void }[] = [];
  private turnEndScheduled = false;
  private nextTicket = 0;
  /** Times a catch-up had to wait for the next turn (for stats and tests). */
  pauses = 0;

  constructor(
    /** Catch-up work per turn of the event loop; 0 or less: never wait. */
    private readonly sliceMs: number,
    private readonly now: () => number = () => performance.now(),
    /**
     * Waiting catch-ups resumed per turn, oldest first. Why not all: shared
     * evenly among 200 snapshots, none finished within a 20 s storm; a few
     * at a time finish in turn (and a client cut while it waits costs nothing).
     */
    private readonly resumedPerTurn = 4,
  ) {}

  /** A place in the queue: catch-ups that wait are resumed in ticket order. */
  ticket(): number {
    return this.nextTicket++;
  }

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

  /** Calls `resume` in a later turn, with a fresh budget, after the catch-ups with a lower ticket. */
  resumeNextTurn(ticket: number, resume: () => void): void {
    this.pauses += 1;
    let at = this.waiting.length;
    while (at > 0 && this.waiting[at - 1]!.ticket > ticket) at--;
    this.waiting.splice(at, 0, { ticket, resume });
    this.scheduleTurnEnd();
  }

  private scheduleTurnEnd(): void {
    if (this.turnEndScheduled) return;
    this.turnEndScheduled = true;
    setImmediate(() => {
      this.turnEndScheduled = false;
      this.turnStart = undefined;
      const resumed = this.waiting.splice(0, this.resumedPerTurn);
      if (this.waiting.length > 0) this.scheduleTurnEnd();
      for (const { resume } of resumed) resume();
    });
  }
}
