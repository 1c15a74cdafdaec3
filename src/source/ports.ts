// The seam between the stream reader and what it feeds: the sink the source writes each message into.
import type { RawMessage } from '../events/streamEvent.js';

/** Where messages go: the projection's ingest, which knows its own cursor. */
export interface MessageSink {
  readonly cursor: number;
  ingest(message: RawMessage): void;
  /** The stream was replaced or purged under us: forget everything, replay from seq 1. */
  reset(reason: string): void;
}
