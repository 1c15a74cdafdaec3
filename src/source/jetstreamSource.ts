// Follows the stream into the projection: replays it, then tails it with the same consumer, rebuilding on a reset.
import type { JsMsg, StreamInfo } from '@nats-io/jetstream';
import type { CheckpointStatus, SourceStatus } from '../events/streamStatus.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import type { Checkpoints } from './checkpoints.js';
import type { NatsClients, NatsConnector } from './natsConnection.js';
import { OrderedConsumer } from './orderedConsumer.js';
import type { MessageSink } from './ports.js';
import { Readiness } from './readiness.js';
import { ensureStream } from './stream.js';
import { StreamWatch } from './streamWatch.js';

export interface JetStreamSourceOptions {
  stream: string;
  subjects: string;
  createStream: boolean;
  batch: number;
  logger: Logger;
  /** How often replay progress is logged. */
  progressIntervalMs?: number;
  /** How often the stream's last seq is polled while idle. */
  pollIntervalMs?: number;
  /** The consumer's idle heartbeat (see OrderedConsumerOptions). */
  heartbeatMs?: number;
  /** No progress for this long with events pending: the consumer is restarted from the cursor. */
  stallTimeoutMs?: number;
  /** Span per consumed batch (see OrderedConsumerOptions). */
  traceBatches?: () => boolean;
  outcomeCounts?: () => Record<string, number>;
  /** Where checkpoints are loaded from at boot and written to; none: always replay from seq 1. */
  checkpoints?: Checkpoints;
}

const NO_CHECKPOINTS: CheckpointStatus = {
  bucket: null,
  origin: 'FULL_REPLAY',
  loadedFrom: null,
  loading: null,
  refused: [],
  lastWritten: null,
  lastWriteError: null,
};
export interface ConsumerStats {
  unansweredPulls: number;
  heartbeatsMissed: number;
  stallRestarts: number;
}

/**
 * Replays the stream into the sink, then keeps tailing it with the same
 * ordered consumer: one consumer from seq cursor+1, never a second one for
 * "new" messages, so nothing published during or after replay is missed or
 * applied twice. The ordered consumer recreates itself at the next expected
 * seq after a reconnect; the connection itself is the connector's.
 */
export class JetStreamSource {
  private readonly stopController = new AbortController();
  private readonly readiness: Readiness;
  private readonly watch: StreamWatch;
  private readonly consumer: OrderedConsumer;
  /** Why the last round could not consume the stream, null once a consumer runs. */
  private consumeError: string | null = null;
  /** One follow loop per connection, each after the previous one ended. */
  private following: Promise<void> | undefined;
  /** A checkpoint is tried once, at boot, before the first replay. */
  private checkpointTried = false;

  constructor(
    private readonly options: JetStreamSourceOptions,
    private readonly connection: NatsConnector,
    private readonly sink: MessageSink,
  ) {
    const { stream, logger } = options;
    const cursor = () => sink.cursor;
    this.readiness = new Readiness({ stream, logger, cursor, progressIntervalMs: options.progressIntervalMs });
    this.consumer = new OrderedConsumer(
      {
        stream,
        logger,
        cursor,
        batch: options.batch,
        heartbeatMs: options.heartbeatMs,
        ...(options.traceBatches ? { traceBatches: options.traceBatches } : {}),
        ...(options.outcomeCounts ? { outcomeCounts: options.outcomeCounts } : {}),
      },
      { started: () => this.onConsumerStarted(), message: (msg) => this.onMessage(msg) },
    );
    const consumer = this.consumer;
    this.watch = new StreamWatch(
      { stream, logger, pollIntervalMs: options.pollIntervalMs, stallTimeoutMs: options.stallTimeoutMs },
      connection,
      {
        get cursor() {
          return sink.cursor;
        },
        get restarting() {
          return consumer.restarting;
        },
        rebuild: (reason, info) => this.rebuild(reason, info),
        polled: (info) => {
          const clients = connection.clients;
          if (clients) options.checkpoints?.noteStream(info, clients);
          this.readiness.observe(info.state.last_seq - sink.cursor);
        },
        stalled: () => consumer.restart(),
      },
    );
  }

  /** Follows every connection the connector makes; never throws for an unreachable NATS. */
  start(): void {
    if (this.following) return;
    this.following = Promise.resolve();
    this.connection.onConnected((clients) => this.followNext(clients));
    this.connection.onReconnected(() => {
      this.options.logger.info(
        { cursor: this.sink.cursor },
        'NATS reconnected: restarting the consumer from the cursor',
      );
      // The server may have restarted and lost the ordered consumer and its pull: rather than
      // wait for missed heartbeats, check the stream and consume again from cursor + 1 now.
      this.consumer.restart();
    });
    const current = this.connection.clients;
    if (current) this.followNext(current);
  }

