import { describe, expect, it } from 'vitest';
import { countCells, countCellsBy } from '../../src/projection/cellCount.js';
import { type CellFilter, compileCellFilter } from '../../src/projection/cellFilter.js';
import { CELL_ORDER_FIELDS, type CellOrder, type CellOrderField, orderKeyOf } from '../../src/projection/cellOrder.js';
import { readCellPage } from '../../src/projection/cellPage.js';
import { asSelection, CellSelection } from '../../src/projection/cellSelection.js';
import type { CellRecord } from '../../src/projection/records.js';
import { completed, Driver, destroyed, failed, other, started, uuidOf } from './fixtures.js';

/**
 * A projection with a known mix of cells, built through the real reducer:
 * every state, outcome, formation and tenant, shared start times (ties
 * broken by id), cells never started or never destroyed (null sort keys),
 * and ids whose string order differs from their first-seen order.
 */
const FORMATIONS = [uuidOf(0xa1), uuidOf(0xb2)];
const SPECS = ['spec-a', 'spec-b', 'spec-c'];

function buildProjection(): Driver {
  const d = new Driver();
  const N = 41;
  const t = (minute: number) => `2026-11-28T12:${String(minute).padStart(2, '0')}:00.000Z`;
  for (let i = 0; i < N; i++) {
    // ids not in first-seen order: "cell-07", "cell-34", ...
    const id = `cell-${String((i * 27) % N).padStart(2, '0')}`;
    const correlation: Record<string, string> = {};
    if (i % 3 === 0) correlation['formationId'] = FORMATIONS[i % 2]!;
    if (i % 4 === 0) correlation['tenantId'] = i % 8 === 0 ? 'acme' : 'globex';
    const base = { cellId: id, specId: SPECS[i % 3]!, runId: `run-${i % 5}`, correlation };
    switch (i % 6) {
      case 0: // pending: completed before started
        d.apply(completed({ ...base, exitCode: 1 }));
        break;
      case 1: // running, shared start minute with its neighbour
      case 2:
        d.apply(started(base, { time: t(Math.floor(i / 2) % 20) }));
        break;
      default: {
        d.apply(started(base, { time: t(i % 20) }));
        if (i % 6 === 5) d.apply(failed({ cellId: id, reason: 'oom' }, { time: t(30 + (i % 7)) }));
        else
          d.apply(destroyed({ cellId: id, outcome: i % 6 === 3 ? 'succeeded' : 'failed' }, { time: t(30 + (i % 5)) }));
      }
    }
  }
  // Touch some cells again so LAST_SEQ differs from FIRST_SEEN.
  for (const id of ['cell-00', 'cell-13', 'cell-27']) d.apply(other('cell.observability.v1.metrics', { cellId: id }));
  return d;
}

const d = buildProjection();
const projection = d.projection;
const allCells = [...projection.cells.values()];

/** Reference semantics written from the API description, independent of the projection's query modules. */
function referenceFilter(filter: CellFilter): (c: CellRecord) => boolean {
  const within = (v: string | null, r: CellFilter['startedAt']) =>
    !r ||
    ((r.from == null || (v !== null && Date.parse(v) >= Date.parse(r.from))) &&
      (r.to == null || (v !== null && Date.parse(v) <= Date.parse(r.to))));
  return (c) =>
    (!filter.ids || filter.ids.includes(c.id)) &&
    (!filter.states?.length || filter.states.includes(c.state)) &&
    (filter.specId == null || c.specId === filter.specId) &&
    (filter.runId == null || c.runId === filter.runId) &&
    (filter.formationId == null || c.formationId === filter.formationId.toLowerCase()) &&
    (filter.tenantId == null || c.tenantId === filter.tenantId) &&
    (filter.outcome == null || c.outcome === filter.outcome) &&
    (!(filter.startedAt?.from || filter.startedAt?.to) ||
      (c.startedAt !== null && within(c.startedAt, filter.startedAt))) &&
    (!(filter.destroyedAt?.from || filter.destroyedAt?.to) ||
      (c.destroyedAt !== null && within(c.destroyedAt, filter.destroyedAt)));
}

