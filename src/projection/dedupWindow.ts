/**
 * Remembers the last `capacity` CloudEvent ids. The producer retries
 * publishes without a Nats-Msg-Id, so one event can sit in the stream twice,
 * usually close together. The window is counted in events, not time, so every
 * replica replaying the same stream makes the same duplicate decisions.
 */
export class DedupWindow {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }

  /** True when `id` was already seen in the window; otherwise remembers it. */
  checkAndRemember(id: string): boolean {
    if (this.capacity === 0) return this.seen.has(id);
    // One hash lookup instead of has() then add(): a Set that did not grow already held the id.
    const size = this.seen.size;
    this.seen.add(id);
    if (this.seen.size === size) return true;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = id;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}
