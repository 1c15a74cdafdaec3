// The one ordered consumer reading the stream from cursor + 1; restarting it drops whatever the replaced one still delivers.
import {
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type FetchOptions,
  type JetStreamClient,
  type JsMsg,
} from '@nats-io/jetstream';
import { type Span, trace } from '@opentelemetry/api';
import type { Logger } from '../util/logger.js';

export interface OrderedConsumerOptions {
  stream: string;
  batch: number;
  logger: Logger;
  /** Where to start: messages after this seq. */
  cursor: () => number;
  /**
   * The consumer's idle heartbeat: the server sends one at least this often
   * on a pull, so a dead or paused server is noticed after two missed ones.
   */
  heartbeatMs?: number;
  /** A `cellgraph.ingest.batch` span per pull that delivered messages (tracing on); off: not one call. */
  traceBatches?: () => boolean;
  /** The projection's outcome counts, for the batch span's per-outcome counts. */
  outcomeCounts?: () => Record<string, number>;
}

export interface ConsumerListener {
  /** A consumer was created and is about to deliver. */
  started(): void;
  message(msg: JsMsg): void;
}

/** A pull got neither a message nor its end: the consumer (or its server) is gone. */
export class ConsumerGoneError extends Error {}

/** How long after a pull's expiry its end (the server's 408) may still be on its way before the pull counts as dropped. */
const UNANSWERED_PULL_GRACE_MS = 1_000;

/**
 * Every consumer gets the generation current when it was asked for; a
 * restart bumps it, so a message of a replaced consumer (still in flight,
 * or delivered while its replacement is being created) is dropped.
 */
export class OrderedConsumer {
  private generation = 0;
  private messages: ConsumerMessages | undefined;
  private restartRequested = false;
  /** True while pulls run; false between a failed consumer and the caller's next attempt. */
  private pulling = false;
  private readonly counts = { unansweredPulls: 0, heartbeatsMissed: 0 };

  constructor(
    private readonly options: OrderedConsumerOptions,
    private readonly listener: ConsumerListener,
  ) {}

  /** Pulls the server never ended (see consume), and pulls that went two heartbeats without a word from the server. */
  get stats(): { readonly unansweredPulls: number; readonly heartbeatsMissed: number } {
    return { ...this.counts };
  }

  /** A restart was asked for, or a failed consumer is being replaced: either way no consumer to restart. */
  get restarting(): boolean {
    return this.restartRequested || !this.pulling;
  }

  /** Stops the current consumer; the caller's `consume` then returns and is called again from the cursor. */
  restart(): void {
    this.generation += 1;
    this.restartRequested = true;
    this.messages?.stop();
  }

  stop(): void {
    this.messages?.stop();
  }

  /**
   * Consumes from cursor + 1 until stopped or restarted (returns) or until
   * the consumer fails (throws).
   *
   * Why one pull at a time, each watched, and not `consume()`: the live tail
   * froze for 10 s under load (issue 9 section 4). `consume()` keeps a count
   * of the messages its pulls still have coming and pulls again only when a
   * pull ends, which the server tells with a 408 carrying the unfilled rest.
   * nats-server before 2.9.16 (fixed by nats-io/nats-server df282a221,
   * "Fix Pull Consumer not sending request timeout"; Debian ships 2.9.10)
   * drops an expired pull without that 408 when a new message is delivered
   * between the pull's expiry and its expiry timer: the client still counts
   * the rest as coming, never pulls again, and, with no pull waiting, the
   * server sends no heartbeats either, so only two missed heartbeats (10 s)
   * revived it. In the tail every pull expires (a batch outlasts `expires`
   * at any realistic rate), so every expiry was a draw, won more often when
   * the server is short of CPU. Here each pull is one `fetch`, ended by the
   * server (batch full, or its 408) or, at the latest, by our own timer a
   * moment after it must have expired: a dropped pull costs that moment, not
   * a stall. The stall check in StreamWatch stays as the last resort.
   */
  async consume(js: JetStreamClient, signal: AbortSignal): Promise<void> {
    const generation = this.generation;
    const cursor = this.options.cursor();
    const consumer = await js.consumers.get(this.options.stream, {
      deliver_policy: cursor > 0 ? DeliverPolicy.StartSequence : DeliverPolicy.All,
      ...(cursor > 0 ? { opt_start_seq: cursor + 1 } : {}),
    });
    // Which node holds it: in a cluster an R1 consumer lands on one of the stream's peers (see README "Clusters").
    const { name, cluster } = await consumer.info(true);
    this.options.logger.debug({ cursor, consumer: name, node: cluster?.leader }, 'consumer created');
    const heartbeatMs = this.options.heartbeatMs ?? 5_000;
    // A pull lives two heartbeats, the longest heartbeat the server accepts for it.
    const expires = Math.max(1_000, heartbeatMs * 2);
    this.listener.started();
    this.pulling = true;
    try {
      await this.pull(consumer, generation, signal, heartbeatMs, expires);
    } finally {
      this.pulling = false;
    }
  }

