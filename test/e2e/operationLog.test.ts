import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { connectWs, runWs } from '../support/ws.js';

/** The operation log, read back as the JSON lines cellgraph writes. */

type Line = Record<string, unknown> & { level: number; msg: string };

class LogLines extends Writable {
  readonly lines: Line[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const text of chunk.toString().split('\n')) if (text.trim()) this.lines.push(JSON.parse(text) as Line);
    done();
  }
  with(fields: Record<string, unknown>): Line[] {
    return this.lines.filter((line) => Object.entries(fields).every(([k, v]) => line[k] === v));
  }
}

const nats = useNats();

async function startLogged(env: Record<string, string> = {}): Promise<{ app: TestCellgraph; log: LogLines }> {
  const log = new LogLines();
  const app = await startTestCellgraph(
    nats.url,
    { CELLGRAPH_MIN_SEQ_WAIT_MS: '3000', CELLGRAPH_SLOW_OPERATION_MS: '2500', ...env },
    pino({ level: 'info' }, log),
  );
  await app.source.whenReady();
  return { app, log };
}

async function post(app: TestCellgraph, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response;
}

describe('operation log', () => {
  let app: TestCellgraph;
  let log: LogLines;

  beforeAll(async () => {
    await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'log-1', specId: 'spec-log' })]);
    ({ app, log } = await startLogged());
  });
  afterAll(() => app?.stop());

  it('HTTP: one line per operation with the request id it was given, echoed on the response', async () => {
    const response = await post(
      app,
      { query: 'query Counts { cellCounts { total } }', operationName: 'Counts' },
      { 'x-request-id': 'req-abc-123' },
    );
    expect(response.headers.get('x-request-id')).toBe('req-abc-123');
    await waitUntil(() => log.with({ requestId: 'req-abc-123' }).length > 0, 'the line');
    const lines = log.with({ requestId: 'req-abc-123' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'graphql operation',
      transport: 'http',
      operationType: 'query',
      operationName: 'Counts',
      result: 'ok',
      durationMs: expect.any(Number),
    });
    expect(lines[0]).not.toHaveProperty('errorCodes');
  });

  it('HTTP: a request without an id (or with an unusable one) gets a new one, in the log and the response', async () => {
    const headerSets: Record<string, string>[] = [{}, { 'x-request-id': 'has spaces\tand tabs' }];
    for (const headers of headerSets) {
      const response = await post(app, { query: '{ projection { seq } }' }, headers);
      const id = response.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await waitUntil(() => log.with({ requestId: id }).length === 1, 'the line');
      expect(log.with({ requestId: id })[0]).toMatchObject({ operationType: 'query', result: 'ok' });
    }
  });

  it('errors: the codes, for parse and validation failures and resolver errors alike', async () => {
    const cases: [string, string][] = [
      ['{ cells(first: 1 { totalCount } }', 'GRAPHQL_PARSE_FAILED'],
      ['{ noSuchField }', 'GRAPHQL_VALIDATION_FAILED'],
      ['{ cells(first: -1) { totalCount } }', 'BAD_ARGUMENT'],
    ];
    for (const [query, code] of cases) {
      const requestId = `err-${code}`;
      await post(app, { query }, { 'x-request-id': requestId });
      await waitUntil(() => log.with({ requestId }).length === 1, requestId);
      expect(log.with({ requestId })[0]).toMatchObject({ result: 'error', errorCodes: [code], transport: 'http' });
    }
  });

  it('a slow operation is logged at warn (CELLGRAPH_SLOW_OPERATION_MS)', async () => {
    // minSeq ahead of the stream waits CELLGRAPH_MIN_SEQ_WAIT_MS (3 s) and fails: slower than the 2.5 s threshold,
    // which ordinary requests stay under even on a loaded machine
    await post(app, { query: '{ projection(minSeq: 999999) { seq } }' }, { 'x-request-id': 'slow-1' });
    await post(app, { query: '{ projection { seq } }' }, { 'x-request-id': 'fast-1' });
    await waitUntil(() => log.with({ requestId: 'slow-1' }).length === 1, 'the slow line');
    expect(log.with({ requestId: 'slow-1' })[0]).toMatchObject({ level: 40, slow: true, errorCodes: ['CURSOR_AHEAD'] });
    expect((log.with({ requestId: 'slow-1' })[0]!['durationMs'] as number) >= 2500).toBe(true);
    await waitUntil(() => log.with({ requestId: 'fast-1' }).length === 1, 'the fast line');
    expect(log.with({ requestId: 'fast-1' })[0]!.level).toBe(30);
  });

  it('WebSocket: a line per connection (open, close with messages in/out), per operation, per subscription start and end', async () => {
    const ws = connectWs(app.url, { headers: { 'x-request-id': 'conn-1' } });
    await ws.connected;
    const query = await runWs(ws.client, 'query OverWs { cellCounts { total } }');
    expect(query.error).toBeUndefined();
    const sub = await runWs(
      ws.client,
      'subscription Watch($f: CellFilter) { cells(filter: $f, include: SNAPSHOT) { kind seq } }',
      { f: { specId: 'spec-log' } },
      2, // the snapshot's cell, then SYNCED: then the client completes it
    );
    expect(sub.results.map((r) => (r.data as { cells: { kind: string } }).cells.kind)).toEqual(['ADDED', 'SYNCED']);
    await ws.dispose();
    await waitUntil(() => log.with({ connectionId: 'conn-1', msg: 'websocket closed' }).length === 1, 'close line');

    expect(log.with({ connectionId: 'conn-1', msg: 'websocket connected' })).toHaveLength(1);
    const closed = log.with({ connectionId: 'conn-1', msg: 'websocket closed' })[0]!;
    // in: connection_init, 2 × subscribe, complete; out: connection_ack, the query's next + complete, 2 × next
    expect(closed['messagesIn']).toBeGreaterThanOrEqual(4);
    expect(closed['messagesOut']).toBeGreaterThanOrEqual(5);
    const operation = log.lines.find((l) => l.msg === 'graphql operation' && l['operationName'] === 'OverWs')!;
    expect(operation).toMatchObject({ transport: 'ws', operationType: 'query', result: 'ok' });
    expect(operation['requestId']).toMatch(/^conn-1\//);
    const started = log.lines.find((l) => l.msg === 'subscription started' && l['operationName'] === 'Watch')!;
    expect(started).toMatchObject({ transport: 'ws', field: 'cells', result: 'ok' });
    expect(JSON.parse(started['filter'] as string)).toMatchObject({
      filter: { specId: 'spec-log' },
      include: 'SNAPSHOT',
    });
    const ended = log.lines.find((l) => l.msg === 'subscription ended' && l['operationName'] === 'Watch')!;
    expect(ended).toMatchObject({ requestId: started['requestId'], messages: 2, endReason: 'complete' });
  });
});

describe('operation log volume', () => {
  it('writes at most CELLGRAPH_LOG_OPERATIONS_PER_SECOND ordinary lines a second and counts the rest', async () => {
    const { app, log } = await startLogged({ CELLGRAPH_LOG_OPERATIONS_PER_SECOND: '5' });
    try {
      await Promise.all(Array.from({ length: 30 }, () => post(app, { query: '{ projection { seq } }' })));
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await post(app, { query: '{ projection { seq } }' }); // opens a new second: the count is written first
      await waitUntil(() => log.lines.some((l) => l['dropped'] !== undefined), 'the count');
      const written = log.with({ msg: 'graphql operation' });
      const dropped = log.lines.reduce((sum, l) => sum + ((l['dropped'] as number | undefined) ?? 0), 0);
      expect(written.length + dropped).toBe(31);
      // at most 5 a second: the lines' own timestamps say how many seconds (windows) they can span
      const times = written.map((l) => l['time'] as number);
      const windows = Math.ceil((Math.max(...times) - Math.min(...times)) / 1000) + 1;
      expect(written.length).toBeLessThanOrEqual(5 * windows);
      expect(dropped).toBeGreaterThanOrEqual(31 - 5 * windows);
      expect(dropped).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });
});
