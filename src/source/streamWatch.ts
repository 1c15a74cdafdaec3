// Watches the followed stream: its identity, resets (from its numbers and from advisories), its last seq, and a stalled consumer.

import type { StreamInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Logger } from '../util/logger.js';
import type { NatsConnector } from './natsConnection.js';

/** Why the stream no longer matches what was applied, or null when it still does. */
export function streamResetReason(
  cursor: number,
  known: { created: string } | undefined,
  info: { created: string; state: { first_seq: number; last_seq: number; messages: number } },
): string | null {
  const { first_seq: first, last_seq: last, messages } = info.state;
  if (known && info.created !== known.created) return 'stream was deleted and recreated';
  if (last < cursor) return `stream last seq ${last} is behind the cursor ${cursor}`;
  if (cursor > 0 && first > cursor + 1)
    return `stream first seq ${first} jumped past the cursor ${cursor}: unread events are gone`;
  if (cursor > 0 && messages === 0 && first > cursor) return 'stream was purged';
  return null;
}

export interface StreamWatchOptions {
  stream: string;
  logger: Logger;
  /** How often the stream's info is polled. */
  pollIntervalMs?: number;
  /**
   * The stream holds events past the cursor but none arrived for this long:
   * the consumer is stalled (a pull lost in a server crash or pause).
   */
  stallTimeoutMs?: number;
}

/** What the watch reports to, and reads from, the one following the stream. */
export interface StreamFollower {
  readonly cursor: number;
  /** A consumer restart is under way: no progress is expected yet. */
  readonly restarting: boolean;
  /** The stream can't be followed from the cursor any more: rebuild from what `info` describes. */
  rebuild(reason: string, info: StreamInfo): void;
  /** A poll's fresh info, once checked for a reset. */
  polled(info: StreamInfo): void;
  /** Events wait past the cursor and none arrived for the stall timeout. */
  stalled(): void;
}

export class StreamWatch {
  /** Identity of the stream the projection was built from. */
  private known: { created: string } | undefined;
  private highestSeq = 0;
  /** Last time the consumer made progress (a message, a (re)start, or nothing left to read). */
  private lastProgressAt = Date.now();
  private pollTimer: NodeJS.Timeout | undefined;
  private stallRestarts = 0;

  constructor(
    private readonly options: StreamWatchOptions,
    private readonly connection: Pick<NatsConnector, 'clients' | 'connected'>,
    private readonly follower: StreamFollower,
  ) {}

  /** Times the stall check had to restart the consumer: a last resort, so anything but 0 is worth a look. */
  get stalls(): number {
    return this.stallRestarts;
  }

  /** The stream's last seq as last seen (never behind what a message told). */
  get lastSeq(): number {
    return this.highestSeq;
  }

  noteLastSeq(seq: number): void {
    if (seq > this.highestSeq) this.highestSeq = seq;
  }

  /** The consumer moved: the stall clock starts again. */
  noteProgress(): void {
    this.lastProgressAt = Date.now();
  }

  /**
   * Compares the stream with what the projection was built from. A stream
   * that was recreated, went backwards or lost unread events can't be
   * followed: the projection is rebuilt from it, not patched.
   */
  check(info: StreamInfo, cursorBeforeInfo = this.follower.cursor): void {
    const reason = streamResetReason(cursorBeforeInfo, this.known, info);
    this.known = { created: info.created };
    if (reason !== null) this.reset(reason, info);
  }

  startPolling(): void {
    if (this.pollTimer) return;
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs ?? 1_000);
    this.pollTimer.unref();
  }

  stop(): void {
    clearInterval(this.pollTimer);
  }

  /**
   * A purge (or a deleted message) can't always be told from the stream's
   * numbers: purged and immediately refilled, it looks like a stream that
   * simply moved on. JetStream's API audit advisory says it happened; the
   * projection is then rebuilt from what the stream holds. Accounts that may
   * not read advisories fall back on the numbers alone.
   */
  watchAdvisories(nc: NatsConnection): void {
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
          void this.resetAfterAdvisory(
            subject === purge ? 'stream was purged' : 'a message was deleted from the stream',
          );
        },
      });
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        'cannot watch JetStream advisories; purges are detected from stream state only',
      );
    }
  }

  private reset(reason: string, info: StreamInfo): void {
    this.known = { created: info.created };
    this.highestSeq = info.state.last_seq;
    this.options.logger.warn(
      { reason, cursor: this.follower.cursor, stream: info.state },
      'stream reset detected: rebuilding the projection',
    );
    this.follower.rebuild(reason, info);
  }

  private async resetAfterAdvisory(reason: string): Promise<void> {
    const jsm = this.connection.clients?.jsm;
    if (!jsm) return;
    try {
      this.reset(reason, await jsm.streams.info(this.options.stream));
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message, reason },
        'stream info failed after an advisory; the next check will retry',
      );
    }
  }

  private async poll(): Promise<void> {
    const jsm = this.connection.clients?.jsm;
    if (!jsm || !this.connection.connected) return;
    try {
      // The cursor read before the request: the info may be older than messages applied meanwhile.
      const cursor = this.follower.cursor;
      const info = await jsm.streams.info(this.options.stream);
      this.check(info, cursor);
      this.highestSeq = info.state.last_seq;
      this.checkStalled(info.state.last_seq);
      this.follower.polled(info);
    } catch (error) {
      this.options.logger.debug({ err: (error as Error).message }, 'stream info poll failed');
    }
  }

  /**
   * The ordered consumer recovers by itself from most faults, but not all: a
   * pull lost while the server crashed or was paused can leave it waiting
   * with nothing requested. Events in the stream past the cursor and no
   * progress for a while means stalled.
   */
  private checkStalled(streamLastSeq: number): void {
    const cursor = this.follower.cursor;
    if (streamLastSeq <= cursor || this.follower.restarting) {
      this.noteProgress();
      return;
    }
    const stalledMs = Date.now() - this.lastProgressAt;
    if (stalledMs < (this.options.stallTimeoutMs ?? 10_000)) return;
    this.options.logger.warn(
      { cursor, streamLastSeq, stalledMs },
      'consumer stalled with events pending: restarting it from the cursor',
    );
    this.noteProgress();
    this.stallRestarts += 1;
    this.follower.stalled();
  }
}
