// The one ordered consumer reading the stream from cursor + 1; restarting it drops whatever the replaced one still delivers.
import { type ConsumerMessages, DeliverPolicy, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
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
}

export interface ConsumerListener {
  /** A consumer was created and is about to deliver. */
  started(): void;
  message(msg: JsMsg): void;
}

export class ConsumerClosedError extends Error {}

/**
 * Every consumer gets the generation current when it was asked for; a
 * restart bumps it, so a message of a replaced consumer (still in flight,
 * or delivered while its replacement is being created) is dropped.
 */
export class OrderedConsumer {
  private generation = 0;
  private messages: ConsumerMessages | undefined;
  private restartRequested = false;

  constructor(
    private readonly options: OrderedConsumerOptions,
    private readonly listener: ConsumerListener,
  ) {}

  /** A restart was asked for and its consumer is not consuming yet. */
  get restarting(): boolean {
    return this.restartRequested;
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
   * the consumer fails (throws). A consumer that closes by itself is a failure.
   */
  async consume(js: JetStreamClient, signal: AbortSignal): Promise<void> {
    const generation = this.generation;
    const cursor = this.options.cursor();
    const consumer = await js.consumers.get(this.options.stream, {
      deliver_policy: cursor > 0 ? DeliverPolicy.StartSequence : DeliverPolicy.All,
      ...(cursor > 0 ? { opt_start_seq: cursor + 1 } : {}),
    });
    const heartbeatMs = this.options.heartbeatMs ?? 5_000;
    this.listener.started();
    const messages = await consumer.consume({
      max_messages: this.options.batch,
      // A pull lives two heartbeats; the library re-pulls before it expires.
      expires: Math.max(1_000, heartbeatMs * 2),
      idle_heartbeat: heartbeatMs,
      callback: (msg: JsMsg) => {
        if (generation === this.generation) this.listener.message(msg);
      },
    });
    this.messages = messages;
    // Restarted while it was being created, maybe from a cursor that no longer holds: replace it at once.
    if (generation !== this.generation) messages.stop();
    else this.restartRequested = false;
    void this.watch(messages);
    const closed = await messages.closed();
    if (signal.aborted || generation !== this.generation) return;
    throw closed instanceof Error ? closed : new ConsumerClosedError('the consumer closed by itself');
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
