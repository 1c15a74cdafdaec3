import type { CellRoute, RouteField } from '../projection/cellSelection.js';
import type { CellDelta } from '../projection/records.js';

/**
 * Which groups a cell delta may concern. A group whose filter pins a field
 * (a spec, a run, ids, a formation, tenants: its route) can only be
 * concerned by a delta whose cell had or has one of those values, so it is
 * found by looking the delta's values up; only groups without a route are
 * offered every delta. Why: 10,000 dashboards of distinct specs made 10,000
 * predicate tests per delta, and the 100 active subscribers next to them
 * got 5 % of their changes (BENCHMARKS.md, fan-out).
 *
 * A delta is routed by its cell's value before and after it, so a cell that
 * moves out of a group's route still reaches the group (as REMOVED).
 */
export class GroupRoutes<G> {
  private readonly everywhere = new Set<G>();
  private readonly byField = new Map<RouteField, Map<string, Set<G>>>();
  /** Each group once per delta, even when its route holds both the value before and after. */
  private readonly offered = new Set<G>();

  get size(): number {
    let size = this.everywhere.size;
    for (const byValue of this.byField.values()) for (const groups of byValue.values()) size += groups.size;
    return size;
  }

  add(group: G, route: CellRoute | null): void {
    if (route === null) {
      this.everywhere.add(group);
      return;
    }
    let byValue = this.byField.get(route.field);
    if (!byValue) this.byField.set(route.field, (byValue = new Map()));
    for (const value of route.values) {
      let groups = byValue.get(value);
      if (!groups) byValue.set(value, (groups = new Set()));
      groups.add(group);
    }
  }

  delete(group: G, route: CellRoute | null): void {
    if (route === null) {
      this.everywhere.delete(group);
      return;
    }
    const byValue = this.byField.get(route.field);
    if (!byValue) return;
    for (const value of route.values) {
      const groups = byValue.get(value);
      if (!groups) continue;
      groups.delete(group);
      if (groups.size === 0) byValue.delete(value);
    }
    if (byValue.size === 0) this.byField.delete(route.field);
  }

  /** Calls `offer` for every group the delta may concern, each once. */
  forEach(delta: CellDelta, offer: (group: G) => void): void {
    for (const group of this.everywhere) offer(group);
    for (const [field, byValue] of this.byField) {
      const after = delta.after[field];
      const before = delta.before === null ? null : delta.before[field];
      const first = after === null ? undefined : byValue.get(after);
      const second = before === null || before === after ? undefined : byValue.get(before);
      if (!second) {
        if (first) for (const group of first) offer(group);
        continue;
      }
      // Both values routed: a group listed under both is offered once.
      for (const group of second) {
        this.offered.add(group);
        offer(group);
      }
      if (first) for (const group of first) if (!this.offered.has(group)) offer(group);
      this.offered.clear();
    }
  }
}
