import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing, tracingEnabled } from '../../src/cli/telemetry.js';
import { createLogger } from '../../src/util/logger.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

/**
 * OpenTelemetry over OTLP/HTTP (JSON) to an in-process receiver: GraphQL
 * operation spans under the caller's W3C traceparent, with parse, validate
 * and execute below them, and a span per consumed batch with its counts.
 */

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
}

const received: ReceivedSpan[] = [];
const receiver = http.createServer((request, response) => {
  let body = '';
  request.on('data', (chunk: Buffer) => (body += chunk.toString()));
  request.on('end', () => {
    if (request.url === '/v1/traces' && request.headers['content-type']?.includes('json')) {
      const payload = JSON.parse(body) as {
        resourceSpans: {
          scopeSpans: {
            spans: (Omit<ReceivedSpan, 'attributes'> & {
              attributes?: { key: string; value: Record<string, unknown> }[];
            })[];
          }[];
        }[];
      };
      for (const resource of payload.resourceSpans)
        for (const scope of resource.scopeSpans)
          for (const span of scope.spans)
            received.push({
              ...span,
              attributes: Object.fromEntries(
                (span.attributes ?? []).map(({ key, value }) => {
                  const v = Object.values(value)[0];
                  return [key, 'intValue' in value ? Number(v) : v];
                }),
              ),
            });
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

const nats = useNats();
let app: TestCellgraph;
let tracing: Tracing | undefined;

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;
  await publishAll(
    nats.url,
    Array.from({ length: 20 }, (_, i) =>
      cloudEvent('cell.lifecycle.v1.started', { cellId: `trace-${i}`, specId: 's' }),
    ),
  );
  tracing = await startTracing(
    { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    createLogger('silent'),
    '0.0.0',
  );
  app = await startTestCellgraph(nats.url);
  await app.source.whenReady();
});

afterAll(async () => {
  await app?.stop();
  await tracing?.shutdown();
  receiver.close();
});

describe('OpenTelemetry', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: nothing is registered', async () => {
    expect(await startTracing({}, createLogger('silent'), '0.0.0')).toBeUndefined();
    expect(tracingEnabled()).toBe(true); // still the one started above
  });

  it('a span per consumed batch, with its event counts and seq range', async () => {
    await waitUntil(() => received.some((s) => s.name === 'cellgraph.ingest.batch'), 'a batch span', 15_000);
    const batches = received.filter((s) => s.name === 'cellgraph.ingest.batch');
    const events = batches.reduce((sum, s) => sum + (s.attributes['cellgraph.batch.events'] as number), 0);
    expect(events).toBe(20);
    expect(batches[0]!.attributes).toMatchObject({
      'cellgraph.stream': 'CELLOS_EVENTS',
      'cellgraph.batch.first_seq': 1,
      'cellgraph.batch.rejected': 0,
    });
    const applied = batches.reduce((sum, s) => sum + (s.attributes['cellgraph.batch.applied'] as number), 0);
    expect(applied).toBe(20);
  });

  it('GraphQL: operation span under the W3C traceparent, with parse, validate and execute below it', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parentId}-01` },
      body: JSON.stringify({ query: 'query Traced { cellCounts { total } }' }),
    });
    expect(await response.json()).toEqual({ data: { cellCounts: { total: 20 } } });
    await waitUntil(() => received.filter((s) => s.traceId === traceId).length >= 4, 'the operation spans', 15_000);
    const spans = received.filter((s) => s.traceId === traceId);
    const operation = spans.find((s) => s.parentSpanId === parentId)!;
    expect(operation).toMatchObject({
      name: 'graphql.query Traced',
      attributes: {
        'graphql.operation.type': 'query',
        'graphql.operation.name': 'Traced',
        'cellgraph.transport': 'http',
      },
    });
    const children = spans.filter((s) => s.parentSpanId === operation.spanId).map((s) => s.name);
    expect(children.sort()).toEqual(['graphql.execute', 'graphql.parse', 'graphql.validate']);
  });

  it('a failed operation carries its error codes', async () => {
    const traceId = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-bbbbbbbbbbbbbbbb-01` },
      body: JSON.stringify({ query: '{ noSuchField }' }),
    });
    await waitUntil(() => received.some((s) => s.traceId === traceId && s.parentSpanId === 'bbbbbbbbbbbbbbbb'), 'span');
    const operation = received.find((s) => s.traceId === traceId && s.parentSpanId === 'bbbbbbbbbbbbbbbb')!;
    expect(operation.attributes['graphql.error.codes']).toEqual({
      values: [{ stringValue: 'GRAPHQL_VALIDATION_FAILED' }],
    });
  });
});
