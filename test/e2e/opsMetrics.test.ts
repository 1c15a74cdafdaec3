import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KNOWN_LABELS } from '../../src/server/metrics.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { type Exposition, parsePrometheus } from '../support/prometheus.js';
import { connectWs, runWs } from '../support/ws.js';

/** The operator's metrics: build info, counters that exist from boot, errors, HTTP and WebSocket traffic, and Grafana. */

const root = path.resolve(import.meta.dirname, '../..');
const TOKEN = 'ops-metrics-token-0123456789abcdef';
const nats = useNats();
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_TOKEN: TOKEN });
  await app.source.whenReady();
});
afterAll(() => app?.stop());

async function scrape(): Promise<Exposition> {
  const response = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  return parsePrometheus(await response.text());
}

async function post(query: string, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('operations metrics', () => {
  it('every labelled counter starts at 0 for its known labels, before any traffic', async () => {
    const m = await scrape();
    for (const code of KNOWN_LABELS.errorCode)
      expect(m.value('cellgraph_graphql_errors_total', { code }), code).toBe(0);
    for (const limit of KNOWN_LABELS.limit)
      expect(m.value('cellgraph_limit_rejections_total', { limit }), limit).toBe(0);
    for (const limit of KNOWN_LABELS.subscriptionLimit)
      expect(m.value('cellgraph_subscriptions_rejected_total', { limit }), limit).toBe(0);
    for (const transport of KNOWN_LABELS.transport)
      expect(m.value('cellgraph_auth_failures_total', { transport }), transport).toBe(0);
    for (const direction of KNOWN_LABELS.direction)
      expect(m.value('cellgraph_ws_messages_total', { direction }), direction).toBe(0);
    for (const route of KNOWN_LABELS.route)
      expect(m.value('cellgraph_http_requests_total', { route, status: '200' }), route).toBeDefined();
    for (const kind of ['cells', 'cellBatches', 'cell', 'events'])
      expect(m.value('cellgraph_subscriptions_open', { kind }), kind).toBe(0);
    for (const outcome of ['applied', 'skipped', 'duplicate', 'rejected'])
      expect(m.value('cellgraph_events_total', { outcome }), outcome).toBe(0);
  });

  it('cellgraph_build_info names the version, the Node version and the NATS client version', async () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      version: string;
      dependencies: Record<string, string>;
    };
    const m = await scrape();
    const info = m.samples.filter((s) => s.name === 'cellgraph_build_info');
    expect(info).toEqual([
      {
        name: 'cellgraph_build_info',
        labels: { version: pkg.version, node: process.version, nats_client: pkg.dependencies['@nats-io/nats-core'] },
        value: 1,
      },
    ]);
  });

  it('GraphQL errors by code, and HTTP requests by route and status', async () => {
    const before = await scrape();
    const count = (m: Exposition, name: string, labels: Record<string, string>) => m.value(name, labels) ?? 0;
    expect(await post('{ noSuchField }')).toBe(200);
    expect(await post('{ cells(first: -1) { totalCount } }')).toBe(200);
    expect(await post('{ projection { seq } }', {})).toBe(401); // no token
    const after = await scrape();
    for (const code of ['GRAPHQL_VALIDATION_FAILED', 'BAD_ARGUMENT'])
      expect(count(after, 'cellgraph_graphql_errors_total', { code }), code).toBe(
        count(before, 'cellgraph_graphql_errors_total', { code }) + 1,
      );
    const graphql200 = { route: '/graphql', status: '200' };
    expect(count(after, 'cellgraph_http_requests_total', graphql200)).toBe(
      count(before, 'cellgraph_http_requests_total', graphql200) + 2,
    );
    expect(count(after, 'cellgraph_http_requests_total', { route: '/graphql', status: '401' })).toBe(
      count(before, 'cellgraph_http_requests_total', { route: '/graphql', status: '401' }) + 1,
    );
    // the scrape before this one is counted too
    expect(count(after, 'cellgraph_http_requests_total', { route: '/metrics', status: '200' })).toBeGreaterThan(
      count(before, 'cellgraph_http_requests_total', { route: '/metrics', status: '200' }),
    );
  });

  it('WebSocket messages in and out', async () => {
    const before = await scrape();
    const ws = connectWs(app.url, { connectionParams: { authorization: `Bearer ${TOKEN}` } });
    await ws.connected;
    const result = await runWs(ws.client, '{ cellCounts { total } }');
    expect(result.error).toBeUndefined();
    await ws.dispose();
    await waitUntil(async () => {
      const m = await scrape();
      return (m.value('cellgraph_ws_connections') ?? 1) === 0;
    }, 'the socket closed');
    const after = await scrape();
    const delta = (direction: string) =>
      (after.value('cellgraph_ws_messages_total', { direction }) ?? 0) -
      (before.value('cellgraph_ws_messages_total', { direction }) ?? 0);
    expect(delta('in')).toBeGreaterThanOrEqual(2); // connection_init, subscribe (complete too, unless it raced the close)
    expect(delta('out')).toBeGreaterThanOrEqual(3); // connection_ack, next, complete
  });
});

describe('deploy/grafana-dashboard.json', () => {
  it('every metric it queries exists on /metrics', async () => {
    // a query and a WebSocket first, so histogram series exist as they would in production
    await post('{ projection { seq } }');
    const dashboard = JSON.parse(readFileSync(path.join(root, 'deploy/grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      templating: { list: { query?: unknown }[] };
    };
    const exprs = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => v.query).filter((q): q is string => typeof q === 'string'),
    ];
    const queried = new Set(exprs.flatMap((expr) => expr.match(/\b(?:cellgraph|process|nodejs)_[a-z0-9_]+/g) ?? []));
    expect(queried.size).toBeGreaterThan(15);
    const exposed = new Set((await scrape()).samples.map((s) => s.name));
    expect([...queried].filter((name) => !exposed.has(name)).sort()).toEqual([]);
    // the list: replay progress, lag, events by outcome, operations and p99, subscriptions and queue depth
    for (const name of [
      'cellgraph_replay_progress_ratio',
      'cellgraph_projection_lag',
      'cellgraph_events_total',
      'cellgraph_graphql_operation_duration_seconds_bucket',
      'cellgraph_subscriptions_open',
      'cellgraph_subscription_queue_depth',
    ])
      expect(queried, name).toContain(name);
  });
});
