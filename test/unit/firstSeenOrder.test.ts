import { describe, expect, it } from 'vitest';
import { firstSeenOrder } from '../../src/projection/checkpoint/reader.js';

/** Distinct firstSeqs in a shuffled order, as a checkpoint's id order gives them. */
function shuffledSeqs(n: number, base: number, seed: number): { firstSeq: number }[] {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const records = Array.from({ length: n }, (_, i) => ({ firstSeq: base + i * 3 + Math.floor(random() * 3) }));
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [records[i], records[j]] = [records[j]!, records[i]!];
  }
  return records;
}

const byComparator = (records: { firstSeq: number }[]) =>
  records.map((_, i) => i).sort((a, b) => records[a]!.firstSeq - records[b]!.firstSeq);

describe('firstSeenOrder', () => {
  it('orders positions by firstSeq like a comparator sort (packed keys)', () => {
    const records = shuffledSeqs(50_000, 1, 11);
    expect([...firstSeenOrder(records)]).toEqual(byComparator(records));
  });

  it('falls back to a comparator sort when seqs are too large to pack', () => {
    const records = shuffledSeqs(5_000, 2 ** 40, 5);
    expect([...firstSeenOrder(records)]).toEqual(byComparator(records));
  });
});