  /** One fetch after another until restarted, stopped, or the consumer fails. */
  private async pull(
    consumer: Consumer,
    generation: number,
    signal: AbortSignal,
    heartbeatMs: number,
    expires: number,
  ): Promise<void> {
    while (generation === this.generation && !signal.aborted) {
      let unanswered = false;
      let received = 0;
      const traced = this.options.traceBatches?.() ?? false;
      let span: Span | undefined;
      let events = 0;
      let firstSeq = 0;
      let lastSeq = 0;
      let before: Record<string, number> = {};
      // A callback, not the async iterator: each message is handed over in the socket's data handler, as the
      // bare baseline gets it, without a queued iterator, a yielded promise and a microtask per message.
      // (FetchOptions does not declare `callback`, but the pull behind fetch takes it as consume's does.)
      const callback = (msg: JsMsg): void => {
        received += 1;
        if (generation !== this.generation) return;
        if (traced) {
          if (!span) {
            span = trace.getTracer('cellgraph').startSpan('cellgraph.ingest.batch');
            before = { ...this.options.outcomeCounts?.() };
            firstSeq = msg.seq;
          }
          events++;
          lastSeq = msg.seq;
        }
        this.listener.message(msg);
      };
      const options = { max_messages: this.options.batch, expires, idle_heartbeat: heartbeatMs, callback };
      const messages = await consumer.fetch(options as FetchOptions);
      this.messages = messages;
      // Restarted while it was being created, maybe from a cursor that no longer holds: replace it at once.
      if (generation !== this.generation || signal.aborted) {
        messages.stop();
        break;
      }
      this.restartRequested = false;
      void this.watch(messages);
      const overdue = setTimeout(
        () => {
          unanswered = true;
          this.counts.unansweredPulls += 1;
          this.options.logger.debug(
            { expires, unansweredPulls: this.counts.unansweredPulls },
            'pull unanswered after it expired: pulling again',
          );
          messages.stop();
          // Half a heartbeat at most: before the heartbeat monitor would call two heartbeats missed.
        },
        expires + Math.min(UNANSWERED_PULL_GRACE_MS, heartbeatMs / 2),
      );
      try {
        // Resolves when the pull ends (batch full, the server's 408, a stop); with the error that ended it, if one did
        // (a throwing listener included), which the iterator would have thrown.
        const ended = await messages.closed();
        if (ended instanceof Error) throw ended;
      } finally {
        clearTimeout(overdue);
        if (span) {
          span.setAttributes({
            'cellgraph.stream': this.options.stream,
            'cellgraph.batch.events': events,
            'cellgraph.batch.first_seq': firstSeq,
            'cellgraph.batch.last_seq': lastSeq,
          });
          for (const [outcome, count] of Object.entries(this.options.outcomeCounts?.() ?? {}))
            span.setAttribute(`cellgraph.batch.${outcome}`, count - (before[outcome] ?? 0));
          span.end();
        }
      }
      // Not a word, not even its 408: the consumer's server is likely gone (in a cluster the pull is
      // swallowed, no 503 comes back, and the library's own info checks only time out). A new consumer
      // from the cursor is placed on a live server; the caller checks the stream first.
      if (unanswered && received === 0 && generation === this.generation && !signal.aborted)
        throw new ConsumerGoneError('a pull went unanswered: the consumer is gone');
    }
  }

  private async watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      switch (status.type) {
        case 'stream_not_found':
        case 'consumer_deleted':
          // The stream may be gone or replaced: stop here and look at it before consuming again.
          this.options.logger.warn(
            { notification: status },
            'consumer lost its stream, checking the stream before resuming',
          );
          if (this.messages === messages) this.restart();
          break;
        case 'heartbeats_missed':
          this.counts.heartbeatsMissed += 1;
          this.options.logger.warn({ notification: status }, 'consumer notification');
          break;
        case 'consumer_not_found':
        case 'exceeded_limits':
          this.options.logger.warn({ notification: status }, 'consumer notification');
          break;
        case 'ordered_consumer_recreated':
          this.options.logger.info(
            { notification: status, cursor: this.options.cursor() },
            'ordered consumer recreated at cursor',
          );
          break;
        default:
          break;
      }
    }
  }
}
