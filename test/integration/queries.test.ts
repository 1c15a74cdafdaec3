import { beforeAll, describe, expect, it } from 'vitest';
import {
  CellCountsDocument,
  CellDocument,
  type CellFieldsFragment,
  CellsPageDocument,
  FormationCellsDocument,
  FormationDocument,
  FormationsDocument,
  ProjectionStatusDocument,
  StreamEventsDocument,
} from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitReady } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

/** Publish a known log, start cellgraph, and read it back through every query. */

const F = '0f0f0f0f-0000-4000-8000-00000000000f';
const G = '0a0a0a0a-0000-4000-8000-00000000000a';

const nats = useNats();
let app: TestCellgraph;
const seq: Record<string, number> = {};
const events: Record<string, Record<string, unknown>> = {};
let lastSeq = 0;

// Named events, published in this order; `raw` bodies are malformed on purpose.
const log: [name: string, body: Record<string, unknown> | { raw: string }][] = [
  [
    'f.created',
    cloudEvent('io.cellos.formation.v1.created', {
      formationId: F.toUpperCase(),
      name: 'nightly',
      document: { cells: 2 },
    }),
  ],
  ['c1.started', cloudEvent('cell.lifecycle.v1.started', { cellId: 'c1', specId: 'spec-a', runId: 'run-1' })],
  [
    'c2.started',
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'c2', specId: 'spec-b', correlation: { formationId: F } }),
  ],
  [
    'c3.completed',
    cloudEvent('cell.command.v1.completed', { cellId: 'c3', exitCode: 7 }, { correlation: { tenantId: 'acme' } }),
  ],
  ['garbage', { raw: 'this is not json' }],
  ['c1.completed', cloudEvent('cell.command.v1.completed', { cellId: 'c1', exitCode: 0 })],
  ['f.launching', cloudEvent('cell.formation.v1.launching', { formationId: F })],
  ['unknown', cloudEvent('com.example.unknown.v1', { cellId: 'c1' })],
  [
    'c1.destroyed',
    cloudEvent('cell.lifecycle.v1.destroyed', { cellId: 'c1', outcome: 'succeeded', terminalState: 'clean' }),
  ],
  ['bad.exitCode', cloudEvent('cell.command.v1.completed', { cellId: 'c2', exitCode: '0' })],
  ['c4.started', cloudEvent('cell.lifecycle.v1.started', { cellId: 'c4', specId: 'spec-a', formationId: F })],
  ['c4.completed', cloudEvent('cell.command.v1.completed', { cellId: 'c4', exitCode: 137 })],
  [
    'c4.forced',
    cloudEvent('cell.lifecycle.v1.destroyed', {
      cellId: 'c4',
      outcome: 'failed',
      terminalState: 'forced',
      reason: 'ttl_exceeded',
    }),
  ],
  ['c5.failed', cloudEvent('cell.lifecycle.v1.failed', { cellId: 'c5', reason: 'boot_failed' })],
  ['c2.metrics', cloudEvent('cell.observability.v1.metrics', { cellId: 'c2', cpu: 0.5 })],
  ['f.running', cloudEvent('cell.formation.v1.running', { formationId: F })],
  ['g.created', cloudEvent('cell.formation.v1.created', { id: G, name: 'adhoc' })],
  ['g.failed', cloudEvent('cell.formation.v1.failed', { id: G, reason: 'vmm_crashed' })],
];

beforeAll(async () => {
  const bodies = log.map(([, body]) => body);
  // the producer retries: c1.started sits in the stream twice
  const c1Started = log.find(([n]) => n === 'c1.started')![1];
  const seqs = await publishAll(nats.url, [...bodies, c1Started]);
  log.forEach(([name, body], i) => {
    seq[name] = seqs[i]!;
    if (!('raw' in body)) events[name] = body;
  });
  seq['c1.started.dup'] = seqs.at(-1)!;
  lastSeq = seqs.at(-1)!;
  app = await startTestCellgraph(nats.url);
  await waitReady(app);
  return () => app.stop();
});

const timeOf = (name: string) => events[name]!['time'] as string;

