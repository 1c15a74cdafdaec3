import { describe, expect, it } from 'vitest';
import { partitionPoint, selectTop } from '../../src/projection/sorted.js';

/** A small deterministic generator, so a failure names its case. */
function numbers(seed: number, count: number, range: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % range;
  });
}

describe('partitionPoint', () => {
  it.each([0, 1, 2, 7, 64, 100])('over %i sorted values finds the same boundaries as a linear scan', (count) => {
    const values = numbers(count + 1, count, 20).sort((a, b) => a - b);
    for (let target = -1; target <= 21; target++) {
      expect(partitionPoint(values.length, (i) => values[i]! < target)).toBe(values.filter((v) => v < target).length);
      expect(partitionPoint(values.length, (i) => values[i]! <= target)).toBe(values.filter((v) => v <= target).length);
    }
  });
});

describe('selectTop', () => {
  const byValue = (a: number, b: number) => a - b;

  it.each([0, 1, 3, 10, 200])('keeps the %i smallest accepted items, sorted, like sort-then-slice', (want) => {
    const items = numbers(want + 7, 150, 40);
    const even = (n: number) => n % 2 === 0;
    expect(selectTop(items, want, even, byValue)).toEqual(items.filter(even).sort(byValue).slice(0, want));
  });

  it('keeps equal items in arrival order', () => {
    const items = [
      { k: 2, n: 'a' },
      { k: 1, n: 'b' },
      { k: 2, n: 'c' },
      { k: 1, n: 'd' },
      { k: 2, n: 'e' },
    ];
    const picked = selectTop(
      items,
      4,
      () => true,
      (a, b) => a.k - b.k,
    );
    expect(picked.map((x) => x.n)).toEqual(['b', 'd', 'a', 'c']);
  });
});
