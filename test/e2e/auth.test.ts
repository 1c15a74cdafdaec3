import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { readSseUntil } from '../support/sse.js';
import { connectWs, refusal, runWs } from '../support/ws.js';

const TOKEN_A = 'token-a-0123456789abcdef';
const TOKEN_B = 'token-b-fedcba9876543210';
const WRONG = 'token-x-not-a-real-token!';

const nats = useNats({ stream: false });
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_TOKEN: `${TOKEN_A}, ${TOKEN_B}` });
  await app.source.whenReady();
  return () => app.stop();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function post(body: unknown, headers: Record<string, string>, accept = 'application/graphql-response+json') {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, ...headers },
    body: JSON.stringify(body),
  });
  return response;
}

const QUERY = { query: '{ projection { seq ready } }' };
const SUBSCRIPTION = { query: 'subscription { cells(include: SNAPSHOT) { kind seq } }' };

describe('HTTP', () => {
  it('without a token: 401 with a GraphQL-shaped UNAUTHENTICATED error', async () => {
    const response = await post(QUERY, {});
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="cellgraph"$/);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    expect(body.errors[0]!.message).toMatch(/Authorization: Bearer/);
  });

  it('with a wrong token, or another scheme: 401 invalid_token', async () => {
    for (const headers of [
      bearer(WRONG),
      bearer(TOKEN_A.slice(0, -1)),
      { authorization: `Basic ${TOKEN_A}` },
      { authorization: `Bearer ${TOKEN_A} extra` },
    ]) {
      const response = await post(QUERY, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('with either configured token: the answer', async () => {
    for (const token of [TOKEN_A, TOKEN_B]) {
      const response = await post(QUERY, bearer(token));
      expect(response.status).toBe(200);
      expect(((await response.json()) as { data: { projection: { ready: boolean } } }).data.projection.ready).toBe(
        true,
      );
    }
    // A GET works with the token too: Authorization doubles as the CSRF-prevention header.
    const get = await fetch(`${app.url}/graphql?query=${encodeURIComponent(QUERY.query)}`, {
      headers: bearer(TOKEN_A),
    });
    expect(get.status).toBe(200);
  });

  it('probes are public, /metrics is not', async () => {
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${app.url}/metrics`, { headers: bearer(WRONG) })).status).toBe(401);
    const metrics = await fetch(`${app.url}/metrics`, { headers: bearer(TOKEN_B) });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('cellgraph_projection_cursor');
  });

  it('the GraphiQL page (static, no data) still loads in a browser, which cannot send a bearer token', async () => {
    const response = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('cellgraph');
    // With a token, GraphiQL subscribes over SSE so its headers editor's Authorization applies.
    expect(html).toContain('"subscriptionsProtocol":"SSE"');
  });
});

describe('SSE', () => {
  it('without a token: 401', async () => {
    const response = await post(SUBSCRIPTION, {}, 'text/event-stream');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('with a wrong token: 401', async () => {
    const response = await post(SUBSCRIPTION, bearer(WRONG), 'text/event-stream');
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it('cellBatches without a token: 401, like every subscription', async () => {
    const response = await post(
      { query: 'subscription { cellBatches { seq changes { kind } } }' },
      {},
      'text/event-stream',
    );
    expect(response.status).toBe(401);
    await response.body?.cancel();
  });

  it('with the token: the event stream, up to SYNCED', async () => {
    const controller = new AbortController();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...bearer(TOKEN_A) },
      body: JSON.stringify(SUBSCRIPTION),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await readSseUntil(response, 'SYNCED', controller);
    expect(text).toMatch(/event: next\ndata: .*"kind":"SYNCED"/);
  });
});

describe('WebSocket', () => {
  it('without a token: closed with 4401', async () => {
    const ws = connectWs(app.url);
    expect(await refusal(ws)).toBe(4401);
    await ws.dispose();
  });

  it('with a wrong token in connection_init: closed with 4403', async () => {
    const ws = connectWs(app.url, { connectionParams: { authorization: `Bearer ${WRONG}` } });
    expect(await refusal(ws)).toBe(4403);
    await ws.dispose();
  });

  it('with a wrong token in connection_init token: closed with 4403', async () => {
    for (const token of [WRONG, TOKEN_A.slice(0, -1)]) {
      const ws = connectWs(app.url, { connectionParams: { token } });
      expect(await refusal(ws)).toBe(4403);
      await ws.dispose();
    }
  });

  it('with a wrong token on the upgrade request: closed with 4403', async () => {
    const ws = connectWs(app.url, { headers: bearer(WRONG) });
    expect(await refusal(ws)).toBe(4403);
    await ws.dispose();
  });

  it('connection_init wins over the upgrade header', async () => {
    const ws = connectWs(app.url, { headers: bearer(TOKEN_A), connectionParams: { authorization: `Bearer ${WRONG}` } });
    expect(await refusal(ws)).toBe(4403);
    await ws.dispose();
  });

  it.each([
    ['connection_init authorization', { connectionParams: { authorization: `Bearer ${TOKEN_A}` } }],
    ['connection_init Authorization', { connectionParams: { Authorization: `Bearer ${TOKEN_B}` } }],
    ['connection_init token', { connectionParams: { token: TOKEN_A } }],
    ['upgrade header', { headers: bearer(TOKEN_B) }],
  ])('with the token (%s): queries and subscriptions run', async (_how, options) => {
    const ws = connectWs(app.url, options);
    await ws.connected;
    const query = await runWs<{ projection: { ready: boolean } }>(ws.client, QUERY.query);
    expect(query.results[0]!.data!.projection.ready).toBe(true);
    const sub = await runWs<{ cells: { kind: string } }>(ws.client, SUBSCRIPTION.query, undefined, 1);
    expect(sub.results[0]!.data!.cells.kind).toBe('SYNCED');
    await ws.dispose();
  });
});

describe('binding without a token', () => {
  it('is allowed on loopback', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.0.0.2'])
      expect(() => loadConfig({ CELLGRAPH_HOST: host })).not.toThrow();
  });

  it('is refused elsewhere with a message that says what to do', () => {
    expect(() => loadConfig({ CELLGRAPH_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => loadConfig({ CELLGRAPH_HOST: '0.0.0.0' })).toThrow(/CELLGRAPH_TOKEN.*CELLGRAPH_ALLOW_OPEN=true/s);
  });

  it('is allowed elsewhere when asked for, or with a token', () => {
    expect(loadConfig({ CELLGRAPH_HOST: '0.0.0.0', CELLGRAPH_ALLOW_OPEN: 'true' }).CELLGRAPH_TOKEN).toBeUndefined();
    expect(loadConfig({ CELLGRAPH_HOST: '0.0.0.0', CELLGRAPH_TOKEN: `${TOKEN_A},${TOKEN_B}` }).CELLGRAPH_TOKEN).toEqual(
      [TOKEN_A, TOKEN_B],
    );
  });

  it('refuses tokens too short to be secrets', () => {
    expect(() => loadConfig({ CELLGRAPH_TOKEN: 'short' })).toThrow(/at least 16 characters/);
  });
});
