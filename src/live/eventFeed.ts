import type { EventPage, StreamEvent } from '../events/streamEvent.js';
import type { Logger } from '../util/logger.js';
import { type ControlMessage, SeqFeed } from './feed.js';

type EventMessage = { kind: 'EVENT'; seq: number; event: StreamEvent };

export type EventFeedMessage = EventMessage | ControlMessage;

/** Reads stored events with seq in (after, until], at most `first` of them. */
export type ReadPage = (after: number, first: number, until: number) => Promise<EventPage>;

/** Which events this subscriber may read (a tenant's visibility), or null for every event (admin). */
export type EventAccept = ((event: StreamEvent) => boolean) | null;

/**
 * The raw event feed (cellos-server's /ws/events): history read back from
 * the stream from `after + 1` up to the live position at subscribe time,
 * then live messages. Raw events can't be coalesced, so the live buffer is
 * bounded: on overflow the feed ends with LAGGED carrying the last
 * delivered seq, and the client resumes from there. `accept` is asked for
 * every event, history and live, at the moment the feed takes it: a
 * tenant's feed holds only the events it may read, and its buffer limit
 * counts only those.
 */
export class EventFeed extends SeqFeed<EventMessage> {
  private history: StreamEvent[] = [];
  private historyDone = false;
  private readonly live: StreamEvent[] = [];
  dropped = 0;

  constructor(
    private readonly after: number,
    /** Live position when the feed was registered: history covers (after, liveFrom]. */
    private readonly liveFrom: number,
    private readonly types: ReadonlySet<string> | null,
    private readonly accept: EventAccept,
    private readonly limit: number,
    private readonly readPage: ReadPage,
    /** Where a failed history read is told in full: the client only learns STREAM_UNAVAILABLE. */
    private readonly log?: Pick<Logger, 'warn'>,
  ) {
    super(after);
    void this.readHistory();
  }

  get queueSize(): number {
    return this.live.length + this.history.length;
  }

  get idle(): boolean {
    return this.historyDone && this.history.length === 0 && this.live.length === 0;
  }

  offer(event: StreamEvent): void {
    if (this.done || event.seq <= this.liveFrom) return;
    if (!this.wanted(event)) return;
    if (this.live.length >= this.limit) {
      this.dropped += 1;
      this.fail({ code: 'LAGGED', lastDeliveredSeq: this.lastDeliveredSeq, limit: this.limit });
      return;
    }
    this.live.push(event);
    this.wake();
  }

  protected override discardPending(): void {
    this.live.length = 0;
  }

  private async readHistory(): Promise<void> {
    let cursor = this.after;
    try {
      while (cursor < this.liveFrom && !this.done) {
        // Read in pages and wait for the client to drain each: history is bounded by the client's pace.
        while (this.history.length > 0 && !this.done) await new Promise((r) => setTimeout(r, 5));
        const page = await this.readPage(cursor, Math.min(1000, this.limit), this.liveFrom);
        for (const event of page.events) {
          if (event.seq > this.liveFrom) break;
          if (this.wanted(event)) this.history.push(event);
        }
        if (page.cursor <= cursor) break;
        cursor = page.cursor;
        this.wake();
      }
    } catch (error) {
      this.log?.warn(
        { err: error, after: cursor, lastDeliveredSeq: this.lastDeliveredSeq },
        'events subscription: reading history failed',
      );
      this.fail({ code: 'STREAM_UNAVAILABLE', lastDeliveredSeq: this.lastDeliveredSeq });
      return;
    }
    this.historyDone = true;
    this.wake();
  }

  private wanted(event: StreamEvent): boolean {
    if (this.types && (event.type === null || !this.types.has(event.type))) return false;
    return this.accept === null || this.accept(event);
  }

  protected nextMessage(): EventMessage | undefined {
    const fromHistory = this.history.shift();
    if (fromHistory) return { kind: 'EVENT', seq: fromHistory.seq, event: fromHistory };
    if (!this.historyDone) return undefined;
    const live = this.live.shift();
    return live ? { kind: 'EVENT', seq: live.seq, event: live } : undefined;
  }
}
