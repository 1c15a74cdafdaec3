// Which cells a caller may see: all of them (admin), or those of a set of tenants.
import type { EventOwner } from '../events/streamEvent.js';
import type { Projection } from './projection.js';
import type { CellRecord } from './records.js';

/**
 * A caller's view of the projection. A tenant caller sees the cells whose
 * `tenantId` is in its set; cells without a `tenantId` are admin-only.
 */
export type Visibility =
  | { readonly all: true; readonly key: 'all' }
  | { readonly all: false; readonly tenants: ReadonlySet<string>; readonly key: string };

export const SEE_ALL: Visibility = { all: true, key: 'all' };

/** Sees only these tenants' cells (none at all for an empty set). */
export function tenantVisibility(tenants: Iterable<string>): Visibility {
  const set = new Set(tenants);
  // The key names the set, order-free: two callers with the same tenants share subscription groups, others never.
  return { all: false, tenants: set, key: `tenants:${JSON.stringify([...set].sort())}` };
}

export function canSee(visibility: Visibility, cell: CellRecord): boolean {
  return visibility.all || (cell.tenantId !== null && visibility.tenants.has(cell.tenantId));
}

/** A formation is visible when one of its cells is: a tenant learns nothing of formations it has no cell in. */
export function canSeeFormation(visibility: Visibility, projection: Projection, formationId: string): boolean {
  if (visibility.all) return true;
  for (const id of projection.cellIdsOfFormation(formationId))
    if (canSee(visibility, projection.cells.get(id)!)) return true;
  return false;
}

/**
 * Whether a caller may read a stored event (the `events` query and
 * subscription). decided: a tenant reads the events of the cells it sees and
 * of the formations it sees (those holding one of its cells, as for
 * `formation(id)` and `Formation.events`); a message that names neither
 * (rejected, skipped: its `problem` may describe any tenant's data) is
 * admin-only. Decided by the record's state when the event is read: the
 * cell's current tenantId, not the one it had when the event was stored.
 */
export function canSeeEvent(visibility: Visibility, projection: Projection, owner: EventOwner): boolean {
  if (visibility.all) return true;
  if (owner === null) return false;
  if (owner.kind === 'formation') return canSeeFormation(visibility, projection, owner.id);
  const cell = projection.cells.get(owner.id);
  return cell !== undefined && canSee(visibility, cell);
}
