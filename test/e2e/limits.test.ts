import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { parsePrometheus } from '../support/prometheus.js';
import { connectWs, rawWs, runWs, type TestWsClient } from '../support/ws.js';

/** Small limits, so "just under" and "just over" documents stay readable. */
const LIMITS = {
  CELLGRAPH_MAX_DEPTH: '4',
  CELLGRAPH_MAX_ALIASES: '3',
  CELLGRAPH_MAX_DIRECTIVES: '3',
  CELLGRAPH_MAX_TOKENS: '60',
  CELLGRAPH_MAX_DOCUMENT_BYTES: '600',
  CELLGRAPH_MAX_COST: '100',
  CELLGRAPH_DEFAULT_PAGE_SIZE: '10',
  CELLGRAPH_MAX_PAGE_SIZE: '50',
  CELLGRAPH_MAX_BODY_BYTES: '4096',
  CELLGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
  CELLGRAPH_MAX_SUBSCRIPTIONS: '3',
  CELLGRAPH_WS_MAX_PAYLOAD: '4096',
  CELLGRAPH_WS_INIT_TIMEOUT_MS: '400',
  CELLGRAPH_INTROSPECTION: 'false',
};

const nats = useNats({ stream: false });
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, LIMITS);
  await app.source.whenReady();
  return () => app.stop();
});

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function gql(query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

function expectOk(answer: Answer): void {
  expect(answer.errors).toBeUndefined();
  expect(answer.data).toBeTruthy();
}

function expectLimit(answer: Answer, limit: string): void {
  expect(answer.status).toBeLessThan(500);
  expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit });
  expect(answer.errors![0]!.message).not.toMatch(/^Syntax Error/);
}

