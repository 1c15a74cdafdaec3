import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';

// The HTTP surface a dashboard author meets first: introspection, GET clients, refusals, compression.
const nats = useNats();
let app: TestCellgraph;

beforeAll(async () => {
  await publishAll(
    nats.url,
    takeEvents(600, { seed: 3 }).map((e) => e.event),
  );
  app = await startTestCellgraph(nats.url);
  await app.source.whenReady();
});
afterAll(() => app?.stop());

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** node:http, not fetch: fetch decompresses bodies by itself, and these tests look at the bytes on the wire. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<Raw>((resolve, reject) => {
    const req = request(`${app.url}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (response: Raw) => JSON.parse(response.body.toString('utf8'));
const postJson = (query: string, headers: Record<string, string> = {}) =>
  raw('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });

describe('introspection', () => {
  it("GraphiQL's own introspection query is answered with the default limits, descriptions included", async () => {
    const query = getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, schemaDescription: true });
    const response = json(await postJson(query));
    expect(response.errors).toBeUndefined();
    const cellRecord = response.data.__schema.types.find((type: { name: string }) => type.name === 'CellRecord');
    expect(cellRecord.description).toMatch(/\w/);
    expect(cellRecord.fields.map((field: { name: string }) => field.name)).toContain('lastSeq');
  });

  it('introspection next to paged fields still pays for the pages', async () => {
    const response = json(
      await postJson(
        '{ __schema { types { name } } a: cells(first: 1000) { edges { node { id specId state } } } b: cells(first: 1000) { edges { node { id specId state } } } c: cells(first: 1000) { edges { node { id specId state } } } d: cells(first: 1000) { edges { node { id specId state } } } e: cells(first: 1000) { edges { node { id specId state } } } f: cells(first: 1000) { edges { node { id specId state } } } g: cells(first: 1000) { edges { node { id specId state } } } h: cells(first: 1000) { edges { node { id specId state } } } i: cells(first: 1000) { edges { node { id specId state } } } j: cells(first: 1000) { edges { node { id specId state } } } k: cells(first: 1000) { edges { node { id specId state } } } l: cells(first: 1000) { edges { node { id specId state } } } m: cells(first: 1000) { edges { node { id specId state } } } }',
      ),
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
  });
});

describe('GET clients', () => {
  it('GET /graphql?query= with accept: application/json answers the query, no CSRF header needed', async () => {
    const expected = json(await postJson('{ cellCounts { total running seq } }'));
    const response = await raw(`/graphql?query=${encodeURIComponent('{ cellCounts { total running seq } }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(json(response)).toEqual(expected);
    expect(expected.data.cellCounts.total).toBeGreaterThan(0);
  });

  it('a cross-site form POST (text/plain) without a CSRF header is refused with 403 CSRF_PREVENTED', async () => {
    const response = await raw('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body: JSON.stringify({ query: '{ cellCounts { total } }' }),
    });
    expect(response.status).toBe(403);
    expect(json(response).errors[0].extensions.code).toBe('CSRF_PREVENTED');
  });

  it.each([
    ['GET without a query', '/graphql', { method: 'GET', headers: { accept: 'application/json' } }],
    ['a mutation over GET', `/graphql?query=${encodeURIComponent('mutation { x }')}`, { method: 'GET' }],
    ['PUT', '/graphql', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' }],
    ['invalid JSON', '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
    ['an unknown route', '/nope', { method: 'GET', headers: { accept: 'application/json' } }],
    [
      'a subscription asked for as JSON',
      '/graphql',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ query: 'subscription { cells { kind } }' }),
      },
    ],
  ] as const)('every refusal carries extensions.code: %s', async (_name, path, options) => {
    const response = await raw(path, options as Parameters<typeof raw>[1]);
    // GET without a query is a 200 with an error under application/json (GraphQL over HTTP), the rest 4xx.
    expect(response.status).toBeLessThan(500);
    const errors = json(response).errors as { extensions?: { code?: unknown } }[];
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) expect(typeof error.extensions?.code, JSON.stringify(error)).toBe('string');
  });
});

describe('compression', () => {
  const BIG = '{ cells(first: 500) { edges { node { id specId state startedAt lastSeq } } } }';

  it.each([
    ['br', brotliDecompressSync],
    ['gzip', gunzipSync],
  ] as const)(
    'JSON answers are %s-compressed when asked for, and decompress to the same answer',
    async (coding, decompress) => {
      const plain = await postJson(BIG);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const compressed = await postJson(BIG, { 'accept-encoding': `${coding}, identity;q=0.5` });
      expect(compressed.headers['content-encoding']).toBe(coding);
      expect(compressed.headers.vary).toMatch(/accept-encoding/i);
      expect(compressed.body.length).toBeLessThan(plain.body.length / 3);
      expect(JSON.parse(decompress(compressed.body).toString('utf8'))).toEqual(json(plain));
    },
  );

  it('leaves small answers, refused codings and SSE streams alone', async () => {
    const small = await postJson('{ cellCounts { total } }', { 'accept-encoding': 'br, gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
    const refused = await postJson(BIG, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const sse = await new Promise<{ encoding: string | undefined; first: string }>((resolve, reject) => {
      const req = request(
        `${app.url}/graphql`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'br, gzip' },
        },
        (res) => {
          res.once('data', (chunk: Buffer) => {
            resolve({ encoding: res.headers['content-encoding'], first: chunk.toString('utf8') });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ query: 'subscription { cells(filter: { state: RUNNING }) { kind seq } }' }));
    });
    // yoga marks SSE `content-encoding: none` so that proxies leave the stream alone too.
    expect([undefined, 'none']).toContain(sse.encoding);
    expect(sse.first).toMatch(/event: next|data:|^:/);
  });

  it('GraphiQL is sent compressed, with an ETag that revalidates to 304', { timeout: 120_000 }, async () => {
    const html = { accept: 'text/html' };
    const plain = await raw('/graphql', { headers: html });
    expect(plain.status).toBe(200);
    // The first request starts the compression (and is answered as is); later ones get the compressed page.
    let compressed = await raw('/graphql', { headers: { ...html, 'accept-encoding': 'gzip, deflate, br' } });
    const deadline = Date.now() + 60_000;
    while (compressed.headers['content-encoding'] !== 'br' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      compressed = await raw('/graphql', { headers: { ...html, 'accept-encoding': 'gzip, deflate, br' } });
    }
    expect(compressed.headers['content-encoding']).toBe('br');
    expect(compressed.body.length).toBeLessThan(plain.body.length / 3);
    expect(brotliDecompressSync(compressed.body).equals(plain.body)).toBe(true);
    const etag = compressed.headers.etag as string;
    expect(etag).toBeTruthy();
    expect(compressed.headers['cache-control']).toBe('no-cache');
    const again = await raw('/graphql', { headers: { ...html, 'accept-encoding': 'br', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });
});
