import { beforeAll, describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { ProjectionStatusDocument } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { type Exposition, parsePrometheus } from '../support/prometheus.js';
import { publishAll } from '../support/publish.js';
import { connectWs, runWs } from '../support/ws.js';

const TOKEN = 'metrics-test-token-0123456789';

const nats = useNats();
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_TOKEN: TOKEN });
  await app.source.whenReady();
  return () => app.stop();
});

async function scrape(): Promise<Exposition> {
  const response = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

describe('/metrics', () => {
  it('is Prometheus text with the documented metrics and types', async () => {
    const m = await scrape();
    const expected: Record<string, string> = {
      cellgraph_projection_cursor: 'gauge',
      cellgraph_stream_last_seq: 'gauge',
      cellgraph_projection_lag: 'gauge',
      cellgraph_ready: 'gauge',
      cellgraph_replay_progress_ratio: 'gauge',
      cellgraph_events_total: 'counter',
      cellgraph_ws_connections: 'gauge',
      cellgraph_subscriptions_open: 'gauge',
      cellgraph_subscription_queue_depth: 'gauge',
      cellgraph_subscription_deltas_coalesced_total: 'counter',
      cellgraph_subscriptions_lagged_total: 'counter',
      cellgraph_graphql_operation_duration_seconds: 'histogram',
      cellgraph_nats_connected: 'gauge',
      cellgraph_replay_target_seq: 'gauge',
      cellgraph_cells: 'gauge',
      cellgraph_formations: 'gauge',
      cellgraph_subscriptions_rejected_total: 'counter',
      cellgraph_subscription_queue_depth_max: 'gauge',
      cellgraph_auth_failures_total: 'counter',
      cellgraph_limit_rejections_total: 'counter',
      cellgraph_consumer_stall_restarts_total: 'counter',
      cellgraph_consumer_heartbeats_missed_total: 'counter',
      cellgraph_consumer_pulls_unanswered_total: 'counter',
      process_cpu_user_seconds_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) expect(m.types.get(name), name).toBe(type);
    expect(m.value('cellgraph_ready')).toBe(1);
    expect(m.value('cellgraph_replay_progress_ratio')).toBe(1);
    expect(m.value('cellgraph_nats_connected')).toBe(1);
    expect(m.value('cellgraph_subscription_queue_depth_max')).toBe(0);
  });

  it('moves when events arrive: cursor, stream last seq, counts by outcome', async () => {
    const before = await scrape();
    const events = takeEvents(300, { seed: 7 }).map((e) => e.event);
    const seqs = await publishAll(nats.url, [...events, { raw: 'not json' }, { raw: '{"specversion":"0.3"}' }]);
    const last = seqs.at(-1)!;
    await waitUntil(
      async () => (await scrape()).value('cellgraph_projection_cursor') === last,
      'the cursor metric to reach the last seq',
    );
    const after = await scrape();
    expect(after.value('cellgraph_stream_last_seq')).toBe(last);
    expect(after.value('cellgraph_projection_lag')).toBe(0);
    const status = (await app.query(ProjectionStatusDocument)).projection;
    expect(after.value('cellgraph_events_total', { outcome: 'applied' })).toBe(status.applied);
    expect(after.value('cellgraph_events_total', { outcome: 'duplicate' })).toBe(status.duplicates);
    expect(after.value('cellgraph_events_total', { outcome: 'skipped' })).toBe(status.skipped);
    expect(after.value('cellgraph_events_total', { outcome: 'rejected' })).toBe(2);
    const sum = ['applied', 'duplicate', 'skipped', 'rejected'].reduce(
      (n, outcome) => n + after.value('cellgraph_events_total', { outcome })!,
      0,
    );
    expect(
      sum -
        ['applied', 'duplicate', 'skipped', 'rejected'].reduce(
          (n, outcome) => n + (before.value('cellgraph_events_total', { outcome }) ?? 0),
          0,
        ),
    ).toBe(seqs.length);
    const cells = ['pending', 'running', 'destroyed'].reduce(
      (n, state) => n + after.value('cellgraph_cells', { state })!,
      0,
    );
    expect(cells).toBe(status.cellCount);
    expect(after.value('cellgraph_formations')).toBe(status.formationCount);
    expect(after.value('cellgraph_replay_target_seq')).toBe(status.replay.target);
  });

  it('counts WebSocket connections, open subscriptions by kind, and times named operations', async () => {
    const ws = connectWs(app.url, { connectionParams: { authorization: `Bearer ${TOKEN}` } });
    await ws.connected;
    const messages: unknown[] = [];
    const stop = ws.client.subscribe(
      { query: 'subscription { cells { kind seq } }' },
      { next: (m) => void messages.push(m), error: () => undefined, complete: () => undefined },
    );
    await waitUntil(() => messages.length > 0, 'SYNCED');
    let m = await scrape();
    expect(m.value('cellgraph_ws_connections')).toBe(1);
    expect(m.value('cellgraph_subscriptions_open', { kind: 'cells' })).toBe(1);

    const countBefore =
      m.value('cellgraph_graphql_operation_duration_seconds_count', {
        operation_type: 'query',
        operation_name: 'Named',
      }) ?? 0;
    await runWs(ws.client, 'query Named { projection { seq } }');
    m = await scrape();
    expect(
      m.value('cellgraph_graphql_operation_duration_seconds_count', {
        operation_type: 'query',
        operation_name: 'Named',
      }),
    ).toBe(countBefore + 1);

    stop();
    await waitUntil(
      async () => (await scrape()).value('cellgraph_subscriptions_open', { kind: 'cells' }) === 0,
      'the subscription gauge to drop',
    );
    await ws.dispose();
    await waitUntil(
      async () => (await scrape()).value('cellgraph_ws_connections') === 0,
      'the connection gauge to drop',
    );
  });

  it('counts limit rejections by limit', async () => {
    const before = (await scrape()).value('cellgraph_limit_rejections_total', { limit: 'depth' }) ?? 0;
    // 13 levels (the default max is 12), each page of 1 so the cost stays low.
    const deep = `{ ${'cells(first: 1) { edges { node { formation { '.repeat(3)}id${' } } } }'.repeat(3)} }`;
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ query: deep }),
    });
    const body = (await response.json()) as { errors?: { extensions?: { limit?: string } }[] };
    expect(body.errors?.[0]?.extensions?.limit, JSON.stringify(body)).toBe('depth');
    expect((await scrape()).value('cellgraph_limit_rejections_total', { limit: 'depth' })).toBe(before + 1);
  });

  it('caps operation names at 100 distinct label values, the rest counted as other', async () => {
    const named = (m: Exposition) =>
      new Set(
        m.samples
          .filter(
            (s) =>
              s.name === 'cellgraph_graphql_operation_duration_seconds_count' &&
              !['anonymous', 'other'].includes(s.labels['operation_name']!),
          )
          .map((s) => s.labels['operation_name']),
      );
    const before = await scrape();
    const otherBefore =
      before.value('cellgraph_graphql_operation_duration_seconds_count', {
        operation_type: 'query',
        operation_name: 'other',
      }) ?? 0;
    const room = 100 - named(before).size;
    const extra = 5;
    for (let i = 0; i < room + extra; i++) {
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ query: `query Op${i} { projection { seq } }` }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    const after = await scrape();
    expect(named(after).size).toBe(100);
    expect(
      after.value('cellgraph_graphql_operation_duration_seconds_count', {
        operation_type: 'query',
        operation_name: 'other',
      }),
    ).toBe(otherBefore + extra);
  });

  it('counts refused tokens', async () => {
    const before = (await scrape()).value('cellgraph_auth_failures_total', { transport: 'http' }) ?? 0;
    expect((await fetch(`${app.url}/graphql`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await scrape()).value('cellgraph_auth_failures_total', { transport: 'http' })).toBe(before + 1);
  });
});
