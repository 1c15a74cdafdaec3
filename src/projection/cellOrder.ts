// The orders a page of cells can be read in: each cell's position as a sort key, and how positions compare.
import type { CellRecord } from './records.js';

export const CELL_ORDER_FIELDS = ['FIRST_SEEN', 'LAST_SEQ', 'ID', 'STARTED_AT', 'DESTROYED_AT'] as const;
export type CellOrderField = (typeof CELL_ORDER_FIELDS)[number];
export type OrderDirection = 'ASC' | 'DESC';

export interface CellOrder {
  field: CellOrderField;
  direction: OrderDirection;
}

export const DEFAULT_CELL_ORDER: CellOrder = { field: 'FIRST_SEEN', direction: 'ASC' };

type SortKey = number | string | null;

function sortKeyOf(cell: CellRecord, field: CellOrderField): SortKey {
  switch (field) {
    case 'FIRST_SEEN':
      return cell.firstSeq;
    case 'LAST_SEQ':
      return cell.lastSeq;
    case 'ID':
      return cell.id;
    case 'STARTED_AT':
      return cell.startedAt === null ? null : Date.parse(cell.startedAt);
    case 'DESTROYED_AT':
      return cell.destroyedAt === null ? null : Date.parse(cell.destroyedAt);
  }
}

/** Position of a record in an order: its sort key, with the id breaking ties. */
export interface OrderKey {
  key: SortKey;
  id: string;
}

// Nulls sort after every value in ascending order (and first in descending).
export function compareKeys(a: OrderKey, b: OrderKey): number {
  if (a.key !== b.key) {
    if (a.key === null) return 1;
    if (b.key === null) return -1;
    return a.key < b.key ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function orderKeyOf(cell: CellRecord, order: CellOrder): OrderKey {
  return { key: sortKeyOf(cell, order.field), id: cell.id };
}
