import type { ReplayProgressSnapshot } from '../events/streamStatus.js';

/** Measures boot replay against its target: rate, percent and an ETA. */
export class ReplayProgress {
  private target = 0;
  private startCursor = 0;
  private startMs = 0;
  private startedAt: string | null = null;
  private finishedAt: string | null = null;
  private finishedRate = 0;

  begin(target: number, cursor: number, now = Date.now()): void {
    this.target = target;
    this.startCursor = cursor;
    this.startMs = now;
    this.startedAt = new Date(now).toISOString();
    this.finishedAt = cursor >= target ? this.startedAt : null;
  }

  /** Stream last seq read at boot (0 before begin). */
  get targetSeq(): number {
    return this.target;
  }

  get started(): boolean {
    return this.startedAt !== null;
  }

  get done(): boolean {
    return this.finishedAt !== null;
  }

  finish(cursor: number, now = Date.now()): void {
    if (this.finishedAt !== null) return;
    this.finishedRate = this.rate(cursor, now);
    this.finishedAt = new Date(now).toISOString();
  }

  private rate(cursor: number, now: number): number {
    const seconds = (now - this.startMs) / 1000;
    return seconds > 0 ? (cursor - this.startCursor) / seconds : 0;
  }

  snapshot(cursor: number, now = Date.now()): ReplayProgressSnapshot {
    const done = this.finishedAt !== null;
    const span = this.target - this.startCursor;
    const percent = !this.started
      ? 0
      : done || span <= 0
        ? 100
        : Math.min(100, ((cursor - this.startCursor) / span) * 100);
    const eventsPerSecond = done ? this.finishedRate : this.rate(cursor, now);
    const remaining = Math.max(0, this.target - cursor);
    return {
      target: this.target,
      from: this.startCursor,
      cursor,
      done,
      percent: Math.round(percent * 10) / 10,
      eventsPerSecond: Math.round(eventsPerSecond),
      etaSeconds: done ? 0 : eventsPerSecond > 0 ? Math.round((remaining / eventsPerSecond) * 10) / 10 : null,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
    };
  }
}
