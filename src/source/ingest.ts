import { type DecodedMessage, decodeMessage, type RawMessage } from '../events/streamEvent.js';
import type { Projection } from '../projection/projection.js';
import type { Delta } from '../projection/records.js';
import type { Logger } from '../util/logger.js';
import type { MessageSink } from './ports.js';

/** Receives what the projection did with each message: deltas (maybe none), and the message as decoded (not to decode it again). */
export type AppliedListener = (seq: number, deltas: readonly Delta[], message: DecodedMessage) => void;

/** What listeners get when no deltas were asked for (see `wantsDeltas`): shared, never written to. */
const NO_DELTAS: readonly Delta[] = Object.freeze([]);

const REJECTION_LOG_WINDOW_MS = 10_000;
const REJECTION_LOG_BURST = 20;

/**
 * Bytes off the stream → decoded event → projection → listeners. Rejections
 * and dropped optional fields are logged with their seq and reason, at most a
 * burst per window so a flood of garbage cannot flood the log (the counters
 * still count all).
 */
export class Ingestor implements MessageSink {
  private windowStart = 0;
  private loggedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly projection: Projection,
    private readonly onApplied: AppliedListener,
    private readonly logger: Logger,
    private readonly onReset: (reason: string) => void = () => {},
    private readonly onRestored: (cursor: number) => void = () => {},
    /**
     * Whether anyone would read this message's deltas (a cell subscription is open). When not, which is
     * all of a boot replay, the projection builds none: no array and no delta object per event.
     */
    private readonly wantsDeltas: () => boolean = () => true,
  ) {}

  reset(reason: string): void {
    this.projection.reset();
    this.onReset(reason);
  }

  restore(loaded: Projection): void {
    this.projection.adopt(loaded);
    this.onRestored(this.projection.cursor);
  }

  get cursor(): number {
    return this.projection.cursor;
  }

  ingest(raw: RawMessage): void {
    const seq = raw.seq;
    const message = decodeMessage(raw);
    const { event } = message;
    const deltas: Delta[] | undefined = this.wantsDeltas() ? [] : undefined;
    const outcome = this.projection.apply(seq, event, deltas);
    if (outcome === 'stale') return;
    if (event.kind === 'rejected') this.logProblem({ seq, reason: event.reason }, 'rejected event');
    else if (outcome === 'applied' && event.kind !== 'skipped' && event.droppedFields !== undefined) {
      for (const { field, reason } of event.droppedFields)
        this.logProblem({ seq, field, reason }, 'optional field dropped, event applied without it');
    }
    this.onApplied(seq, deltas ?? NO_DELTAS, message);
  }

  private logProblem(fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    if (now - this.windowStart > REJECTION_LOG_WINDOW_MS) {
      if (this.suppressed > 0)
        this.logger.warn({ suppressed: this.suppressed }, 'rejected events and dropped fields not logged individually');
      this.windowStart = now;
      this.loggedInWindow = 0;
      this.suppressed = 0;
    }
    if (this.loggedInWindow++ < REJECTION_LOG_BURST) this.logger.warn(fields, message);
    else this.suppressed += 1;
  }
}
