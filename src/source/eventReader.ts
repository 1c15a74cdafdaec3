import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import { decodeObject, parseJsonObject } from '../events/decode.js';
import { shortTypeName } from '../events/types.js';

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
}

export interface EventPage {
  events: StreamEvent[];
  /** Highest seq examined: pass it as `after` to continue. */
  cursor: number;
  hasMore: boolean;
}

export class StreamUnavailableError extends Error {}

/** What the live feed and the reader need of a stored message. */
export type RawMessage = Pick<JsMsg, 'seq' | 'subject' | 'data'> & { info: Pick<JsMsg['info'], 'timestampNanos'> };

export function toStreamEvent(msg: RawMessage): StreamEvent {
  const parsed = parseJsonObject(msg.data);
  const storedAt = new Date(Math.floor(msg.info.timestampNanos / 1_000_000)).toISOString();
  if (!parsed.ok) return { seq: msg.seq, subject: msg.subject, storedAt, event: null, type: null, problem: parsed.reason };
  const decoded = decodeObject(parsed.value);
  const rawType = parsed.value['type'];
  return {
    seq: msg.seq,
    subject: msg.subject,
    storedAt,
    event: parsed.value,
    type: typeof rawType === 'string' ? shortTypeName(rawType) : null,
    problem: decoded.kind === 'rejected' || decoded.kind === 'skipped' ? decoded.reason : null,
  };
}

/** The live connection's JetStream clients, undefined while there is none (a `NatsConnector` is one). */
export interface JetStreamAccess {
  readonly clients: { readonly js: JetStreamClient; readonly jsm: JetStreamManager } | undefined;
}

/**
 * Reads stored events back from the stream (cellos-server's /v1/events), for
 * `Query.events` and as the catch-up half of the `events` subscription.
 */
export class EventReader {
  constructor(
    private readonly nats: JetStreamAccess,
    private readonly stream: string,
  ) {}

  async read(after: number, first: number, options: { types?: ReadonlySet<string>; scanLimit?: number } = {}): Promise<EventPage> {
    const client = this.nats.clients;
    if (!client) throw new StreamUnavailableError('not connected to NATS');
    const info = await client.jsm.streams.info(this.stream);
    const lastSeq = info.state.last_seq;
    if (after >= lastSeq || first === 0) return { events: [], cursor: after, hasMore: after < lastSeq };
    const scanLimit = Math.max(first, options.scanLimit ?? first);
    const consumer = await client.js.consumers.get(this.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
    });
    const events: StreamEvent[] = [];
    let cursor = after;
    let pending = lastSeq - after;
    const batch = await consumer.fetch({ max_messages: Math.min(scanLimit, lastSeq - after), expires: 5_000 });
    for await (const msg of batch) {
      cursor = msg.seq;
      pending = msg.info.pending;
      const event = toStreamEvent(msg);
      if (!options.types || (event.type !== null && options.types.has(event.type))) events.push(event);
      if (events.length >= first || pending === 0) break;
    }
    batch.stop();
    return { events, cursor, hasMore: pending > 0 };
  }
}
