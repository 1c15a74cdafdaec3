// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL answers of many shapes, read loosely; the assertions check them.
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph, waitCursor, waitUntil } from '../support/cellgraph.js';
import { sign } from '../support/jwt.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { readSseUntil, sseSubscribe } from '../support/sse.js';
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
  // Messages that name no record, though their text names cells: admin-only.
  cloudEvent('cell.command.v1.completed', { cellId: 'acme-1', exitCode: 'not a number' }),
  cloudEvent('cell.observability.v1.sampled', { note: 'acme-2 is noisy' }),
  { raw: 'not json, about acme-1' },
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

  it('projection internals and live are admin-only; cursor, lag and readiness are not', async () => {
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
    const live = '{ live { cellSubscriptions } }';
    expect((await query('acme', live)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await query('admin', live)).errors).toBeUndefined();
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

// The raw events feed: a tenant reads the events of the cells it sees (their tenantId when read) and of the
// formations holding one of them; messages that name no record (rejected, skipped) are admin-only.
const TENANTS_OF: Record<'acme' | 'globex' | 'both', string[]> = {
  acme: ['acme'],
  globex: ['globex'],
  both: ['acme', 'globex'],
};
const EVENTS_PAGE = `query($after: Seq!, $first: Int!, $types: [String!]) {
  events(after: $after, first: $first, types: $types) { seq hasMore events { seq type problem event } }
}`;
const EVENTS_SUB = 'subscription($after: Seq) { events(after: $after) { kind seq event { seq type problem event } } }';

/** The record an event belongs to, read from the event as sent: null when the projection did not apply it. */
function recordOf(e: any): string | null {
  if (e.problem !== null || !e.event) return null;
  const data = e.event.data;
  return e.type.startsWith('cell.formation.') ? `formation:${data.formationId ?? data.id}` : `cell:${data.cellId}`;
}

/** Every stored event as the admin reads it, and the seqs a tenant caller should get, by the rule above. */
async function expectedEvents(who: keyof typeof TENANTS_OF, after = 0, types?: string[]) {
  const cells = (await query('admin', '{ cells(first: 100) { edges { node { id tenantId formationId } } } }')).data
    .cells.edges as { node: { id: string; tenantId: string | null; formationId: string | null } }[];
  const own = cells.filter(({ node }) => node.tenantId !== null && TENANTS_OF[who].includes(node.tenantId));
  const readable = new Set([
    ...own.map(({ node }) => `cell:${node.id}`),
    ...own.flatMap(({ node }) => (node.formationId ? [`formation:${node.formationId}`] : [])),
  ]);
  const all = (await query('admin', EVENTS_PAGE, { after, first: 1000, types })).data.events.events as any[];
  return { all, seqs: all.filter((e) => readable.has(recordOf(e)!)).map((e) => e.seq as number) };
}

const seqsOf = (events: any[]) => events.map((e) => e.seq as number);

describe('the events query over HTTP', () => {
  it('each tenant reads the events of its cells and formations only; rejected and skipped messages are admin-only', async () => {
    for (const who of ['acme', 'globex', 'both'] as const) {
      const expected = await expectedEvents(who);
      const { data, errors } = await query(who, EVENTS_PAGE, { after: 0, first: 1000 });
      expect(errors).toBeUndefined();
      expect(seqsOf(data.events.events), who).toEqual(expected.seqs);
      expect(data.events.events.every((e: any) => e.problem === null)).toBe(true);
      // The rule is not trivial here: the admin reads more, including messages with a problem.
      expect(expected.seqs.length).toBeGreaterThan(0);
      expect(expected.all.length).toBeGreaterThan(expected.seqs.length);
      expect(expected.all.filter((e) => e.problem !== null).length).toBeGreaterThanOrEqual(3);
    }
    const acme = (await query('acme', EVENTS_PAGE, { after: 0, first: 1000 })).data;
    expect([...new Set(idsIn(acme))].sort()).toEqual(ACME);
    expect(JSON.stringify(acme)).not.toContain(H);
    const globex = (await query('globex', EVENTS_PAGE, { after: 0, first: 1000 })).data;
    expect([...new Set(idsIn(globex))].sort()).toEqual(GLOBEX);
    expect(JSON.stringify(globex)).not.toContain(G);
  });

  it('a page holds first readable events and ends at the last of them; paging walks them all, from any after', async () => {
    const expected = await expectedEvents('acme');
    const walked: number[] = [];
    let after = 0;
    for (let page = 0; page < 100; page++) {
      const { data } = await query('acme', EVENTS_PAGE, { after, first: 1 });
      const events = data.events.events as any[];
      expect(events.length).toBeLessThanOrEqual(1);
      // A full page stops at its event: the resume point never runs ahead over messages the caller can't read.
      if (events.length === 1) expect(data.events.seq).toBe(events[0].seq);
      walked.push(...seqsOf(events));
      if (!data.events.hasMore) break;
      after = data.events.seq;
    }
    expect(walked).toEqual(expected.seqs);
    // Resuming after a seq of another tenant's event: only the caller's events after it.
    const foreign = expected.all.find((e) => recordOf(e) === 'cell:globex-1')!.seq as number;
    const resumed = await query('acme', EVENTS_PAGE, { after: foreign, first: 1000 });
    expect(seqsOf(resumed.data.events.events)).toEqual(expected.seqs.filter((seq) => seq > foreign));
  });

  it("types naming another tenant's events find nothing; formation events follow the formations a tenant sees", async () => {
    const destroyed = ['cell.lifecycle.v1.destroyed'];
    expect((await expectedEvents('globex', 0, destroyed)).seqs.length).toBe(1);
    const acme = await query('acme', EVENTS_PAGE, { after: 0, first: 100, types: destroyed });
    expect(acme.data.events.events).toEqual([]);
    const created = ['cell.formation.v1.created'];
    for (const [who, formations] of [
      ['acme', [F, G]],
      ['globex', [F, H]],
    ] as const) {
      const { data } = await query(who, EVENTS_PAGE, { after: 0, first: 100, types: created });
      expect(seqsOf(data.events.events)).toEqual((await expectedEvents(who, 0, created)).seqs);
      expect(data.events.events.map((e: any) => e.event.data.id).sort()).toEqual([...formations].sort());
    }
  });
});

describe('the events subscription', () => {
  const ws = async (who: Who) => {
    const client = connectWs(app.url, { connectionParams: { authorization: `Bearer ${tokenOf(who)}` } });
    await client.connected;
    return client;
  };

  it('graphql-ws: tenants with the identical document and variables get their own history and live events', async () => {
    const who = ['acme', 'globex', 'both'] as const;
    const clients = await Promise.all(who.map(ws));
    const seen: Record<string, any[]> = { acme: [], globex: [], both: [] };
    who.forEach((name, i) => {
      void runWs(clients[i]!.client, EVENTS_SUB, { after: 0 }, Infinity, (r: any) => {
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        if (r.data.events.kind === 'EVENT') seen[name]!.push(r.data.events.event);
      });
    });
    const history = Object.fromEntries(await Promise.all(who.map(async (n) => [n, await expectedEvents(n)])));
    await waitUntil(() => who.every((n) => seen[n]!.length >= history[n].seqs.length), 'history');
    // Live: one event each of globex's formation, a rejected message naming acme-2, globex's cell, the shared
    // formation and, last, acme's cell: once each tenant has its last one, everything before it was decided.
    const live = await publishAll(nats.url, [
      cloudEvent('cell.formation.v1.running', { id: H }),
      cloudEvent('cell.command.v1.completed', { cellId: 'acme-2', exitCode: -1.5 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'globex-2', exitCode: 7 }),
      cloudEvent('cell.formation.v1.running', { id: F }),
      cloudEvent('cell.command.v1.completed', { cellId: 'acme-2', exitCode: 0 }),
    ]);
    await waitCursor(app, live.at(-1)!);
    const expected = Object.fromEntries(await Promise.all(who.map(async (n) => [n, await expectedEvents(n)])));
    for (const n of who) {
      await waitUntil(() => seqsOf(seen[n]!).includes(expected[n].seqs.at(-1)), `${n}'s last live event`);
      expect(seqsOf(seen[n]!), n).toEqual(expected[n].seqs);
      expect(seen[n]!.every((e) => e.problem === null)).toBe(true);
    }
    expect(expected['acme'].seqs.filter((s: number) => live.includes(s))).toEqual([live[3], live[4]]);
    expect(expected['globex'].seqs.filter((s: number) => live.includes(s))).toEqual([live[0], live[2], live[3]]);
    expect(new Set(idsIn(seen['acme']))).toEqual(new Set(ACME));
    await Promise.all(clients.map((c) => c.dispose()));
  });

  it("graphql-ws: resuming after another tenant's seq delivers the caller's events after it only", async () => {
    const { all, seqs } = await expectedEvents('acme');
    const foreign = all.filter((e) => recordOf(e)?.startsWith('cell:globex')).at(-1)!.seq as number;
    const wanted = seqs.filter((seq) => seq > foreign);
    expect(wanted.length).toBeGreaterThan(0);
    const acme = await ws('acme');
    const got: any[] = [];
    void runWs(acme.client, EVENTS_SUB, { after: foreign }, Infinity, (r: any) => {
      if (r.data?.events.kind === 'EVENT') got.push(r.data.events.event);
    });
    await waitUntil(() => seqsOf(got).includes(wanted.at(-1)!), 'the resumed events');
    expect(seqsOf(got)).toEqual(wanted);
    await acme.dispose();
  });

  it("SSE: a tenant's history holds its events only", async () => {
    const { seqs } = await expectedEvents('globex');
    const got: any[] = [];
    const sse = sseSubscribe(
      app.url,
      parse(EVENTS_SUB),
      { after: 0 },
      (data: any) => {
        if (data.events.kind === 'EVENT') got.push(data.events.event);
      },
      { authorization: `Bearer ${tokens.globex}` },
    );
    expect(await sse.status).toBe(200);
    await waitUntil(() => seqsOf(got).includes(seqs.at(-1)!), 'the SSE history');
    sse.stop();
    expect(seqsOf(got)).toEqual(seqs);
    expect([...new Set(idsIn(got))].sort()).toEqual(GLOBEX);
  });
});

describe('cellBatches for tenants (WebSocket and SSE)', () => {
  const BATCHES = `subscription($include: SubscriptionInclude) {
    cellBatches(include: $include) { seq changes { kind id cell { id tenantId } } }
  }`;
  const ws = async (who: Who) => {
    const client = connectWs(app.url, { connectionParams: { authorization: `Bearer ${tokenOf(who)}` } });
    await client.connected;
    return client;
  };

  it('the identical document and variables: each caller gets its cells, in snapshot and live batches', async () => {
    const variables = { include: 'SNAPSHOT' };
    const changes = { acme: [] as any[], globex: [] as any[], admin: [] as any[], sse: [] as any[] };
    const take = (into: any[]) => (data: any) => {
      for (const change of data.cellBatches.changes) if (change.kind !== 'BOOKMARK') into.push(change);
    };
    const clients = await Promise.all((['acme', 'globex', 'admin'] as const).map(ws));
    (['acme', 'globex', 'admin'] as const).forEach((who, i) => {
      void runWs(clients[i]!.client, BATCHES, variables, Infinity, (r: any) => {
        if (r.errors) throw new Error(JSON.stringify(r.errors));
        take(changes[who])(r.data);
      });
    });
    const sse = sseSubscribe(app.url, parse(BATCHES), variables, take(changes.sse), {
      authorization: `Bearer ${tokens.globex}`,
    });
    const synced = (list: any[]) => list.some((c) => c.kind === 'SYNCED');
    await waitUntil(() => Object.values(changes).every(synced), 'the snapshots');
    const snapshotIds = (list: any[]) => list.filter((c) => c.kind !== 'SYNCED').map((c) => c.id);
    expect(snapshotIds(changes.acme).sort()).toEqual(ACME);
    expect(snapshotIds(changes.globex).sort()).toEqual(GLOBEX);
    expect(snapshotIds(changes.sse).sort()).toEqual(GLOBEX);
    expect(snapshotIds(changes.admin).sort()).toEqual([...ALL].sort());
    const liveIds = (list: any[]) => list.slice(list.findIndex((c) => c.kind === 'SYNCED') + 1).map((c) => c.id);
    // Each round ends with a change of one tenant's cell: once that tenant has it, everything before was decided.
    await publishAll(nats.url, [
      cloudEvent('cell.command.v1.completed', { cellId: 'nobody-1', exitCode: 1 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'globex-2', exitCode: 2 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'acme-1', exitCode: 3 }),
    ]);
    await waitUntil(() => liveIds(changes.acme).includes('acme-1'), "acme's live change");
    expect(liveIds(changes.acme)).toEqual(['acme-1']);
    await publishAll(nats.url, [
      cloudEvent('cell.command.v1.completed', { cellId: 'acme-2', exitCode: 4 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'nobody-1', exitCode: 5 }),
      cloudEvent('cell.command.v1.completed', { cellId: 'globex-2', exitCode: 6 }),
    ]);
    for (const list of [changes.globex, changes.sse])
      await waitUntil(() => liveIds(list).filter((id) => id === 'globex-2').length === 2, "globex's live changes");
    expect(liveIds(changes.globex)).toEqual(['globex-2', 'globex-2']);
    expect(liveIds(changes.sse)).toEqual(['globex-2', 'globex-2']);
    await waitUntil(() => liveIds(changes.admin).length >= 6, "the admin's live changes");
    expect(liveIds(changes.admin)).toEqual(['nobody-1', 'globex-2', 'acme-1', 'acme-2', 'nobody-1', 'globex-2']);
    expect(liveIds(changes.acme)).toEqual(['acme-1', 'acme-2']);
    sse.stop();
    await Promise.all(clients.map((c) => c.dispose()));
  });
});

describe('the tenant claim, as configured', () => {
  for (const [claim, token] of [
    ['https://cellos.dev/tenant', { 'https://cellos.dev/tenant': ['acme'] }],
    ['app.tenants', { app: { tenants: 'acme' } }],
  ] as const) {
    it(`${claim}: names the tenants; the default claim alone grants nothing`, async () => {
      const other = await startTestCellgraph(nats.url, {
        CELLGRAPH_JWT_SECRET: SECRET,
        CELLGRAPH_JWT_TENANT_CLAIM: claim,
      });
      try {
        await waitCursor(other, lastSeq);
        const ask = async (claims: Record<string, unknown>) => {
          const response = await fetch(`${other.url}/graphql`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${await sign({ secret: SECRET }, claims)}`,
            },
            body: JSON.stringify({ query: '{ cells(first: 100) { edges { node { id } } } }' }),
          });
          return { status: response.status, body: (await response.json()) as any };
        };
        const granted = await ask(token);
        expect(granted.status).toBe(200);
        expect(idsIn(granted.body.data).sort()).toEqual(ACME);
        const refused = await ask({ tenant: 'acme' });
        expect(refused.status).toBe(403);
        expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
      } finally {
        await other.stop();
      }
    });
  }
});
