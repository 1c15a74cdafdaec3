import { describe, expect, it } from 'vitest';
import type { CellFeed, CellFeedMessage } from '../../src/live/cellFeed.js';
import { LiveHub } from '../../src/live/hub.js';
import { type CellFilter, compileCellFilter } from '../../src/projection/cellFilter.js';
import { CellSelection, routeOf } from '../../src/projection/cellSelection.js';
import { SEE_ALL, tenantVisibility } from '../../src/projection/visibility.js';
import { cellDeltas, completed, Driver, type Envelope, other, started } from './fixtures.js';

function readReady(feed: CellFeed): CellFeedMessage[] {
  const out: CellFeedMessage[] = [];
  for (let step = feed.takeReady(); step && !step.done; step = feed.takeReady()) out.push(step.value);
  return out;
}

describe('routeOf: the cell field values a selection is limited to', () => {
  it('takes ids, then run, spec, formation (lower-cased), then the tenants a caller may see; null when any cell may match', () => {
    const route = (filter: CellFilter | null, visibility = SEE_ALL) => routeOf(new CellSelection(filter, visibility));
    expect(route({ ids: ['a', 'b', 'a'], specId: 's' })).toEqual({ field: 'id', values: ['a', 'b'] });
    expect(route({ runId: 'r', specId: 's' })).toEqual({ field: 'runId', values: ['r'] });
    expect(route({ specId: 's', states: ['running'] })).toEqual({ field: 'specId', values: ['s'] });
    const formation = 'A0B1C2D3-0000-4000-8000-000000000001';
    expect(route({ formationId: formation })).toEqual({ field: 'formationId', values: [formation.toLowerCase()] });
    expect(route({ states: ['running'] })).toBeNull();
    expect(route(null)).toBeNull();
    expect(route({ tenantId: 't1' })).toEqual({ field: 'tenantId', values: ['t1'] });
    expect(route({ states: ['running'] }, tenantVisibility(['t1', 't2']))).toEqual({
      field: 'tenantId',
      values: ['t1', 't2'],
    });
  });
});

describe('LiveHub routes: a delta is offered only to the groups on its cell route', () => {
  it('gives a routed subscriber exactly what an unrouted one with the same filter gets, without testing other groups', () => {
    const d = new Driver();
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 });
    const calls = new Map<string, number>();
    /** The filter's predicate, counting its calls under `name`. */
    const counted = (name: string, filter: CellFilter) => {
      const matches = compileCellFilter(filter);
      calls.set(name, 0);
      return (cell: Parameters<typeof matches>[0]) => {
        calls.set(name, calls.get(name)! + 1);
        return matches(cell);
      };
    };
    const pair = (name: string, filter: CellFilter) => {
      const route = routeOf(new CellSelection(filter));
      expect(route).not.toBeNull();
      return {
        routed: hub.subscribeCells(counted(`${name} routed`, filter), { snapshot: false, route }),
        unrouted: hub.subscribeCells(counted(`${name} unrouted`, filter), { snapshot: false }),
      };
    };
    const pairs = {
      spec: pair('spec', { specId: 's1' }),
      ids: pair('ids', { ids: ['a', 'c'] }),
      idle: pair('idle', { specId: 'nobody' }),
    };
    const everything = hub.subscribeCells(compileCellFilter({}), { snapshot: false });
    const received = new Map<CellFeed, CellFeedMessage[]>();
    const readAll = () => {
      for (const feed of [everything, ...Object.values(pairs).flatMap((p) => [p.routed, p.unrouted])]) {
        received.set(feed, [...(received.get(feed) ?? []), ...readReady(feed)]);
      }
    };
    const publish = (events: Envelope[]) => hub.publish(cellDeltas(d, events));
    readAll();
    publish([
      started({ cellId: 'a', specId: 's1' }),
      started({ cellId: 'b', specId: 's2' }),
      completed({ cellId: 'a', exitCode: 0 }),
      started({ cellId: 'c', specId: 's1' }),
      other('cell.observability.v1.metrics', { cellId: 'c' }),
      other('cell.observability.v1.metrics', { cellId: 'b' }),
    ]);
    readAll();
    // Cell a moves from spec s1 to s2: routed by its spec before the change, the s1 group hears of it (REMOVED).
    publish([started({ cellId: 'a', specId: 's2' })]);
    readAll();
    publish([other('cell.observability.v1.metrics', { cellId: 'a' }), completed({ cellId: 'c', exitCode: 1 })]);
    readAll();

    const kinds = (feed: CellFeed) =>
      received.get(feed)!.map((m) => [m.kind, 'cell' in m ? m.cell.id : null, 'seq' in m ? m.seq : null]);
    expect(kinds(pairs.spec.routed)).toContainEqual(['REMOVED', 'a', 7]);
    for (const [name, { routed, unrouted }] of Object.entries(pairs)) {
      expect(received.get(routed), name).toEqual(received.get(unrouted));
    }
    expect(received.get(pairs.ids.routed)!.length).toBeGreaterThan(3);
    expect(kinds(pairs.idle.routed)).toEqual([['SYNCED', null, 0]]);
    // The idle group's predicate never ran (no delta is on its route); its unrouted twin tested every delta.
    expect(calls.get('idle routed')).toBe(0);
    expect(calls.get('idle unrouted')).toBeGreaterThanOrEqual(9);
    // Cell b (spec s2, not in the ids) never reached the s1 and ids groups.
    expect(calls.get('spec routed')).toBeLessThan(calls.get('spec unrouted')!);
    expect(calls.get('ids routed')).toBeLessThan(calls.get('ids unrouted')!);

    for (const feed of [everything, ...Object.values(pairs).flatMap((p) => [p.routed, p.unrouted])]) void feed.return();
    expect(hub.stats()).toMatchObject({ groups: 0, cellSubscriptions: 0 });
    // A group gone from the routes gets nothing more (its feed is closed; the hub does not call its predicate).
    const before = calls.get('idle routed')!;
    publish([started({ cellId: 'z', specId: 'nobody' })]);
    expect(calls.get('idle routed')).toBe(before);
    hub.shutdown();
  });
});
