import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from '../util/logger.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { RawMessage } from './eventReader.js';
import { ensureStream } from './stream.js';
import { ReplayProgress, type ReplayProgressSnapshot } from './replayProgress.js';

/** Where messages go: the projection's ingest, which knows its own cursor. */
export interface MessageSink {
  readonly cursor: number;
  ingest(message: RawMessage): void;
}

export interface JetStreamSourceOptions {
  url: string;
  stream: string;
  subjects: string;
  createStream: boolean;
  batch: number;
  logger: Logger;
  /** How often replay progress is logged. */
  progressIntervalMs?: number;
  /** How often the stream's last seq is polled while idle. */
  pollIntervalMs?: number;
}

export interface SourceStatus {
  connected: boolean;
  streamLastSeq: number;
  ready: boolean;
  replay: ReplayProgressSnapshot;
  lastError: string | null;
}

/**
 * Replays the stream into the sink, then keeps tailing it with the same
 * ordered consumer: one consumer from seq cursor+1, never a second one for
 * "new" messages, so nothing published during or after replay is missed or
 * applied twice. The ordered consumer recreates itself at the next expected
 * seq after a reconnect; the connection itself retries forever.
 */
export class JetStreamSource {
  private nc: NatsConnection | undefined;
  private jsm: JetStreamManager | undefined;
  private js: JetStreamClient | undefined;
  private messages: ConsumerMessages | undefined;
  private readonly stopController = new AbortController();
  private readonly progress = new ReplayProgress();
  private streamLastSeq = 0;
  private connected = false;
  private ready = false;
  private lastError: string | null = null;
  private loop: Promise<void> | undefined;
  private readonly readyWaiters: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly options: JetStreamSourceOptions,
    private readonly sink: MessageSink,
  ) {}

  /** Starts connecting in the background; never throws for an unreachable NATS. */
  start(): void {
    this.loop ??= this.run();
  }

  get client(): { nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager } | undefined {
    return this.nc && this.js && this.jsm ? { nc: this.nc, js: this.js, jsm: this.jsm } : undefined;
  }

  get stream(): string {
    return this.options.stream;
  }

  status(): SourceStatus {
    const cursor = this.sink.cursor;
    return {
      connected: this.connected,
      streamLastSeq: Math.max(this.streamLastSeq, cursor),
      ready: this.ready,
      replay: this.progress.snapshot(cursor),
      lastError: this.lastError,
    };
  }

  /** Resolves once the projection has caught up with the stream's last seq as read at boot. */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.messages?.stop();
    const nc = this.nc;
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.connectAndConsume();
        attempt = 0;
      } catch (error) {
        if (signal.aborted) break;
        this.connected = false;
        this.lastError = (error as Error).message;
        const delay = backoffDelay(attempt);
        this.log.warn({ err: this.lastError, retryInMs: delay, attempt: attempt + 1, url: this.options.url }, 'NATS not available, retrying');
        await sleep(delay, signal);
      }
    }
  }

  private async connectAndConsume(): Promise<void> {
    const nc = await connect({
      servers: this.options.url,
      name: 'cellgraph',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      timeout: 5_000,
    });
    this.nc = nc;
    this.connected = true;
    this.lastError = null;
    this.log.info({ url: this.options.url, server: nc.info?.server_name }, 'connected to NATS');
    void this.watchConnection(nc);
    try {
      const jsm = await jetstreamManager(nc);
      this.jsm = jsm;
      this.js = jetstream(nc);
      const { info, created } = await ensureStream(jsm, {
        stream: this.options.stream,
        subjects: this.options.subjects,
        create: this.options.createStream,
      });
      if (created) this.log.info({ stream: this.options.stream, subjects: this.options.subjects }, 'created stream');
      this.noteStreamLastSeq(info.state.last_seq);
      if (!this.progress.started) this.beginReplay(info.state.last_seq, info.state.messages);

      await this.consume(this.js);
    } finally {
      this.connected = false;
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
  }

  private beginReplay(target: number, messages: number): void {
    const cursor = this.sink.cursor;
    this.progress.begin(target, cursor);
    this.log.info({ stream: this.options.stream, target, messages, cursor }, 'replay started');
    if (cursor >= target || messages === 0) this.markReady();
    const progressTimer = setInterval(() => {
      if (this.ready) return clearInterval(progressTimer);
      this.log.info(this.progress.snapshot(this.sink.cursor), 'replay progress');
    }, this.options.progressIntervalMs ?? 1_000);
    progressTimer.unref();
    this.timers.push(progressTimer);
    const pollTimer = setInterval(() => void this.pollStream(), this.options.pollIntervalMs ?? 5_000);
    pollTimer.unref();
    this.timers.push(pollTimer);
  }

  private async consume(js: JetStreamClient): Promise<void> {
    const cursor = this.sink.cursor;
    const consumer = await js.consumers.get(this.options.stream, {
      deliver_policy: cursor > 0 ? DeliverPolicy.StartSequence : DeliverPolicy.All,
      ...(cursor > 0 ? { opt_start_seq: cursor + 1 } : {}),
    });
    const messages = await consumer.consume({
      max_messages: this.options.batch,
      callback: (msg: JsMsg) => this.onMessage(msg),
    });
    this.messages = messages;
    void this.watchConsumer(messages);
    const closed = await messages.closed();
    if (closed instanceof Error && !this.stopController.signal.aborted) throw closed;
  }

  private onMessage(msg: JsMsg): void {
    const seq = msg.seq;
    this.sink.ingest(msg);
    const pending = msg.info.pending;
    this.noteStreamLastSeq(seq + pending);
    if (!this.ready && (pending === 0 || this.sink.cursor >= this.progress.snapshot(0).target)) this.markReady();
  }

  private markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.progress.finish(this.sink.cursor);
    this.log.info(this.progress.snapshot(this.sink.cursor), 'replay finished, tailing');
    for (const resolve of this.readyWaiters.splice(0)) resolve();
  }

  private noteStreamLastSeq(seq: number): void {
    if (seq > this.streamLastSeq) this.streamLastSeq = seq;
  }

  private async pollStream(): Promise<void> {
    if (!this.jsm || !this.connected) return;
    try {
      const info = await this.jsm.streams.info(this.options.stream);
      this.streamLastSeq = info.state.last_seq;
      if (!this.ready && this.sink.cursor >= info.state.last_seq && this.sink.cursor >= this.progress.snapshot(0).target) {
        this.markReady();
      }
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'stream info poll failed');
    }
  }

  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.connected = false;
          this.log.warn({ server: status.server }, 'NATS connection lost, reconnecting');
          break;
        case 'reconnect':
          this.connected = true;
          this.log.info({ server: status.server }, 'NATS reconnected');
          break;
        case 'error':
          this.log.warn({ err: String(status.error) }, 'NATS error');
          break;
        default:
          break;
      }
    }
  }

  private async watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      switch (status.type) {
        case 'heartbeats_missed':
        case 'consumer_not_found':
        case 'stream_not_found':
        case 'consumer_deleted':
        case 'exceeded_limits':
          this.log.warn({ notification: status }, 'consumer notification');
          break;
        case 'ordered_consumer_recreated':
          this.log.info({ notification: status, cursor: this.sink.cursor }, 'ordered consumer recreated at cursor');
          break;
        default:
          break;
      }
    }
  }
}
