// Reading every cell of a cellgraph at one seq, sorted by id, to compare with a subscriber's view.
import { expect } from 'vitest';
import {
  type CellFieldsFragment,
  type CellFilter,
  CellsPageDocument,
  type CellsPageQuery,
} from '../generated/graphql.js';
import type { TestCellgraph } from './cellgraph.js';

export const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Every cell (all pages) read at one seq; fails if the projection moved between pages. */
export async function allCells(
  app: TestCellgraph,
  minSeq?: number,
  filter: CellFilter | null = null,
): Promise<{ seq: number; cells: CellFieldsFragment[] }> {
  const cells: CellFieldsFragment[] = [];
  let after: string | null = null;
  let seq: number | undefined;
  for (;;) {
    const result: CellsPageQuery = await app.query(CellsPageDocument, {
      filter,
      first: 1000,
      after,
      minSeq: minSeq ?? null,
    });
    const page = result.cells;
    if (seq !== undefined && page.seq !== seq) throw new Error(`seq moved while paging: ${seq} → ${page.seq}`);
    seq = page.seq;
    cells.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { seq: seq!, cells: cells.sort(byId) };
}

/** The cells matching `filter`, which the test expects to fit on one page of 1,000 (it fails otherwise). */
export async function cellsOnOnePage(
  app: TestCellgraph,
  filter: CellFilter | null,
): Promise<{ seq: number; cells: CellFieldsFragment[] }> {
  const page = await app.query(CellsPageDocument, { filter, first: 1000 });
  expect(page.cells.totalCount).toBeLessThanOrEqual(1000);
  return { seq: page.cells.seq, cells: page.cells.edges.map((e) => e.node).sort(byId) };
}
