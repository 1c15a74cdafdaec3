// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL answers of many shapes, read loosely; the assertions check them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph, waitCursor, waitUntil } from '../support/cellgraph.js';
import { sign } from '../support/jwt.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { readSseUntil } from '../support/sse.js';
import { connectWs, runWs } from '../support/ws.js';

// Two tenants, a cell without a tenant, two formations: F holds cells of both tenants, G only acme's.
const SECRET = 'tenants-test-secret-of-at-least-32-chars';
const STATIC = 'static-admin-token-tenants-test';
const F = '0a8f5a52-7a7a-4b8e-9c41-111111111111';
const G = '0a8f5a52-7a7a-4b8e-9c41-222222222222';
const H = '0a8f5a52-7a7a-4b8e-9c41-333333333333';
const EVENTS = [
  cloudEvent('cell.formation.v1.created', { id: F, name: 'shared' }),
  cloudEvent('cell.formation.v1.created', { id: G, name: 'acme-only' }),
  cloudEvent('cell.formation.v1.created', { id: H, name: 'globex-only' }),
  cloudEvent('cell.lifecycle.v1.started', { cellId: 'acme-1', specId: 's', tenantId: 'acme', formationId: F }),
  cloudEvent('cell.lifecycle.v1.started', { cellId: 'globex-1', specId: 's', tenantId: 'globex', formationId: F }),
  cloudEvent('cell.lifecycle.v1.started', {
    cellId: 'acme-2',
    specId: 's',
    correlation: { tenantId: 'acme', formationId: G },
  }),
  cloudEvent('cell.lifecycle.v1.started', { cellId: 'globex-2', specId: 's', tenantId: 'globex', formationId: H }),
  cloudEvent('cell.lifecycle.v1.started', { cellId: 'nobody-1', specId: 's' }),
  cloudEvent('cell.lifecycle.v1.destroyed', {
    cellId: 'globex-1',
    outcome: 'failed',
    terminalState: 'FORCED',
    reason: 'oom',
  }),
];
const ACME = ['acme-1', 'acme-2'];
const GLOBEX = ['globex-1', 'globex-2'];
const ALL = [...ACME, ...GLOBEX, 'nobody-1'];

const nats = useNats();
let app: TestCellgraph;
let lastSeq: number;
let tokens: Record<'acme' | 'globex' | 'both' | 'admin', string>;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_JWT_SECRET: SECRET, CELLGRAPH_TOKEN: STATIC });
  const seqs = await publishAll(nats.url, EVENTS);
  lastSeq = seqs.at(-1)!;
  await waitCursor(app, lastSeq);
  tokens = {
    acme: await sign({ secret: SECRET }, { tenant: 'acme' }),
    globex: await sign({ secret: SECRET }, { tenant: ['globex'] }),
    both: await sign({ secret: SECRET }, { tenant: ['acme', 'globex'] }),
    admin: await sign({ secret: SECRET }, { scp: ['cellgraph:admin'] }),
  };
});
afterAll(() => app?.stop());

type Who = keyof typeof tokens | 'static';
const tokenOf = (who: Who) => (who === 'static' ? STATIC : tokens[who]);

