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
  type StreamInfo,
} from '@nats-io/jetstream';
import type { Logger } from '../util/logger.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { RawMessage } from '../events/streamEvent.js';
import { ensureStream, StreamMissingError } from './stream.js';
import { ReplayProgress, type ReplayProgressSnapshot } from './replayProgress.js';

/** Where messages go: the projection's ingest, which knows its own cursor. */
export interface MessageSink {
  readonly cursor: number;
  ingest(message: RawMessage): void;
  /** The stream was replaced or purged under us: forget everything, replay from seq 1. */
  reset(reason: string): void;
}

/** Why the stream no longer matches what was applied, or null when it still does. */
export function streamResetReason(
  cursor: number,
  known: { created: string } | undefined,
  info: { created: string; state: { first_seq: number; last_seq: number; messages: number } },
): string | null {
  const { first_seq: first, last_seq: last, messages } = info.state;
  if (known && info.created !== known.created) return 'stream was deleted and recreated';
  if (last < cursor) return `stream last seq ${last} is behind the cursor ${cursor}`;
  if (cursor > 0 && first > cursor + 1) return `stream first seq ${first} jumped past the cursor ${cursor}: unread events are gone`;
  if (cursor > 0 && messages === 0 && first > cursor) return 'stream was purged';
  return null;
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
  /**
   * The consumer's idle heartbeat: the server sends one at least this often
   * on a pull, so a dead or paused server is noticed after two missed ones.
   */
  heartbeatMs?: number;
  /**
   * The stream holds events past the cursor but none arrived for this long:
   * the consumer is stalled (a pull lost in a server crash or pause) and is
   * restarted from the cursor.
   */
  stallTimeoutMs?: number;
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
  private progress = new ReplayProgress();
  /** Identity of the stream the projection was built from. */
  private knownStream: { created: string } | undefined;
  /** Bumped on every consumer restart: messages of an older consumer are dropped. */
  private generation = 0;
  private restartRequested = false;
  private progressTimer: NodeJS.Timeout | undefined;
  private streamLastSeq = 0;
  private connected = false;
  private ready = false;
  private lastError: string | null = null;
  private loop: Promise<void> | undefined;
  private readonly readyWaiters: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  /** Last time the consumer made progress (a message, a (re)start, or nothing left to read). */
  private lastProgressAt = Date.now();

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
    clearInterval(this.progressTimer);
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
    this.watchStreamAdvisories(nc);
    try {
      const jsm = await jetstreamManager(nc);
      this.jsm = jsm;
      this.js = jetstream(nc);
      // Each round checks the stream before (re)creating the consumer: a consumer
      // restart after the stream vanished must not continue into a different stream.
      // A round that fails while the connection lives (JetStream still starting after a
      // server restart, a request timing out) is retried here, with backoff.
      const signal = this.stopController.signal;
      for (let attempt = 0; !signal.aborted; ) {
        this.restartRequested = false;
        try {
          const { info, created } = await ensureStream(jsm, {
            stream: this.options.stream,
            subjects: this.options.subjects,
            create: this.options.createStream,
          });
          if (created) this.log.info({ stream: this.options.stream, subjects: this.options.subjects }, 'created stream');
          this.checkStream(info);
          this.noteStreamLastSeq(info.state.last_seq);
          if (!this.progress.started) this.beginReplay(info.state.last_seq, info.state.messages);
          this.startPolling();
          attempt = 0;
          await this.consume(this.js);
        } catch (error) {
          if (nc.isClosed() || signal.aborted || error instanceof StreamMissingError) throw error;
          this.lastError = (error as Error).message;
          const delay = backoffDelay(attempt++);
          this.log.warn({ err: this.lastError, retryInMs: delay }, 'cannot consume the stream yet, retrying');
          await sleep(delay, signal);
          this.restartRequested = true;
        }
        if (!this.restartRequested) break;
      }
    } finally {
      this.connected = false;
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
  }

  private beginReplay(target: number, messages: number): void {
    const cursor = this.sink.cursor;
    this.progress.begin(target, cursor);
    this.log.info({ stream: this.options.stream, target, messages, cursor }, 'replay started');
    if (cursor >= target || messages === 0) {
      this.markReady();
      return;
    }
    clearInterval(this.progressTimer);
    this.progressTimer = setInterval(() => {
      if (this.ready) return clearInterval(this.progressTimer);
      this.log.info(this.progress.snapshot(this.sink.cursor), 'replay progress');
    }, this.options.progressIntervalMs ?? 1_000);
    this.progressTimer.unref();
  }

  private startPolling(): void {
    if (this.timers.length > 0) return;
    const pollTimer = setInterval(() => void this.pollStream(), this.options.pollIntervalMs ?? 1_000);
    pollTimer.unref();
    this.timers.push(pollTimer);
  }

  /**
   * Compares the stream with what the projection was built from. A stream
   * that was recreated, went backwards or lost unread events can't be
   * followed: the projection is rebuilt from it, not patched.
   */
  private checkStream(info: StreamInfo, cursorBeforeInfo = this.sink.cursor): void {
    const reason = streamResetReason(cursorBeforeInfo, this.knownStream, info);
    this.knownStream = { created: info.created };
    if (reason !== null) this.rebuild(reason, info);
  }

  private rebuild(reason: string, info: StreamInfo): void {
    this.knownStream = { created: info.created };
    this.log.warn({ reason, cursor: this.sink.cursor, stream: info.state }, 'stream reset detected: rebuilding the projection');
    this.generation += 1;
    this.ready = false;
    this.streamLastSeq = info.state.last_seq;
    this.sink.reset(reason);
    this.progress = new ReplayProgress();
    this.beginReplay(info.state.last_seq, info.state.messages);
    this.restartConsumer();
  }

  private restartConsumer(): void {
    this.generation += 1;
    this.restartRequested = true;
    this.messages?.stop();
  }

  private async consume(js: JetStreamClient): Promise<void> {
    const cursor = this.sink.cursor;
    const consumer = await js.consumers.get(this.options.stream, {
      deliver_policy: cursor > 0 ? DeliverPolicy.StartSequence : DeliverPolicy.All,
      ...(cursor > 0 ? { opt_start_seq: cursor + 1 } : {}),
    });
    const generation = this.generation;
    const heartbeatMs = this.options.heartbeatMs ?? 5_000;
    this.lastProgressAt = Date.now();
    const messages = await consumer.consume({
      max_messages: this.options.batch,
      // A pull lives two heartbeats; the library re-pulls before it expires.
      expires: Math.max(1_000, heartbeatMs * 2),
      idle_heartbeat: heartbeatMs,
      callback: (msg: JsMsg) => {
        if (generation === this.generation) this.onMessage(msg);
      },
    });
    this.messages = messages;
    void this.watchConsumer(messages);
    const closed = await messages.closed();
    if (closed instanceof Error && !this.stopController.signal.aborted) throw closed;
  }

  private onMessage(msg: JsMsg): void {
    const seq = msg.seq;
    this.lastProgressAt = Date.now();
    this.sink.ingest(msg);
    const pending = msg.info.pending;
    this.noteStreamLastSeq(seq + pending);
    if (!this.ready && (pending === 0 || this.sink.cursor >= this.progress.targetSeq)) this.markReady();
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
      // The cursor read before the request: the info may be older than messages applied meanwhile.
      const cursor = this.sink.cursor;
      const info = await this.jsm.streams.info(this.options.stream);
      this.checkStream(info, cursor);
      this.streamLastSeq = info.state.last_seq;
      this.checkStalled(info.state.last_seq);
      if (!this.ready && this.sink.cursor >= info.state.last_seq && this.sink.cursor >= this.progress.targetSeq) {
        this.markReady();
      }
    } catch (error) {
      this.log.debug({ err: (error as Error).message }, 'stream info poll failed');
    }
  }

  /**
   * The ordered consumer recovers by itself from most faults, but not all: a
   * pull lost while the server crashed or was paused can leave it waiting
   * with nothing requested. Events in the stream past the cursor and no
   * progress for a while means stalled: restart the one consumer from
   * cursor + 1 (the old one's messages are dropped by generation).
   */
  private checkStalled(streamLastSeq: number): void {
    const cursor = this.sink.cursor;
    if (streamLastSeq <= cursor || this.restartRequested) {
      this.lastProgressAt = Date.now();
      return;
    }
    const stalledMs = Date.now() - this.lastProgressAt;
    if (stalledMs < (this.options.stallTimeoutMs ?? 10_000)) return;
    this.log.warn({ cursor, streamLastSeq, stalledMs }, 'consumer stalled with events pending: restarting it from the cursor');
    this.lastProgressAt = Date.now();
    this.restartConsumer();
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
          this.log.info({ server: status.server, cursor: this.sink.cursor }, 'NATS reconnected: restarting the consumer from the cursor');
          // The server may have restarted and lost the ordered consumer and its pull: rather than
          // wait for missed heartbeats, check the stream and consume again from cursor + 1 now.
          this.restartConsumer();
          break;
        case 'error':
          this.log.warn({ err: String(status.error) }, 'NATS error');
          break;
        default:
          break;
      }
    }
  }

  /**
   * A purge (or a deleted message) can't always be told from the stream's
   * numbers: purged and immediately refilled, it looks like a stream that
   * simply moved on. JetStream's API audit advisory says it happened; the
   * projection is then rebuilt from what the stream holds. Accounts that may
   * not read advisories fall back on the numbers alone.
   */
  private watchStreamAdvisories(nc: NatsConnection): void {
    const purge = `$JS.API.STREAM.PURGE.${this.options.stream}`;
    const deleteMsg = `$JS.API.STREAM.MSG.DELETE.${this.options.stream}`;
    try {
      nc.subscribe('$JS.EVENT.ADVISORY.API', {
        callback: (error, msg) => {
          if (error) return;
          let subject: unknown;
          try {
            subject = (msg.json() as { subject?: unknown }).subject;
          } catch {
            return;
          }
          if (subject !== purge && subject !== deleteMsg) return;
          void this.rebuildAfterAdvisory(subject === purge ? 'stream was purged' : 'a message was deleted from the stream');
        },
      });
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'cannot watch JetStream advisories; purges are detected from stream state only');
    }
  }

  private async rebuildAfterAdvisory(reason: string): Promise<void> {
    if (!this.jsm) return;
    try {
      this.rebuild(reason, await this.jsm.streams.info(this.options.stream));
    } catch (error) {
      this.log.warn({ err: (error as Error).message, reason }, 'stream info failed after an advisory; the next check will retry');
    }
  }

  private async watchConsumer(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      switch (status.type) {
        case 'stream_not_found':
        case 'consumer_deleted':
          // The stream may be gone or replaced: stop here and look at it before consuming again.
          this.log.warn({ notification: status }, 'consumer lost its stream, checking the stream before resuming');
          if (this.messages === messages) this.restartConsumer();
          break;
        case 'heartbeats_missed':
        case 'consumer_not_found':
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
