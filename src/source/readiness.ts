// Decides when a replay has caught up (the one readiness condition), wakes whoever waits for it and logs its progress.

import type { ReplayProgressSnapshot } from '../events/streamStatus.js';
import type { Logger } from '../util/logger.js';
import { ReplayProgress } from './replayProgress.js';

export interface ReadinessOptions {
  stream: string;
  logger: Logger;
  /** The projection's cursor: how far the replay got. */
  cursor: () => number;
  /** How often replay progress is logged. */
  progressIntervalMs?: number;
}

/**
 * A replay targets the stream's last seq read when it began (at boot, or
 * after a rebuild). It is over when the cursor reaches that target, or when
 * the stream is known to hold nothing past the cursor (its last events were
 * deleted, or it holds none at all): whoever learns something about the
 * stream reports it to `observe`, which alone decides.
 */
export class Readiness {
  private progress = new ReplayProgress();
  private isReady = false;
  private readonly waiters: (() => void)[] = [];
  private progressTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ReadinessOptions) {}

  get ready(): boolean {
    return this.isReady;
  }

  /** Whether a replay has begun since boot. */
  get started(): boolean {
    return this.progress.started;
  }

  snapshot(): ReplayProgressSnapshot {
    return this.progress.snapshot(this.options.cursor());
  }

  /** Resolves once the running replay (or the next one) has caught up. */
  whenReady(): Promise<void> {
    return this.isReady ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** A replay up to the stream's last seq `target` begins from the cursor; `messages` is how many the stream holds. */
  begin(target: number, messages: number): void {
    const cursor = this.options.cursor();
    this.isReady = false;
    this.progress = new ReplayProgress();
    this.progress.begin(target, cursor);
    this.options.logger.info({ stream: this.options.stream, target, messages, cursor }, 'replay started');
    this.observe(messages === 0 ? 0 : target - cursor);
    if (!this.isReady) this.logProgress();
  }

  /** How many events the stream holds past the cursor, as just learned (0: none). */
  observe(pendingPastCursor: number): void {
    if (this.isReady || !this.progress.started) return;
    if (this.options.cursor() >= this.progress.targetSeq || pendingPastCursor <= 0) this.finish();
  }

  stop(): void {
    clearInterval(this.progressTimer);
  }

  private finish(): void {
    const cursor = this.options.cursor();
    this.isReady = true;
    clearInterval(this.progressTimer);
    this.progress.finish(cursor);
    this.options.logger.info(this.progress.snapshot(cursor), 'replay finished, tailing');
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  private logProgress(): void {
    clearInterval(this.progressTimer);
    this.progressTimer = setInterval(
      () => this.options.logger.info(this.snapshot(), 'replay progress'),
      this.options.progressIntervalMs ?? 1_000,
    );
    this.progressTimer.unref();
  }
}