function keyOf(c: CellRecord, field: CellOrderField): number | string | null {
  switch (field) {
    case 'FIRST_SEEN':
      return c.firstSeq;
    case 'LAST_SEQ':
      return c.lastSeq;
    case 'ID':
      return c.id;
    case 'STARTED_AT':
      return c.startedAt && Date.parse(c.startedAt);
    case 'DESTROYED_AT':
      return c.destroyedAt && Date.parse(c.destroyedAt);
  }
}

/** ASC: by key, nulls last, ties by id; DESC is the exact reverse. */
function referenceSort(cells: CellRecord[], order: CellOrder): string[] {
  const asc = [...cells].sort((a, b) => {
    const ka = keyOf(a, order.field);
    const kb = keyOf(b, order.field);
    if (ka !== kb) {
      if (ka === null) return 1;
      if (kb === null) return -1;
      return ka < kb ? -1 : 1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const ids = asc.map((c) => c.id);
  return order.direction === 'ASC' ? ids : ids.reverse();
}

const ids = (cells: readonly CellRecord[]) => cells.map((c) => c.id);

const FILTERS: [string, CellFilter][] = [
  ['none', {}],
  ['ids', { ids: ['cell-05', 'cell-17', 'cell-40', 'no-such-cell'] }],
  ['one state', { states: ['running'] }],
  ['two states', { states: ['pending', 'destroyed'] }],
  ['specId', { specId: 'spec-b' }],
  ['runId', { runId: 'run-3' }],
  ['formationId', { formationId: FORMATIONS[0]! }],
  ['formationId upper case', { formationId: FORMATIONS[1]!.toUpperCase() }],
  ['tenantId', { tenantId: 'acme' }],
  ['outcome succeeded', { outcome: 'succeeded' }],
  ['outcome failed', { outcome: 'failed' }],
  ['startedAt from', { startedAt: { from: '2026-11-28T12:10:00.000Z' } }],
  ['startedAt to (inclusive)', { startedAt: { to: '2026-11-28T12:05:00Z' } }],
  ['startedAt from..to with offset', { startedAt: { from: '2026-11-28T13:03:00+01:00', to: '2026-11-28T12:12:00Z' } }],
  ['destroyedAt range', { destroyedAt: { from: '2026-11-28T12:31:00Z', to: '2026-11-28T12:33:00Z' } }],
  ['state and formation', { states: ['destroyed'], formationId: FORMATIONS[1]! }],
  ['spec, state and tenant', { specId: 'spec-a', states: ['pending'], tenantId: 'acme' }],
  ['formation and ids', { formationId: FORMATIONS[0]!, ids: ['cell-00', 'cell-27', 'cell-05'] }],
  ['nothing matches', { specId: 'spec-z' }],
];

describe('the test projection', () => {
  it('has every state, both outcomes, ties and null keys (so the cases below mean something)', () => {
    const byState = projection.cellCountsByState();
    expect(byState.pending).toBeGreaterThan(0);
    expect(byState.running).toBeGreaterThan(0);
    expect(byState.destroyed).toBeGreaterThan(0);
    expect(allCells.some((c) => c.outcome === 'succeeded') && allCells.some((c) => c.outcome === 'failed')).toBe(true);
    const starts = allCells.map((c) => c.startedAt).filter((s) => s !== null);
    expect(new Set(starts).size).toBeLessThan(starts.length);
    expect(allCells.some((c) => c.startedAt === null)).toBe(true);
    expect(ids(allCells)).not.toEqual([...ids(allCells)].sort());
    for (const [, filter] of FILTERS.slice(1, -1))
      expect(allCells.filter(referenceFilter(filter)).length).toBeGreaterThan(0);
  });
});

describe('cell filters', () => {
  it.each(FILTERS)('filter %s matches what the reference says, in first-seen order', (_name, filter) => {
    const expected = allCells.filter(referenceFilter(filter)).sort((a, b) => a.firstSeq - b.firstSeq);
    const page = readCellPage(projection, { filter, first: 1000 });
    expect(ids(page.cells)).toEqual(ids(expected));
    expect(page.hasNextPage).toBe(false);
    expect(countCells(projection, filter)).toBe(expected.length);
  });

  it('an empty states list means any state', () => {
    expect(countCells(projection, { states: [] })).toBe(allCells.length);
    expect(readCellPage(projection, { filter: { states: [] }, first: 1000 }).cells).toHaveLength(allCells.length);
  });

  it('a bad time bound is a RangeError', () => {
    expect(() => compileCellFilter({ startedAt: { from: 'yesterday' } })).toThrow(RangeError);
    expect(() => new CellSelection({ destroyedAt: { to: 'tomorrow' } })).toThrow(RangeError);
  });

  it.each(FILTERS)('filter %s compiled once reads and counts like the raw filter', (_name, filter) => {
    const selection = new CellSelection(filter);
    expect(asSelection(selection)).toBe(selection);
    for (const order of [
      { field: 'FIRST_SEEN', direction: 'DESC' },
      { field: 'ID', direction: 'ASC' },
    ] as const) {
      expect(readCellPage(projection, { filter: selection, order, first: 5 })).toEqual(
        readCellPage(projection, { filter, order, first: 5 }),
      );
    }
    expect(countCells(projection, selection)).toBe(countCells(projection, filter));
    expect(countCellsBy(projection, selection)).toEqual(countCellsBy(projection, filter));
  });
});

describe('the first-seen index', () => {
  it('ranks a seq like counting the cells first seen before it (or at it)', () => {
    const seqs = allCells.map((c) => c.firstSeq);
    const last = Math.max(...seqs);
    for (let seq = 0; seq <= last + 1; seq += 0.5) {
      expect(projection.firstSeenRank(seq, false)).toBe(seqs.filter((s) => s < seq).length);
      expect(projection.firstSeenRank(seq, true)).toBe(seqs.filter((s) => s <= seq).length);
    }
  });

  it('lists cells by position in first-seen order', () => {
    const expected = [...allCells].sort((a, b) => a.firstSeq - b.firstSeq);
    expect(expected.map((_, i) => projection.cellInFirstSeenOrder(i))).toEqual(expected);
    expect(projection.cellIdsInFirstSeenOrder()).toEqual(ids(expected));
  });
});

describe('cell order', () => {
  const orders: CellOrder[] = CELL_ORDER_FIELDS.flatMap((field) =>
    (['ASC', 'DESC'] as const).map((direction) => ({ field, direction })),
  );

  it.each(orders.map((o) => [`${o.field} ${o.direction}`, o] as const))('orders by %s', (_name, order) => {
    const page = readCellPage(projection, { order, first: 1000 });
    expect(ids(page.cells)).toEqual(referenceSort(allCells, order));
  });

  it.each(orders.map((o) => [`${o.field} ${o.direction}`, o] as const))(
    'orders a filtered set by %s',
    (_name, order) => {
      const filter: CellFilter = { states: ['running', 'destroyed'], specId: 'spec-b' };
      const page = readCellPage(projection, { order, filter, first: 1000 });
      expect(ids(page.cells)).toEqual(referenceSort(allCells.filter(referenceFilter(filter)), order));
    },
  );
});

describe('paging', () => {
  const orders: CellOrder[] = CELL_ORDER_FIELDS.flatMap((field) =>
    (['ASC', 'DESC'] as const).map((direction) => ({ field, direction })),
  );
  const cases = orders.flatMap((order) =>
    [1, 4, 7].flatMap((size) =>
      [
        ['all', {}],
        ['formation', { formationId: FORMATIONS[0]! }],
        ['destroyed', { states: ['destroyed'] }],
      ].map(
        ([fname, filter]) =>
          [
            `${order.field} ${order.direction} size ${size} filter ${fname}`,
            order,
            size,
            filter as CellFilter,
          ] as const,
      ),
    ),
  );

  it.each(cases)(
    '%s: walking forward with first/after and backward with last/before gives the full sorted list',
    (_n, order, size, filter) => {
      const expected = referenceSort(allCells.filter(referenceFilter(filter)), order);

      const forward: string[] = [];
      let after = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThanOrEqual(expected.length + 1);
        const page = readCellPage(projection, { filter, order, first: size, after });
        expect(page.cells.length).toBeLessThanOrEqual(size);
        expect(page.hasPreviousPage).toBe(after !== null);
        forward.push(...ids(page.cells));
        if (!page.hasNextPage) break;
        expect(page.cells).toHaveLength(size);
        after = orderKeyOf(page.cells.at(-1)!, order);
      }
      expect(forward).toEqual(expected);

      const backward: string[] = [];
      let before = null;
      for (let pages = 0; ; pages++) {
        expect(pages).toBeLessThanOrEqual(expected.length + 1);
        const page = readCellPage(projection, { filter, order, last: size, before });
        expect(page.cells.length).toBeLessThanOrEqual(size);
        expect(page.hasNextPage).toBe(before !== null);
        backward.unshift(...ids(page.cells));
        if (!page.hasPreviousPage) break;
        expect(page.cells).toHaveLength(size);
        before = orderKeyOf(page.cells[0]!, order);
      }
      expect(backward).toEqual(expected);
    },
  );

  it('after and before together give the window between them', () => {
    const order: CellOrder = { field: 'STARTED_AT', direction: 'DESC' };
    const expected = referenceSort(allCells, order);
    const all = readCellPage(projection, { order, first: 1000 }).cells;
    const after = orderKeyOf(all[3]!, order);
    const before = orderKeyOf(all[12]!, order);
    expect(ids(readCellPage(projection, { order, first: 100, after, before }).cells)).toEqual(expected.slice(4, 12));
    expect(ids(readCellPage(projection, { order, last: 3, after, before }).cells)).toEqual(expected.slice(9, 12));
  });

  it('first: 0 gives an empty page that still says whether there is more', () => {
    const page = readCellPage(projection, { first: 0 });
    expect(page.cells).toEqual([]);
    expect(page.hasNextPage).toBe(allCells.length > 0);
  });

  it('a page cursor stays valid after the cell it names changes (FIRST_SEEN is stable)', () => {
    const local = buildProjection();
    const order: CellOrder = { field: 'FIRST_SEEN', direction: 'ASC' };
    const first = readCellPage(local.projection, { order, first: 5 });
    const after = orderKeyOf(first.cells.at(-1)!, order);
    local.apply(completed({ cellId: first.cells.at(-1)!.id, exitCode: 7 }));
    local.apply(started({ cellId: 'brand-new', specId: 'spec-a' }));
    const rest = readCellPage(local.projection, { order, first: 1000, after });
    const expected = referenceSort([...local.projection.cells.values()], order);
    expect([...ids(first.cells), ...ids(rest.cells)]).toEqual(expected);
  });
});

describe('counts', () => {
  it.each(FILTERS)('countCellsBy(%s) counts by state and outcome', (_name, filter) => {
    const matching = allCells.filter(referenceFilter(filter));
    const counts = countCellsBy(projection, filter);
    expect(counts.total).toBe(matching.length);
    expect(counts.byState).toEqual({
      pending: matching.filter((c) => c.state === 'pending').length,
      running: matching.filter((c) => c.state === 'running').length,
      destroyed: matching.filter((c) => c.state === 'destroyed').length,
    });
    expect(counts.byOutcome).toEqual({
      succeeded: matching.filter((c) => c.outcome === 'succeeded').length,
      failed: matching.filter((c) => c.outcome === 'failed').length,
      none: matching.filter((c) => c.outcome === null).length,
    });
  });

  it('the states-only fast path agrees with a full count', () => {
    for (const states of [['pending'], ['running', 'destroyed'], ['destroyed', 'destroyed']] as const) {
      const expected = allCells.filter((c) => (states as readonly string[]).includes(c.state)).length;
      expect(countCells(projection, { states })).toBe(expected);
      expect(countCells(projection, { states, specId: null, ids: undefined })).toBe(expected);
    }
  });
});