describe('cell', () => {
  it('serves the full CellRecord of a destroyed cell', async () => {
    const { cell } = await app.query(CellDocument, { id: 'c1' });
    expect(cell).toEqual({
      id: 'c1',
      specId: 'spec-a',
      runId: 'run-1',
      state: 'DESTROYED',
      status: 'destroyed',
      formationId: null,
      formation: null,
      tenantId: null,
      startedAt: timeOf('c1.started'),
      destroyedAt: timeOf('c1.destroyed'),
      outcome: 'SUCCEEDED',
      exitCode: 0,
      terminalState: 'CLEAN',
      reason: null,
      durationMs: Date.parse(timeOf('c1.destroyed')) - Date.parse(timeOf('c1.started')),
      firstSeq: seq['c1.started'],
      lastSeq: seq['c1.destroyed'],
      updatedAt: timeOf('c1.destroyed'),
      eventCount: 3,
    });
  });

  it('links a cell to its formation', async () => {
    const { cell } = await app.query(CellDocument, { id: 'c2' });
    expect(cell).toMatchObject({
      state: 'RUNNING',
      formationId: F,
      formation: { id: F, name: 'nightly', status: 'RUNNING' },
      exitCode: null,
    });
    expect(cell?.lastSeq).toBe(seq['c2.metrics']);
  });

  it('serves a pending cell, a forced destroy and a failed cell', async () => {
    const c3 = (await app.query(CellDocument, { id: 'c3' })).cell;
    expect(c3).toMatchObject({
      state: 'PENDING',
      status: 'pending',
      exitCode: 7,
      tenantId: 'acme',
      specId: null,
      startedAt: null,
      durationMs: null,
    });
    const c4 = (await app.query(CellDocument, { id: 'c4' })).cell;
    expect(c4).toMatchObject({
      state: 'DESTROYED',
      outcome: 'FAILED',
      terminalState: 'FORCED',
      exitCode: null,
      reason: 'ttl_exceeded',
    });
    const c5 = (await app.query(CellDocument, { id: 'c5' })).cell;
    expect(c5).toMatchObject({
      state: 'DESTROYED',
      outcome: 'FAILED',
      reason: 'boot_failed',
      destroyedAt: timeOf('c5.failed'),
      startedAt: null,
    });
  });

  it('answers null for a cell no event mentioned', async () => {
    expect((await app.query(CellDocument, { id: 'nope' })).cell).toBeNull();
  });
});

describe('cells', () => {
  const idsOf = (page: { edges: { node: CellFieldsFragment }[] }) => page.edges.map((e) => e.node.id);

  it('lists every cell in first-seen order with totalCount and the seq it was read at', async () => {
    const { cells } = await app.query(CellsPageDocument, {});
    expect(idsOf(cells)).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    expect(cells.totalCount).toBe(5);
    expect(cells.seq).toBe(lastSeq);
    expect(cells.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
  });

  it.each([
    ['state', { state: 'DESTROYED' }, ['c1', 'c4', 'c5']],
    ['states', { states: ['PENDING', 'RUNNING'] }, ['c2', 'c3']],
    ['specId', { specId: 'spec-a' }, ['c1', 'c4']],
    ['runId', { runId: 'run-1' }, ['c1']],
    ['formationId', { formationId: F }, ['c2', 'c4']],
    ['tenantId', { tenantId: 'acme' }, ['c3']],
    ['outcome', { outcome: 'FAILED' }, ['c4', 'c5']],
    ['ids', { ids: ['c5', 'c1', 'zz'] }, ['c1', 'c5']],
    ['state and formation', { state: 'DESTROYED', formationId: F }, ['c4']],
  ] as const)('filters by %s', async (_name, filter, expected) => {
    const { cells } = await app.query(CellsPageDocument, { filter: filter as never });
    expect(idsOf(cells)).toEqual(expected);
    expect(cells.totalCount).toBe(expected.length);
  });

  it('filters by a time range', async () => {
    const { cells } = await app.query(CellsPageDocument, {
      filter: { startedAt: { from: timeOf('c2.started'), to: timeOf('c4.started') } },
    });
    expect(idsOf(cells)).toEqual(['c2', 'c4']);
  });

  it('pages forward and backward with cursors; totalCount counts all pages', async () => {
    const orderBy = { field: 'ID', direction: 'DESC' } as const;
    const forward: string[] = [];
    let after: string | null = null;
    for (;;) {
      const {
        cells,
      }: {
        cells: {
          edges: { node: CellFieldsFragment }[];
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor?: string | null };
        };
      } = await app.query(CellsPageDocument, { orderBy, first: 2, after });
      expect(cells.totalCount).toBe(5);
      forward.push(...idsOf(cells));
      if (!cells.pageInfo.hasNextPage) break;
      after = cells.pageInfo.endCursor!;
    }
    expect(forward).toEqual(['c5', 'c4', 'c3', 'c2', 'c1']);

    const backward: string[] = [];
    let before: string | null = null;
    for (;;) {
      const {
        cells,
      }: {
        cells: {
          edges: { node: CellFieldsFragment }[];
          pageInfo: { hasPreviousPage: boolean; startCursor?: string | null };
        };
      } = await app.query(CellsPageDocument, { orderBy, last: 2, before });
      backward.unshift(...idsOf(cells));
      if (!cells.pageInfo.hasPreviousPage) break;
      before = cells.pageInfo.startCursor!;
    }
    expect(backward).toEqual(forward);
  });

  it('edge cursors resume exactly after their edge', async () => {
    const { cells } = await app.query(CellsPageDocument, { first: 5 });
    const third = cells.edges[2]!.cursor;
    const rest = await app.query(CellsPageDocument, { after: third });
    expect(idsOf(rest.cells)).toEqual(['c4', 'c5']);
    expect(rest.cells.pageInfo.hasPreviousPage).toBe(true);
  });
});

