import { describe, expect, it } from 'vitest';
import { readCellPage } from '../../src/projection/cellPage.js';
import { CellSelection } from '../../src/projection/cellSelection.js';
import { canSee, SEE_ALL, tenantVisibility } from '../../src/projection/visibility.js';
import { completed, Driver, destroyed, other, started } from './fixtures.js';

// The tenant index holds records, not ids: after every kind of change, a tenant's page must hold the very records
// the projection holds, as the admin's walk over every cell (filtered by tenant) finds them.
describe('tenant pages read the current records', () => {
  it('after updates, state changes, a tenant set late and a tenant changed, in both directions and with cursors', () => {
    const d = new Driver();
    for (let i = 0; i < 60; i++) d.apply(started({ cellId: `c${i}`, specId: 's', tenantId: `t${i % 3}` }));
    for (let i = 0; i < 60; i += 4) d.apply(completed({ cellId: `c${i}`, exitCode: i }));
    for (let i = 1; i < 60; i += 5) d.apply(destroyed({ cellId: `c${i}`, outcome: 'succeeded' }));
    d.apply(started({ cellId: 'late', specId: 's' }));
    d.apply(other('cell.network.v1.attached', { cellId: 'late', tenantId: 't1' }));
    d.apply(other('cell.network.v1.attached', { cellId: 'c5', tenantId: 't0' }));
    for (let i = 2; i < 60; i += 7) d.apply(completed({ cellId: `c${i}`, exitCode: 100 + i }));
    const { projection } = d;
    for (const tenants of [['t0'], ['t1'], ['t0', 't2'], ['t0', 't1', 't2']]) {
      const visibility = tenantVisibility(tenants);
      for (const direction of ['ASC', 'DESC'] as const) {
        const order = { field: 'FIRST_SEEN' as const, direction };
        const all = readCellPage(projection, { filter: new CellSelection(null, SEE_ALL), order, first: 1000 }).cells;
        const expected = all.filter((cell) => canSee(visibility, cell));
        const page = (after: (typeof all)[number] | null) =>
          readCellPage(projection, {
            filter: new CellSelection(null, visibility),
            order,
            first: 7,
            after: after ? { key: after.firstSeq, id: after.id } : null,
          }).cells;
        const walked = [];
        for (let last = null, cells = page(null); cells.length > 0; cells = page(last)) {
          walked.push(...cells);
          last = cells.at(-1)!;
        }
        expect(walked.map((c) => c.id)).toEqual(expected.map((c) => c.id));
        for (const cell of walked) expect(cell).toBe(projection.cells.get(cell.id));
      }
    }
    expect(d.cell('late').tenantId).toBe('t1');
  });
});