async function query(who: Who, document: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${tokenOf(who)}` },
    body: JSON.stringify({ query: document, variables }),
  });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
}

/** Everything cell-shaped in an answer: ids, wherever they are. */
const idsIn = (value: unknown): string[] => JSON.stringify(value).match(/(acme|globex|nobody)-\d/g) ?? [];

const CELLS = `query($filter: CellFilter, $first: Int, $after: String, $orderBy: CellOrder) {
  cells(filter: $filter, first: $first, after: $after, orderBy: $orderBy) { totalCount edges { cursor node { id tenantId } } }
}`;

describe('queries over HTTP', () => {
  it('cells and totalCount: each caller sees its tenants only; admin and the static token see all', async () => {
    const seen = async (who: Who, variables = {}) => {
      const { data } = await query(who, CELLS, variables);
      return { ids: data.cells.edges.map((e: any) => e.node.id).sort(), total: data.cells.totalCount };
    };
    expect(await seen('acme')).toEqual({ ids: ACME, total: 2 });
    expect(await seen('globex')).toEqual({ ids: GLOBEX, total: 2 });
    expect(await seen('both')).toEqual({ ids: [...ACME, ...GLOBEX].sort(), total: 4 });
    expect(await seen('admin')).toEqual({ ids: [...ALL].sort(), total: 5 });
    expect(await seen('static')).toEqual({ ids: [...ALL].sort(), total: 5 });
    for (const order of ['LAST_SEQ', 'ID', 'STARTED_AT', 'DESTROYED_AT'])
      for (const direction of ['ASC', 'DESC'])
        expect(await seen('acme', { orderBy: { field: order, direction } })).toEqual({ ids: ACME, total: 2 });
    expect((await seen('both', { orderBy: { field: 'FIRST_SEEN', direction: 'DESC' } })).total).toBe(4);
  });

  it('filters naming a foreign cell, tenant, state or formation find nothing', async () => {
    for (const filter of [
      { ids: GLOBEX },
      { ids: ['nobody-1'] },
      { tenantId: 'globex' },
      { formationId: H },
      { formationId: F, tenantId: 'globex' },
      { states: ['DESTROYED'] },
    ]) {
      const { data, errors } = await query('acme', CELLS, { filter });
      expect(errors).toBeUndefined();
      expect(data.cells).toEqual({ totalCount: 0, edges: [] });
    }
    const counts = await query(
      'acme',
      '{ cellCounts(filter: { tenantId: "globex" }) { total running destroyed failed } }',
    );
    expect(counts.data.cellCounts).toEqual({ total: 0, running: 0, destroyed: 0, failed: 0 });
  });

  it("paging with after walks the caller's cells only, and a foreign cursor reveals nothing", async () => {
    const first = await query('acme', CELLS, { first: 1 });
    expect(first.data.cells.edges.map((e: any) => e.node.id)).toEqual(['acme-1']);
    const second = await query('acme', CELLS, { first: 5, after: first.data.cells.edges[0].cursor });
    expect(second.data.cells.edges.map((e: any) => e.node.id)).toEqual(['acme-2']);
    const globexCursor = (await query('globex', CELLS, { first: 1 })).data.cells.edges[0].cursor;
    const resumed = await query('acme', CELLS, { first: 5, after: globexCursor });
    expect(idsIn(resumed.data)).toEqual(['acme-2']);
  });

  it("cell(id): another tenant's cell is null, exactly like an unknown id", async () => {
    const one = (who: Who, id: string) => query(who, 'query($id: String!) { cell(id: $id) { id tenantId } }', { id });
    expect((await one('acme', 'acme-1')).data.cell.id).toBe('acme-1');
    const foreign = await one('acme', 'globex-1');
    const unknown = await one('acme', 'no-such-cell');
    expect(foreign).toEqual({ data: { cell: null } });
    expect(foreign).toEqual(unknown);
    expect(await one('acme', 'nobody-1')).toEqual({ data: { cell: null } });
    expect((await one('admin', 'nobody-1')).data.cell.id).toBe('nobody-1');
  });

  it("cellCounts count the caller's cells only", async () => {
    const counts = async (who: Who) =>
      (await query(who, '{ cellCounts { total running destroyed failed } }')).data.cellCounts;
    expect(await counts('acme')).toEqual({ total: 2, running: 2, destroyed: 0, failed: 0 });
    expect(await counts('globex')).toEqual({ total: 2, running: 1, destroyed: 1, failed: 1 });
    expect(await counts('admin')).toEqual({ total: 5, running: 4, destroyed: 1, failed: 1 });
    const running = await query('acme', '{ cells(filter: { state: RUNNING }) { totalCount } }');
    expect(running.data.cells.totalCount).toBe(2);
  });

  it('formations: only those holding a visible cell, and only the visible cells in them', async () => {
    const FORMATIONS =
      '{ formations { totalCount edges { node { id name cells { totalCount edges { node { id } } } } } } }';
    const acme = (await query('acme', FORMATIONS)).data.formations;
    expect(acme.totalCount).toBe(2);
    expect(acme.edges.map((e: any) => e.node.name).sort()).toEqual(['acme-only', 'shared']);
    expect(idsIn(acme).sort()).toEqual(ACME);
    const shared = acme.edges.find((e: any) => e.node.id === F).node.cells;
    expect(shared.totalCount).toBe(1);
    const one = 'query($id: UUID!) { formation(id: $id) { id name } }';
    expect(await query('acme', one, { id: H })).toEqual({ data: { formation: null } });
    expect((await query('globex', one, { id: H })).data.formation.name).toBe('globex-only');
    // Through a visible cell, its formation's other cells stay filtered.
    const viaCell = await query(
      'acme',
      '{ cell(id: "acme-1") { formation { cells { totalCount edges { node { id } } } } } }',
    );
    expect(idsIn(viaCell.data)).toEqual(['acme-1']);
  });

  it("timelines: a tenant reads its own cells' events and its formations', never another tenant's", async () => {
    const timeline = 'query($id: String!) { cell(id: $id) { events { events { seq event } } } }';
    const own = await query('acme', timeline, { id: 'acme-1' });
    expect(own.data.cell.events.events.map((e: any) => e.event.data.cellId)).toEqual(['acme-1']);
    expect(await query('acme', timeline, { id: 'globex-1' })).toEqual({ data: { cell: null } });
    expect(idsIn((await query('globex', timeline, { id: 'globex-1' })).data)).toEqual(['globex-1', 'globex-1']);
    // Through a list: each cell's timeline holds that cell's events only.
    const listed = await query('acme', '{ cells { edges { node { id events { events { event } } } } } }');
    for (const edge of listed.data.cells.edges)
      expect(new Set(idsIn(edge.node.events))).toEqual(new Set([edge.node.id]));
    expect([...new Set(idsIn(listed.data))].sort()).toEqual(ACME);
    const formation = 'query($id: UUID!) { formation(id: $id) { events { events { type } } } }';
    expect((await query('acme', formation, { id: G })).data.formation.events.events).toEqual([
      { type: 'cell.formation.v1.created' },
    ]);
    expect(await query('acme', formation, { id: H })).toEqual({ data: { formation: null } });
  });

  it('projection internals, live and the raw event feed are admin-only; cursor, lag and readiness are not', async () => {
    const status = await query('acme', '{ projection { seq lag ready } }');
    expect(status.data.projection).toEqual({ seq: lastSeq, lag: 0, ready: true });
    for (const field of [
      'digest',
      'cellCount',
      'formationCount',
      'applied',
      'recentRejections { seq }',
      'skippedTypes { type }',
    ]) {
      const answer = await query('acme', `{ projection { ${field} } }`);
      expect(answer.errors?.[0]?.extensions.code, field).toBe('FORBIDDEN');
      expect(idsIn(answer)).toEqual([]);
      expect((await query('admin', `{ projection { ${field} } }`)).errors).toBeUndefined();
    }
    for (const document of ['{ live { cellSubscriptions } }', '{ events(first: 10) { events { seq } } }']) {
      expect((await query('acme', document)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
      expect((await query('admin', document)).errors).toBeUndefined();
    }
  });
});

const CELL_SUB = `subscription($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {
  cells(filter: $filter, after: $after, include: $include) { kind seq id cell { id tenantId formation { cells { totalCount } } } }
}`;

describe('subscriptions over WebSocket', () => {
  const ws = async (who: Who) => {
    const client = connectWs(app.url, { connectionParams: { authorization: `Bearer ${tokenOf(who)}` } });
    await client.connected;
    return client;
  };

  it("snapshot and changes since after: the caller's cells only, never another tenant's as REMOVED", async () => {
    const acme = await ws('acme');
    const snapshot = await runWs(acme.client, CELL_SUB, { include: 'SNAPSHOT' }, 3);
    expect(idsIn(snapshot.results.map((r) => r.data)).sort()).toEqual([...ACME, ...ACME].sort());
    // Every cell changed since seq 1, with a filter that excludes them all: REMOVED for own cells only.
    const since = await runWs(acme.client, CELL_SUB, { include: 'CHANGES', after: 1, filter: { specId: 'nope' } }, 3);
    const kinds = since.results.map((r: any) => [r.data.cells.kind, r.data.cells.id]);
    expect(kinds.slice(0, 2).sort()).toEqual([
      ['REMOVED', 'acme-1'],
      ['REMOVED', 'acme-2'],
    ]);
    expect(kinds[2]![0]).toBe('SYNCED');
    const one = await runWs(acme.client, 'subscription { cell(id: "globex-1") { kind id } }', undefined, 1);
    expect(one.results.map((r: any) => r.data.cell.kind)).toEqual(['SYNCED']);
    await acme.dispose();
  });

  it('two tenants with the identical document and variables get their own results from the same live change', async () => {
    const acme = await ws('acme');
    const globex = await ws('globex');
    const admin = await ws('admin');
    const variables = { include: 'SNAPSHOT', filter: { formationId: F } };
    const seen = { acme: [] as any[], globex: [] as any[], admin: [] as any[] };
    const clients = [
      ['acme', acme],
      ['globex', globex],
      ['admin', admin],
    ] as const;
    for (const [who, client] of clients)
      void runWs(client.client, CELL_SUB, variables, Infinity, (r: any) => {
        if (r.data?.cells.id) seen[who].push(r.data.cells);
      });
    // The snapshot arrives first; then a live change to each tenant's cell in F.
    await waitUntil(() => seen.admin.length >= 2 && seen.acme.length >= 1 && seen.globex.length >= 1, 'snapshots');
    await publishAll(nats.url, [
      cloudEvent('cell.command.v1.completed', { cellId: 'acme-1', exitCode: 0 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'globex-1', exitCode: 3 }),
    ]);
    await waitUntil(() => seen.admin.length >= 4 && seen.acme.length >= 2 && seen.globex.length >= 2, 'live changes');
    expect(seen.acme.map((c) => c.id)).toEqual(['acme-1', 'acme-1']);
    expect(seen.globex.map((c) => c.id)).toEqual(['globex-1', 'globex-1']);
    expect(idsIn(seen.acme).every((id) => id === 'acme-1')).toBe(true);
    expect(idsIn(seen.globex).every((id) => id === 'globex-1')).toBe(true);
    // formation.cells inside the payload is per caller: 1 for each tenant, 2 for the admin.
    for (const change of [...seen.acme, ...seen.globex]) expect(change.cell.formation.cells.totalCount).toBe(1);
    for (const change of seen.admin) expect(change.cell.formation.cells.totalCount).toBe(2);
    await Promise.all([acme.dispose(), globex.dispose(), admin.dispose()]);
  });
});

describe('subscriptions over SSE', () => {
  it("snapshot: the caller's cells only", async () => {
    const controller = new AbortController();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${tokens.globex}`,
      },
      body: JSON.stringify({ query: CELL_SUB, variables: { include: 'SNAPSHOT' } }),
      signal: controller.signal,
    });
    const text = await readSseUntil(response, 'SYNCED', controller);
    expect([...new Set(idsIn(text))].sort()).toEqual(GLOBEX);
  });
});
