// The seam between the stream reader and what it feeds: the sink the source writes each message into.
import type { RawMessage } from '../events/streamEvent.js';
import type { Projection } from '../projection/projection.js';

/** Where messages go: the projection's ingest, which knows its own cursor. */
export interface MessageSink {
  readonly cursor: number;
  ingest(message: RawMessage): void;
  /** The stream was replaced or purged under us: forget everything, replay from seq 1. */
  reset(reason: string): void;
  /** Take over a projection loaded from a checkpoint (boot, before the consumer starts): the cursor jumps to its seq. */
  restore(loaded: Projection): void;
}