  status(): SourceStatus {
    const cursor = this.sink.cursor;
    return {
      connected: this.connection.connected,
      streamLastSeq: Math.max(this.watch.lastSeq, cursor),
      ready: this.readiness.ready,
      replay: this.readiness.snapshot(),
      lastError: this.consumeError ?? this.connection.lastError,
      checkpoint: this.options.checkpoints?.status() ?? NO_CHECKPOINTS,
    };
  }

  /** `host:port` of the NATS server the connection is on now (one of the seeds or a server they told of), if connected. */
  connectedServer(): string | undefined {
    return this.connection.connected ? this.connection.clients?.nc.getServer() : undefined;
  }

  /** How the consumer fared: pulls the server left unanswered, heartbeats missed, restarts by the stall check. */
  consumerStats(): ConsumerStats {
    return { ...this.consumer.stats, stallRestarts: this.watch.stalls };
  }

  /** Resolves once the projection has caught up with the stream's last seq as read at boot. */
  whenReady(): Promise<void> {
    return this.readiness.whenReady();
  }

  /** Stops following. Closing the connection too (the connector's owner does) cuts short a request in flight. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.watch.stop();
    this.readiness.stop();
    this.consumer.stop();
    await Promise.all([this.following?.catch(() => undefined), this.options.checkpoints?.stop()]);
  }

  private followNext(clients: NatsClients): void {
    this.following = this.following?.then(() => this.follow(clients));
  }

  /**
   * Each round checks the stream before (re)creating the consumer: a consumer
   * restart after the stream vanished must not continue into a different
   * stream. A round that fails while the connection lives (the stream missing,
   * JetStream still starting after a server restart, a request timing out) is
   * retried with backoff.
   */
  private async follow(clients: NatsClients): Promise<void> {
    const signal = this.stopController.signal;
    this.consumeError = null;
    this.watch.watchAdvisories(clients.nc);
    for (let attempt = 0; !signal.aborted && !clients.nc.isClosed(); ) {
      try {
        let { info, created } = await ensureStream(clients.jsm, {
          stream: this.options.stream,
          subjects: this.options.subjects,
          create: this.options.createStream,
        });
        if (created)
          this.options.logger.info({ stream: this.options.stream, subjects: this.options.subjects }, 'created stream');
        this.watch.check(info);
        this.options.checkpoints?.noteStream(info, clients);
        if (!this.checkpointTried && !this.readiness.started && this.sink.cursor === 0 && this.options.checkpoints) {
          this.checkpointTried = true;
          const loaded = await this.options.checkpoints.loadNewest(clients, info);
          if (loaded && !signal.aborted) {
            this.sink.restore(loaded);
            // The load took a while: check the stream again (a reset meanwhile rebuilds from seq 1).
            info = await clients.jsm.streams.info(this.options.stream);
            this.watch.check(info);
          }
        }
        this.watch.noteLastSeq(info.state.last_seq);
        if (!this.readiness.started) this.beginReplay(info);
        this.watch.startPolling();
        attempt = 0;
        await this.consumer.consume(clients.js, signal);
      } catch (error) {
        if (signal.aborted || clients.nc.isClosed()) return;
        this.consumeError = (error as Error).message;
        const delay = backoffDelay(attempt++);
        this.options.logger.warn(
          { err: this.consumeError, retryInMs: delay },
          'cannot consume the stream yet, retrying',
        );
        await sleep(delay, signal);
      }
    }
  }

  private rebuild(reason: string, info: StreamInfo): void {
    this.sink.reset(reason);
    this.options.checkpoints?.noteRebuilt(info);
    this.beginReplay(info);
    this.consumer.restart();
  }

  /** A replay from the cursor to the stream's last seq; checkpoints are written once it has caught up. */
  private beginReplay(info: StreamInfo): void {
    this.readiness.begin(info.state.last_seq, info.state.messages);
    const checkpoints = this.options.checkpoints;
    if (checkpoints) void this.readiness.whenReady().then(() => checkpoints.noteCaughtUp());
  }

  private onConsumerStarted(): void {
    this.consumeError = null;
    this.watch.noteProgress();
  }

  private onMessage(msg: JsMsg): void {
    this.watch.noteProgress();
    this.sink.ingest(msg);
    this.options.checkpoints?.noteMessages();
    const pending = msg.info.pending;
    this.watch.noteLastSeq(msg.seq + pending);
    this.readiness.observe(pending);
  }
}
