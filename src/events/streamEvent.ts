import { type DecodedEvent, decodeObject, type ParsedBody, parseJsonObject } from './decode.js';
import { shortTypeName } from './types.js';

/**
 * The stream-event model: one stored message as cellgraph sees it, decoded
 * once and shared by the projection and the raw event feeds. Structural, so
 * nothing above the source needs a NATS type.
 */

/** What cellgraph needs of a stored message: a JetStream message has this shape, tests build it by hand. */
export interface RawMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** When JetStream stored it, in nanoseconds since the epoch. */
  readonly info: { readonly timestampNanos: number };
}

/** One message of the stream as stored, with what cellgraph made of it. */
export interface StreamEvent {
  seq: number;
  subject: string;
  /** When JetStream stored the message. */
  storedAt: string;
  /** The CloudEvent, or null when the body is not a JSON object. */
  event: Record<string, unknown> | null;
  /** Short type name, or null when there is none. */
  type: string | null;
  /** Why the projection rejected or skipped it, null when applied. */
  problem: string | null;
  /**
   * The record the event belongs to, keyed as the projection keys it (a
   * cell event's cellId, a formation event's lower-cased formationId); null
   * for a rejected or skipped message. Not a GraphQL field: who may read the
   * event is decided from it (projection/visibility.ts).
   */
  owner: EventOwner;
}

export type EventOwner = { readonly kind: 'cell' | 'formation'; readonly id: string } | null;

export interface EventPage {
  events: StreamEvent[];
  /** Highest seq examined: pass it as `after` to continue. */
  cursor: number;
  hasMore: boolean;
}

/** A message with its body parsed and decoded: the parsed body is kept because the raw feed shows it as sent. */
export interface DecodedMessage {
  readonly raw: RawMessage;
  readonly body: ParsedBody;
  readonly event: DecodedEvent;
}

/** Parses and decodes a message's body, once for every consumer of the message. */
export function decodeMessage(raw: RawMessage): DecodedMessage {
  const body = parseJsonObject(raw.data);
  return { raw, body, event: body.ok ? decodeObject(body.value) : { kind: 'rejected', reason: body.reason } };
}

/**
 * Whole milliseconds of a nanosecond time. Past 2^53 a double holds nanos
 * only to the nearest 256, so a time on a millisecond (a stored time read
 * back with ms precision, times 1e6) can sit just below it, and
 * `Math.floor(nanos / 1e6)` said one ms early for one such time in eight.
 * Half a microsecond added first puts it back; no time moves by more.
 */
export function storedMillis(nanos: number): number {
  return Math.floor((nanos + 512) / 1_000_000);
}

/** The message as the `events` query and subscription show it, from what was already decoded. */
export function toStreamEvent({ raw, body, event }: DecodedMessage): StreamEvent {
  const storedAt = new Date(storedMillis(raw.info.timestampNanos)).toISOString();
  if (!body.ok)
    return { seq: raw.seq, subject: raw.subject, storedAt, event: null, type: null, problem: body.reason, owner: null };
  const rawType = body.value['type'];
  return {
    seq: raw.seq,
    subject: raw.subject,
    storedAt,
    event: body.value,
    type: typeof rawType === 'string' ? shortTypeName(rawType) : null,
    problem: event.kind === 'rejected' || event.kind === 'skipped' ? event.reason : null,
    owner: ownerOf(event),
  };
}

function ownerOf(event: DecodedEvent): EventOwner {
  if (event.kind === 'cell') return { kind: 'cell', id: event.cellId };
  if (event.kind === 'formation') return { kind: 'formation', id: event.formationId };
  return null;
}

/** The stream can't be read right now (not connected to NATS). */
export class StreamUnavailableError extends Error {}

export interface ReadOptions {
  /** Only these short type names. */
  types?: ReadonlySet<string>;
  /** Only the events this returns true for (a tenant caller's visibility): a page is still `first` of these. */
  accept?: (event: StreamEvent) => boolean;
  /** Most messages examined in one call (at least `first`): with a narrow filter, the page may end short of `first`. */
  scanLimit?: number;
  /** Examine no message past this seq (the events subscription's history ends where its live part begins). */
  until?: number;
}

/** Reads stored events back by seq: the port the API reads through, filled by source/'s reader. */
export interface EventStore {
  read(after: number, first: number, options?: ReadOptions): Promise<EventPage>;
  /**
   * The messages at these seqs, in the order given. A seq the stream no
   * longer holds (aged out, deleted) is left out.
   */
  readSeqs(seqs: readonly number[]): Promise<StreamEvent[]>;
}
