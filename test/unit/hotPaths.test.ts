import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/decode.js';
import { DedupWindow, hashOf } from '../../src/projection/dedupWindow.js';
import { Projection } from '../../src/projection/projection.js';
import type { CellRecord, Delta } from '../../src/projection/records.js';
import { takeEvents } from '../../src/simulator/generator.js';

// The implementations before they were tuned for replay speed: the tuned ones must give the same answers.
const RECORD_FIELDS = [
  'id',
  'specId',
  'runId',
  'state',
  'formationId',
  'tenantId',
  'startedAt',
  'destroyedAt',
  'outcome',
  'exitCode',
  'terminalState',
  'reason',
  'firstSeq',
  'lastSeq',
  'updatedAt',
  'eventCount',
] as const;
function referenceChanged(before: CellRecord | null, after: CellRecord): string[] {
  const changed: string[] = [];
  for (const field of RECORD_FIELDS) if (before === null || before[field] !== after[field]) changed.push(field);
  if (before === null || before.state !== after.state) changed.push('status');
  if (before === null || before.startedAt !== after.startedAt || before.destroyedAt !== after.destroyedAt)
    changed.push('durationMs');
  if (before === null || before.formationId !== after.formationId) changed.push('formation');
  return changed;
}
class ReferenceDedup {
  private readonly seen = new Set<string>();
  private readonly ring: (string | undefined)[];
  private next = 0;
  constructor(readonly capacity: number) {
    this.ring = new Array<string | undefined>(capacity);
  }
  checkAndRemember(id: string): boolean {
    if (this.seen.has(id)) return true;
    if (this.capacity === 0) return false;
    const evicted = this.ring[this.next];
    if (evicted !== undefined) this.seen.delete(evicted);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.seen.add(id);
    return false;
  }
  ids(): string[] {
    const ring = [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
    return ring.filter((id): id is string => id !== undefined);
  }
}

describe('tuned hot paths', () => {
  it('changedCellFields names the same fields as the reference on every delta of a simulated log', () => {
    const projection = new Projection();
    const deltas: Delta[] = [];
    takeEvents(5000, { seed: 5, duplicateRate: 0.05 }).forEach(({ event }, i) => {
      projection.apply(i + 1, decodeEvent(JSON.stringify(event)), deltas);
    });
    let checked = 0;
    for (const delta of deltas) {
      if (delta.entity !== 'cell') continue;
      expect(delta.changed).toEqual(referenceChanged(delta.before, delta.after));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(4000);
  });

  it('DedupWindow makes the same decisions as the reference, at every capacity', () => {
    for (const capacity of [0, 1, 2, 7, 100]) {
      const tuned = new DedupWindow(capacity);
      const reference = new ReferenceDedup(capacity);
      let x = 12345;
      for (let i = 0; i < 5000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const id = `id-${x % 150}`;
        expect(tuned.checkAndRemember(id)).toBe(reference.checkAndRemember(id));
      }
      expect(tuned.size).toBeLessThanOrEqual(Math.max(capacity, 0));
      expect(tuned.ids()).toEqual(reference.ids());
    }
  });

  it('DedupWindow tells apart ids whose hashes collide', () => {
    // Ids are compared only on a full hash match: find real collisions, short (stored as bytes) and wide.
    const pairs: [string, string][] = [];
    // Same length (only the characters tell them apart), different lengths, and wide (kept as strings).
    const makers = [(n: number) => String(n).padStart(7, '0'), (n: number) => `${n}`, (n: number) => `ĉ${n}`];
    for (const make of makers) {
      const seen = new Map<number, string>();
      const wanted = pairs.length + 2;
      for (let n = 0; pairs.length < wanted && n < 2_000_000; n++) {
        const id = make(n);
        const other = seen.get(hashOf(id));
        if (other !== undefined) pairs.push([other, id]);
        else seen.set(hashOf(id), id);
      }
    }
    expect(pairs.length).toBe(6);
    for (const [a, b] of pairs) {
      const window = new DedupWindow(4);
      expect(window.checkAndRemember(a)).toBe(false);
      expect(window.checkAndRemember(b)).toBe(false);
      expect(window.checkAndRemember(a)).toBe(true);
      expect(window.checkAndRemember(b)).toBe(true);
      expect(window.ids()).toEqual([a, b]);
    }
  });

  it('DedupWindow keeps ids of every length and alphabet apart, and gives them back in arrival order', () => {
    // Short Latin-1 ids live as bytes in the arena, the others as strings: the same answers either way, also
    // when an entry changes from one kind to the other as the ring wraps.
    const shapes = [
      (n: number) => `${n}`,
      (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      (n: number) => `é-${n}`,
      (n: number) => `ĉ-${n}`,
      (n: number) => `${'x'.repeat(40)}${n}`,
      (n: number) => `${'y'.repeat(48)}${n}`,
      (n: number) => `😀${n}`,
    ];
    for (const capacity of [1, 3, 64]) {
      const tuned = new DedupWindow(capacity);
      const reference = new ReferenceDedup(capacity);
      let x = 777;
      for (let i = 0; i < 20000; i++) {
        x = (x * 1103515245 + 12345) % 2147483648;
        const id = shapes[x % shapes.length]!((x >> 8) % 97);
        expect(tuned.checkAndRemember(id)).toBe(reference.checkAndRemember(id));
      }
      expect(tuned.ids()).toEqual(reference.ids());
    }
  });
});