describe('document limits over HTTP', () => {
  it('depth', async () => {
    expectOk(await gql('{ cells { edges { node { id } } } }'));
    expectLimit(await gql('{ cells { edges { node { formation { name } } } } }'), 'depth');
  });

  it('aliases', async () => {
    expectOk(await gql('{ a: projection { seq } b: projection { seq } c: projection { seq } }'));
    expectLimit(
      await gql('{ a: projection { seq } b: projection { seq } c: projection { seq } d: projection { seq } }'),
      'aliases',
    );
  });

  it('directives', async () => {
    expectOk(await gql('{ projection @include(if: true) { seq @include(if: true) ready @skip(if: false) } }'));
    expectLimit(
      await gql(
        '{ projection @include(if: true) { seq @include(if: true) ready @skip(if: false) lag @skip(if: false) } }',
      ),
      'directives',
    );
  });

  it('tokens', async () => {
    // `{ projection { ... } }` is 5 tokens plus one per field.
    const doc = (fields: number) => `{ projection { ${Array.from({ length: fields }, () => 'seq').join(' ')} } }`;
    expectOk(await gql(doc(55)));
    expectLimit(await gql(doc(56)), 'tokens');
  });

  it('document size, before any token is read', async () => {
    const base = '{ projection { seq } }';
    const padded = (length: number) => `${base}\n#${'-'.repeat(length - base.length - 2)}`;
    expect(padded(600)).toHaveLength(600);
    expectOk(await gql(padded(600)));
    expectLimit(await gql(padded(601)), 'documentSize');
  });

  it('cost: a paged field multiplies its selection by its page size, variables included', async () => {
    // cells = 1 + first × (edges 1 + node 1 + id 1)
    const query = 'query Page($n: Int) { cells(first: $n) { edges { node { id } } } }';
    expectOk(await gql(query, { n: 33 }));
    const over = await gql(query, { n: 34 });
    expectLimit(over, 'cost');
    expect(over.errors![0]!.extensions).toMatchObject({ cost: 103, max: 100 });
    // Without first, the default page size (10) is what it will return.
    expectOk(await gql('{ cells { edges { node { id } } } }'));
    expectLimit(
      await gql(
        '{ a: cells { edges { node { id } } } b: cells { edges { node { id } } } c: cells { edges { node { id } } } c2: cells { edges { node { id } } } }',
      ),
      'aliases',
    );
    expectLimit(
      await gql(
        '{ a: cells { edges { node { id } } } b: cells { edges { node { id } } } c: cells { edges { node { id specId } } } }',
      ),
      'cost',
    );
  });

  it('page size', async () => {
    expectOk(await gql('{ events(first: 50) { seq } }'));
    expectLimit(await gql('{ cells(first: 51) { totalCount } }'), 'pageSize');
    expectLimit(await gql('{ events(first: 51) { seq } }'), 'pageSize');
  });

  it('request body size: 413 with its own code', async () => {
    const body = (padding: number) =>
      JSON.stringify({ query: '{ projection { seq } }', variables: { pad: 'x'.repeat(padding) } });
    const post = (text: string) =>
      fetch(`${app.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    const under = body(4096 - body(0).length);
    expect(under).toHaveLength(4096);
    expect((await post(under)).status).toBe(200);
    const over = await post(body(4097 - body(0).length));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'REQUEST_ENTITY_TOO_LARGE',
    );
  });
});

describe('document limits over WebSocket', () => {
  it('the same plugins answer with the same codes', async () => {
    const ws = connectWs(app.url);
    await ws.connected;
    const depth = await runWs(ws.client, '{ cells { edges { node { formation { name } } } } }');
    expect((depth.error as { extensions?: unknown }[])[0]!.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'depth',
    });
    const cost = await runWs(ws.client, 'query Page($n: Int) { cells(first: $n) { edges { node { id } } } }', {
      n: 34,
    });
    expect(cost.results[0]!.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'cost' });
    const ok = await runWs(ws.client, 'query Page($n: Int) { cells(first: $n) { edges { node { id } } } }', { n: 33 });
    expect(ok.results[0]!.errors).toBeUndefined();
    const tokens = await runWs(ws.client, `{ projection { ${Array.from({ length: 56 }, () => 'seq').join(' ')} } }`);
    expect((tokens.error as { extensions?: unknown }[])[0]!.extensions).toMatchObject({
      code: 'LIMIT_EXCEEDED',
      limit: 'tokens',
    });
    await ws.dispose();
  });
});

describe('subscriptions', () => {
  const SUB = 'subscription { cells { kind seq } }';
  const opened: (() => void)[] = [];
  const clients: TestWsClient[] = [];

  /** Subscribes and resolves once the first message (SYNCED) arrived, i.e. once the server counts it. */
  function open(ws: TestWsClient): Promise<{ code?: unknown; limit?: unknown } | undefined> {
    return new Promise((resolve) => {
      const stop = ws.client.subscribe<{ cells: { kind: string } }>(
        { query: SUB },
        {
          next: (result) => {
            if (result.errors) resolve(result.errors[0]!.extensions as { code: unknown; limit: unknown });
            else resolve(undefined);
          },
          error: () => resolve({ code: 'CLOSED' }),
          complete: () => undefined,
        },
      );
      opened.push(stop);
    });
  }

  afterAll(async () => {
    for (const stop of opened) stop();
    for (const ws of clients) await ws.dispose();
  });

  it('per connection, in total, and counted again when one ends', async () => {
    const a = connectWs(app.url);
    const b = connectWs(app.url);
    clients.push(a, b);
    await Promise.all([a.connected, b.connected]);
    expect(await open(a)).toBeUndefined();
    expect(await open(a)).toBeUndefined();
    expect(await open(a)).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'subscriptionsPerConnection' });
    expect(await open(b)).toBeUndefined();
    // 3 open: the server-wide limit.
    expect(await open(b)).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'subscriptions' });
    const sse = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
    });
    const text = await sse.text();
    expect(text).toContain('"limit":"subscriptions"');
    // Batched subscriptions go through the same plugins.
    const batched = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { cellBatches { seq changes { kind } } }' }),
    });
    expect(await batched.text()).toContain('"limit":"subscriptions"');
    const metrics = parsePrometheus(await (await fetch(`${app.url}/metrics`)).text());
    expect(metrics.value('cellgraph_subscriptions_rejected_total', { limit: 'subscriptionsPerConnection' })).toBe(1);
    expect(metrics.value('cellgraph_subscriptions_rejected_total', { limit: 'subscriptions' })).toBe(3);

    // Ending one frees its slot, on that connection and in the total.
    opened[0]!();
    let again: unknown = 'pending';
    for (let i = 0; i < 200 && again !== undefined; i++) again = await open(a);
    expect(again).toBeUndefined();
  });
});

describe('WebSocket transport limits', () => {
  it('message size: under the max payload is served, over it closes with 1009', async () => {
    const { socket, closed, messages } = await rawWs(app.url);
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await waitUntil(() => messages.length > 0, 'connection_ack');
    const subscribe = (id: string, padding: number) =>
      JSON.stringify({
        id,
        type: 'subscribe',
        payload: { query: '{ projection { seq } }', variables: { pad: 'x'.repeat(padding) } },
      });
    const base = subscribe('1', 0).length;
    socket.send(subscribe('1', 4096 - base));
    await waitUntil(
      () => messages.some((m) => (m as { type: string }).type === 'complete'),
      'the answer to the large message',
    );
    expect(messages.some((m) => (m as { type: string; id?: string }).type === 'next')).toBe(true);
    socket.send(subscribe('2', 4097 - base));
    expect(await closed).toBe(1009);
  });

  it('connection_init timeout: closes silent sockets with 4408, keeps the ones that said hello', async () => {
    const polite = await rawWs(app.url);
    const silent = await rawWs(app.url);
    polite.socket.send(JSON.stringify({ type: 'connection_init' }));
    expect(await silent.closed).toBe(4408);
    expect(polite.messages).toContainEqual({ type: 'connection_ack' });
    expect(polite.socket.readyState).toBe(polite.socket.OPEN);
    polite.socket.close();
    await polite.closed;
  });
});

describe('what the API reveals', () => {
  it('introspection can be turned off', async () => {
    const answer = await gql('{ __schema { types { name } } }');
    expect(answer.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.errors?.[0]?.message).toMatch(/introspection/i);
    expectOk(await gql('{ __typename }'));
  });

  it('introspection is off over WebSocket too', async () => {
    const ws = connectWs(app.url);
    await ws.connected;
    const refused = await runWs(ws.client, '{ __type(name: "Cell") { name } }');
    expect(refused.results).toEqual([]);
    const errors = refused.error as { message: string; extensions?: Record<string, unknown> }[];
    expect(errors[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(errors[0]?.message).toMatch(/introspection/i);
    const fine = await runWs<{ __typename: string }>(ws.client, '{ __typename }');
    expect(fine.results[0]?.data?.__typename).toBe('Query');
    await ws.dispose();
  });

  it('CSRF: a simple GET without a preflight-forcing header is refused; JSON POST and yoga clients pass', async () => {
    const url = `${app.url}/graphql?query=${encodeURIComponent('{ projection { seq } }')}`;
    const bare = await fetch(url);
    expect(bare.status).toBe(403);
    expect(await bare.text()).toMatch(/CSRF/);
    expect((await fetch(url, { headers: { 'x-graphql-yoga-csrf': '1' } })).status).toBe(200);
    expectOk(await gql('{ projection { seq } }'));
    const page = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('"subscriptionsProtocol":"WS"');
  });
});
