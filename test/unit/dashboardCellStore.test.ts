import { describe, expect, it } from 'vitest';
import { type CellRow, type CellSort, CellStore, compareCells } from '../../dashboard/src/cellStore.js';

let nextSeq = 1;
function row(id: string, fields: Partial<CellRow> = {}): CellRow {
  const seq = nextSeq++;
  return {
    id,
    state: 'RUNNING',
    outcome: null,
    specId: null,
    formationId: null,
    tenantId: null,
    startedAt: null,
    destroyedAt: null,
    exitCode: null,
    firstSeq: seq,
    lastSeq: seq,
    ...fields,
  };
}

/** The reference: a full sort of the current rows, computed from scratch. */
function reference(rows: Map<string, CellRow>, sort: CellSort): string[] {
  return [...rows.values()].sort(compareCells(sort)).map((cell) => cell.id);
}

describe('dashboard CellStore', () => {
  it('upserts and removes like a view kept from ADDED/UPDATED/REMOVED', () => {
    const store = new CellStore();
    store.apply('ADDED', 'a', row('a'));
    store.apply('ADDED', 'b', row('b'));
    store.apply('UPDATED', 'a', row('a', { state: 'DESTROYED' }));
    store.apply('REMOVED', 'b', null);
    store.apply('REMOVED', 'missing', null);
    expect(store.size).toBe(1);
    expect(store.get('a')?.state).toBe('DESTROYED');
    expect(store.sorted({ field: 'id', direction: 'asc' }).map((cell) => cell.id)).toEqual(['a']);
  });

  it('nulls sort last in both directions, ids break ties', () => {
    const cells = [
      row('c', { specId: 'x' }),
      row('a', { specId: null }),
      row('b', { specId: 'x' }),
      row('d', { specId: 'w' }),
    ];
    const asc = [...cells].sort(compareCells({ field: 'specId', direction: 'asc' })).map((cell) => cell.id);
    const desc = [...cells].sort(compareCells({ field: 'specId', direction: 'desc' })).map((cell) => cell.id);
    expect(asc).toEqual(['d', 'b', 'c', 'a']);
    expect(desc).toEqual(['b', 'c', 'd', 'a']);
  });

  it('the incremental sorted view equals a full sort after random batches of changes and sort switches', () => {
    const store = new CellStore();
    const truth = new Map<string, CellRow>();
    const sorts: CellSort[] = [
      { field: 'firstSeq', direction: 'asc' },
      { field: 'lastSeq', direction: 'desc' },
      { field: 'specId', direction: 'asc' },
      { field: 'startedAt', direction: 'desc' },
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed >>> 16) % n; // the high bits: an LCG's low bits repeat with a short period
    };
    for (let batch = 0; batch < 80; batch++) {
      // Small batches move rows one by one; every third batch is large enough to be merged in one pass.
      for (let i = 0; i < (batch % 3 === 0 ? 200 : 40); i++) {
        const id = `cell-${random(300)}`;
        const choice = random(10);
        // Odd batches only upsert.
        if (batch % 2 === 0 && choice < 2) {
          store.apply('REMOVED', id, null);
          truth.delete(id);
        } else {
          const existing = truth.get(id);
          const cell = row(id, {
            firstSeq: existing?.firstSeq ?? nextSeq,
            specId: random(4) ? `spec-${random(5)}` : null,
            startedAt: random(3) ? `2026-12-04T10:${String(random(60)).padStart(2, '0')}:00Z` : null,
          });
          store.apply(existing ? 'UPDATED' : 'ADDED', id, cell);
          truth.set(id, cell);
        }
      }
      // The same sort for several batches (the view is updated in place), then another one (rebuilt).
      const sort = sorts[Math.floor(batch / 5) % sorts.length]!;
      const view = store.sorted(sort);
      expect(view.map((cell) => cell.id)).toEqual(reference(truth, sort));
      // The view holds the current objects, not ones an update replaced.
      for (const cell of view) expect(cell).toBe(truth.get(cell.id));
    }
  });

  it('clear empties the view', () => {
    const store = new CellStore();
    store.apply('ADDED', 'a', row('a'));
    expect(store.sorted({ field: 'id', direction: 'asc' })).toHaveLength(1);
    store.clear();
    expect(store.sorted({ field: 'id', direction: 'asc' })).toHaveLength(0);
    expect(store.size).toBe(0);
  });
});
