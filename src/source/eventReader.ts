import { DeliverPolicy, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import {
  decodeMessage,
  type EventPage,
  type EventStore,
  type ReadOptions,
  type StreamEvent,
  StreamUnavailableError,
  toStreamEvent,
} from '../events/streamEvent.js';

/**
 * A stored message's RFC 3339 time (nanosecond fraction) as the number a
 * consumer's message carries (`info.timestampNanos`): the exact integer,
 * rounded to a double once, so both read paths give the same `storedAt`.
 */
export function storedNanos(timestamp: string): number {
  const dot = timestamp.indexOf('.');
  if (dot < 0) return Date.parse(timestamp) * 1_000_000;
  let end = dot + 1;
  while (end < timestamp.length && timestamp.charCodeAt(end) >= 48 && timestamp.charCodeAt(end) <= 57) end++;
  const seconds = Date.parse(timestamp.slice(0, dot) + timestamp.slice(end));
  const fraction = timestamp
    .slice(dot + 1, end)
    .padEnd(9, '0')
    .slice(0, 9);
  return Number(BigInt(seconds) * 1_000_000n + BigInt(fraction));
}

/** The live connection's JetStream clients, undefined while there is none (a `NatsConnector` is one). */
export interface JetStreamAccess {
  readonly clients: { readonly js: JetStreamClient; readonly jsm: JetStreamManager } | undefined;
}

/**
 * Reads stored events back from the stream (cellos-server's /v1/events), for
 * `Query.events` and as the catch-up half of the `events` subscription.
 */
export class EventReader implements EventStore {
  constructor(
    private readonly nats: JetStreamAccess,
    private readonly stream: string,
  ) {}

  async read(after: number, first: number, options: ReadOptions = {}): Promise<EventPage> {
    const client = this.nats.clients;
    if (!client) throw new StreamUnavailableError('not connected to NATS');
    const info = await client.jsm.streams.info(this.stream);
    const lastSeq = info.state.last_seq;
    // The last seq this call may examine: the stream's end, or `until` when that comes first.
    const end = Math.min(lastSeq, options.until ?? lastSeq);
    if (after >= end || first === 0) return { events: [], cursor: after, hasMore: after < lastSeq };
    const scanLimit = Math.max(first, options.scanLimit ?? first);
    const consumer = await client.js.consumers.get(this.stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: after + 1,
    });
    const { types, accept } = options;
    const events: StreamEvent[] = [];
    let cursor = after;
    let pending = lastSeq - after;
    const batch = await consumer.fetch({ max_messages: Math.min(scanLimit, end - after), expires: 5_000 });
    for await (const msg of batch) {
      if (msg.seq > end) break;
      cursor = msg.seq;
      pending = msg.info.pending;
      const event = toStreamEvent(decodeMessage(msg));
      if ((!types || (event.type !== null && types.has(event.type))) && (!accept || accept(event))) events.push(event);
      if (events.length >= first || pending === 0 || cursor >= end) break;
    }
    batch.stop();
    return { events, cursor, hasMore: pending > 0 };
  }

  /**
   * One stream-message get per seq, all in flight at once on the one
   * connection (a timeline's seqs are scattered through the stream: a
   * consumer would read everything between them).
   */
  async readSeqs(seqs: readonly number[]): Promise<StreamEvent[]> {
    const client = this.nats.clients;
    if (!client) throw new StreamUnavailableError('not connected to NATS');
    const stored = await Promise.all(seqs.map((seq) => client.jsm.streams.getMessage(this.stream, { seq }))).catch(
      (error: unknown) => {
        // A timeout or a lost stream leader: the caller says STREAM_UNAVAILABLE, like for any unreadable stream.
        throw new StreamUnavailableError(`reading the stream failed: ${(error as Error).message}`, { cause: error });
      },
    );
    const events: StreamEvent[] = [];
    for (const msg of stored) {
      // null: the stream no longer holds it (max age, a deleted message).
      if (msg === null) continue;
      const raw = {
        seq: msg.seq,
        subject: msg.subject,
        data: msg.data,
        info: { timestampNanos: storedNanos(msg.timestamp) },
      };
      events.push(toStreamEvent(decodeMessage(raw)));
    }
    return events;
  }
}