describe('cellCounts', () => {
  it('counts by state and outcome', async () => {
    const { cellCounts } = await app.query(CellCountsDocument, {});
    expect(cellCounts).toEqual({
      total: 5,
      pending: 1,
      running: 1,
      destroyed: 3,
      succeeded: 1,
      failed: 2,
      seq: lastSeq,
    });
  });

  it('counts within a filter', async () => {
    const { cellCounts } = await app.query(CellCountsDocument, { filter: { formationId: F } });
    expect(cellCounts).toMatchObject({ total: 2, running: 1, destroyed: 1, failed: 1, succeeded: 0, pending: 0 });
  });
});

describe('formations', () => {
  it('serves a formation with its cells (legacy type, upper-case id accepted)', async () => {
    const { formation } = await app.query(FormationDocument, { id: F.toUpperCase() });
    expect(formation).toEqual({
      id: F,
      name: 'nightly',
      status: 'RUNNING',
      document: { cells: 2 },
      reason: null,
      eventCount: 3,
      lastSeq: seq['f.running'],
      cells: {
        totalCount: 2,
        edges: [{ node: { id: 'c2', state: 'RUNNING' } }, { node: { id: 'c4', state: 'DESTROYED' } }],
      },
    });
  });

  it('filters and pages the cells of a formation', async () => {
    const { formation } = await app.query(FormationCellsDocument, { id: F, filter: { state: 'DESTROYED' } });
    expect(formation?.cells.edges.map((e) => e.node)).toEqual([
      { id: 'c4', state: 'DESTROYED', formationId: F, formation: { id: F } },
    ]);
    expect(formation).toMatchObject({
      createdAt: timeOf('f.created'),
      updatedAt: timeOf('f.running'),
      firstSeq: seq['f.created'],
    });
    const page1 = await app.query(FormationCellsDocument, { id: F, first: 1 });
    expect(page1.formation?.cells.pageInfo.hasNextPage).toBe(true);
    const page2 = await app.query(FormationCellsDocument, {
      id: F,
      first: 1,
      after: page1.formation!.cells.pageInfo.endCursor,
    });
    expect(page2.formation?.cells.edges.map((e) => e.node.id)).toEqual(['c4']);
    expect(page2.formation?.cells.pageInfo.hasNextPage).toBe(false);
  });

  it('serves a formation created with the id alias, terminal FAILED with its reason', async () => {
    const { formation } = await app.query(FormationDocument, { id: G });
    expect(formation).toMatchObject({
      id: G,
      name: 'adhoc',
      status: 'FAILED',
      reason: 'vmm_crashed',
      cells: { totalCount: 0, edges: [] },
    });
  });

  it('answers null for an unknown formation', async () => {
    expect((await app.query(FormationDocument, { id: '11111111-1111-4111-8111-111111111111' })).formation).toBeNull();
  });

  it('lists formations in first-seen order, filtered by status, and pages them', async () => {
    const all = await app.query(FormationsDocument, {});
    expect(all.formations.edges.map((e) => e.node.id)).toEqual([F, G]);
    expect(all.formations).toMatchObject({ totalCount: 2, seq: lastSeq });
    const failed = await app.query(FormationsDocument, { filter: { status: 'FAILED' } });
    expect(failed.formations.edges.map((e) => e.node)).toEqual([{ id: G, name: 'adhoc', status: 'FAILED' }]);
    const byName = await app.query(FormationsDocument, { filter: { name: 'nightly' } });
    expect(byName.formations.edges.map((e) => e.node.id)).toEqual([F]);
    const page1 = await app.query(FormationsDocument, { first: 1 });
    expect(page1.formations.pageInfo.hasNextPage).toBe(true);
    const page2 = await app.query(FormationsDocument, { first: 1, after: page1.formations.pageInfo.endCursor });
    expect(page2.formations.edges.map((e) => e.node.id)).toEqual([G]);
    expect(page2.formations.pageInfo.hasNextPage).toBe(false);
  });
});

