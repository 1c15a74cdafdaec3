// A tenant's first page of cells against an admin's unfiltered one, at 1M cells, in one run (issue 12).
// Usage: npm run bench:tenants -- [--cells 1000000] [--tenants 20] [--seconds 3]
// Two levels: the projection's page read alone (µs), and the whole GraphQL request in process (yoga.fetch).
import os from 'node:os';
import { SignJWT } from 'jose';
import { loadConfig } from '../src/config.js';
import { decodeObject } from '../src/events/decode.js';
import { CursorClock } from '../src/live/cursorClock.js';
import { LiveHub } from '../src/live/hub.js';
import { readCellPage } from '../src/projection/cellPage.js';
import { CellSelection } from '../src/projection/cellSelection.js';
import { Projection } from '../src/projection/projection.js';
import { SEE_ALL, tenantVisibility, type Visibility } from '../src/projection/visibility.js';
import { Authenticator } from '../src/server/auth/authenticator.js';
import { Metrics } from '../src/server/metrics.js';
import { createCellgraphYoga } from '../src/server/yoga.js';
import { createLogger } from '../src/util/logger.js';
import { CELLS_QUERY } from './lib/queries.js';
import { fmt, ratio } from './lib/stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CELLS = arg('cells', 1_000_000);
const TENANTS = arg('tenants', 20);
const SECONDS = arg('seconds', 3);

/** 1M cells, tenants interleaved round-robin: a tenant's page is spread over the whole first-seen order. */
function build(): Projection {
  const projection = new Projection({ dedupWindow: 0 });
  for (let i = 0; i < CELLS; i++) {
    const event = decodeObject({
      specversion: '1.0',
      id: `e${i}`,
      source: 'bench',
      type: 'dev.cellos.events.cell.lifecycle.v1.started',
      time: '2026-11-28T12:00:00Z',
      data: { cellId: `cell-${i}`, specId: 'spec', tenantId: `tenant-${i % TENANTS}` },
    });
    projection.apply(i + 1, event);
  }
  return projection;
}

/** Pages per second and CPU microseconds per page, reading first pages and then the page after `after`. */
function measure(projection: Projection, visibility: Visibility): { rate: number; cpuUs: number; ids: string } {
  const selection = () => new CellSelection(null, visibility);
  let pages = 0;
  let ids = '';
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const end = start + BigInt(SECONDS * 1e9);
  while (process.hrtime.bigint() < end) {
    for (let k = 0; k < 100; k++) {
      const page = readCellPage(projection, { filter: selection(), first: 50 });
      ids = page.cells.length === 50 ? page.cells[49]!.id : 'short page';
      pages += 1;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rate: pages / seconds, cpuUs: (used.user + used.system) / pages, ids };
}

const started = Date.now();
const projection = build();
console.log(`built ${fmt(projection.cellCount)} cells over ${TENANTS} tenants in ${fmt(Date.now() - started)} ms`);
const tenant = tenantVisibility(['tenant-7']);
// Alternate, so load on the shared machine hits both alike; the best of three rounds each.
const admin: ReturnType<typeof measure>[] = [];
const scoped: ReturnType<typeof measure>[] = [];
for (let round = 0; round < 3; round++) {
  admin.push(measure(projection, SEE_ALL));
  scoped.push(measure(projection, tenant));
}
const best = <T extends { rate: number }>(runs: T[]): T => runs.reduce((a, b) => (b.rate > a.rate ? b : a));
const a = best(admin);
const t = best(scoped);
const load = os
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(`load average ${load}`);
console.log(`admin  cells(first: 50): ${fmt(a.rate)} pages/s, ${fmt(a.cpuUs, 1)} µs CPU/page (last id ${a.ids})`);
console.log(`tenant cells(first: 50): ${fmt(t.rate)} pages/s, ${fmt(t.cpuUs, 1)} µs CPU/page (last id ${t.ids})`);
console.log(`tenant / admin: ${fmt(ratio(t.rate, a.rate), 2)}x (goal >= 0.9x)`);

// The same pages through the whole GraphQL path (auth, parse, validate, execute, serialise), in process.
const SECRET = 'bench-secret-of-at-least-thirty-two-characters';
const STATIC = 'bench-static-admin-token-0123456789';
const config = loadConfig({ CELLGRAPH_JWT_SECRET: SECRET, CELLGRAPH_TOKEN: STATIC, CELLGRAPH_LOG_LEVEL: 'silent' });
const status = () => ({
  connected: true,
  streamLastSeq: projection.cursor,
  ready: true,
  replay: { done: true } as never,
  lastError: null,
  checkpoint: null as never,
});
const hub = new LiveHub(projection, {
  bookmarkIntervalMs: 60_000,
  eventQueueLimit: 10,
  logger: createLogger('silent'),
});
const yoga = createCellgraphYoga({
  context: {
    config,
    projection,
    clock: new CursorClock(),
    sourceStatus: status,
    streamName: 'bench',
    events: null as never,
    hub,
  },
  metrics: new Metrics({ projection, sourceStatus: status, liveStats: () => hub.stats() }),
  authenticator: new Authenticator(config),
});
const jwtOf = (claims: Record<string, unknown>) =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
const callers = {
  'admin (static token)': STATIC,
  'admin (JWT scope)': await jwtOf({ scope: 'cellgraph:admin' }),
  'tenant (JWT)': await jwtOf({ tenant: 'tenant-7' }),
};
async function measureQuery(token: string): Promise<{ rate: number; cpuUs: number; last: string }> {
  const body = JSON.stringify({ query: CELLS_QUERY });
  let n = 0;
  let last = '';
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    const response = await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    });
    const json = (await response.json()) as { data?: { cells: { edges: { node: { id: string } }[] } } };
    last = json.data?.cells.edges.at(-1)?.node.id ?? `error ${JSON.stringify(json).slice(0, 200)}`;
    n += 1;
  }
  const used = process.cpuUsage(cpu);
  return { rate: n / ((performance.now() - start) / 1000), cpuUs: (used.user + used.system) / n, last };
}
const queryRuns: Record<string, Awaited<ReturnType<typeof measureQuery>>[]> = {};
for (let round = 0; round < 3; round++)
  for (const [name, token] of Object.entries(callers)) (queryRuns[name] ??= []).push(await measureQuery(token));
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (const [name, runs] of Object.entries(queryRuns)) {
  const b = best(runs);
  console.log(
    `GraphQL cells(first: 50), ${name}: ${fmt(b.rate)} queries/s, ${fmt(b.cpuUs)} µs CPU/query (last id ${b.last})`,
  );
}
const tenantQ = best(queryRuns['tenant (JWT)']!).rate;
console.log(
  `GraphQL tenant / admin (JWT both): ${fmt(ratio(tenantQ, best(queryRuns['admin (JWT scope)']!).rate), 2)}x; tenant / admin (static token): ${fmt(ratio(tenantQ, best(queryRuns['admin (static token)']!).rate), 2)}x`,
);
hub.shutdown();