describe('projection', () => {
  it('reports seq, counts, skipped types and recent rejections with seq and reason', async () => {
    const { projection } = await app.query(ProjectionStatusDocument, {});
    expect(projection).toMatchObject({
      stream: 'CELLOS_EVENTS',
      seq: lastSeq,
      streamLastSeq: lastSeq,
      lag: 0,
      ready: true,
      connected: true,
      cellCount: 5,
      formationCount: 2,
      applied: 15,
      duplicates: 1,
      skipped: 1,
      rejected: 2,
      skippedTypes: [{ type: 'com.example.unknown.v1', count: 1 }],
      replay: { target: lastSeq, done: true, percent: 100 },
    });
    expect(projection.applied + projection.duplicates + projection.skipped + projection.rejected).toBe(projection.seq);
    expect(projection.recentRejections).toHaveLength(2);
    expect(projection.recentRejections[0]).toMatchObject({ seq: seq['bad.exitCode'] });
    expect(projection.recentRejections[0]!.reason).toMatch(/exitCode/);
    expect(projection.recentRejections[1]).toMatchObject({ seq: seq['garbage'] });
    expect(projection.recentRejections[1]!.reason).toMatch(/JSON/);
  });
});

describe('events', () => {
  it('reads raw events back with their seq, subject, short type and problem', async () => {
    const { events: page } = await app.query(StreamEventsDocument, { after: 0, first: 1000 });
    expect(page.events.map((e) => e.seq)).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    expect(page).toMatchObject({ seq: lastSeq, hasMore: false });
    const garbage = page.events.find((e) => e.seq === seq['garbage'])!;
    expect(garbage).toMatchObject({ event: null, type: null, subject: 'cellos.events.test.raw' });
    expect(garbage.problem).toMatch(/JSON/);
    const started = page.events.find((e) => e.seq === seq['c1.started'])!;
    expect(started).toMatchObject({ type: 'cell.lifecycle.v1.started', problem: null, event: events['c1.started'] });
    const unknown = page.events.find((e) => e.seq === seq['unknown'])!;
    expect(unknown.problem).toMatch(/unknown/);
    const legacy = page.events.find((e) => e.seq === seq['f.created'])!;
    expect(legacy.type).toBe('cell.formation.v1.created');
  });

  it('pages with after and first, and seq continues where the page ended', async () => {
    const seen: number[] = [];
    let after = 0;
    for (let i = 0; i < 100; i++) {
      const { events: page } = await app.query(StreamEventsDocument, { after, first: 4 });
      seen.push(...page.events.map((e) => e.seq));
      expect(page.seq).toBeGreaterThanOrEqual(after);
      after = page.seq;
      if (!page.hasMore) break;
      expect(page.events).toHaveLength(4);
    }
    expect(seen).toEqual(Array.from({ length: lastSeq }, (_, i) => i + 1));
    const { events: end } = await app.query(StreamEventsDocument, { after: lastSeq, first: 10 });
    expect(end).toEqual({ events: [], seq: lastSeq, hasMore: false });
  });

  it('filters by type, full or short spelling', async () => {
    const short = await app.query(StreamEventsDocument, { after: 0, first: 100, types: ['cell.lifecycle.v1.started'] });
    const expected = [seq['c1.started'], seq['c2.started'], seq['c4.started'], seq['c1.started.dup']];
    expect(short.events.events.map((e) => e.seq)).toEqual(expected);
    const full = await app.query(StreamEventsDocument, {
      after: seq['c1.started']!,
      first: 2,
      types: ['dev.cellos.events.cell.lifecycle.v1.started', 'io.cellos.formation.v1.failed'],
    });
    expect(full.events.events.map((e) => e.seq)).toEqual([seq['c2.started'], seq['c4.started']]);
    expect(full.events.hasMore).toBe(true);
    const rest = await app.query(StreamEventsDocument, {
      after: full.events.seq,
      first: 10,
      types: ['dev.cellos.events.cell.lifecycle.v1.started', 'io.cellos.formation.v1.failed'],
    });
    expect(rest.events.events.map((e) => e.seq)).toEqual([seq['g.failed'], seq['c1.started.dup']]);
  });
});
