import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { wsUrl } from '../support/ws.js';

const EVIL = 'https://evil.example';
const DASH = 'https://dash.example';

const nats = useNats({ stream: false });
let closed: TestCellgraph;
let listed: TestCellgraph;
let star: TestCellgraph;

beforeAll(async () => {
  [closed, listed, star] = await Promise.all([
    startTestCellgraph(nats.url),
    startTestCellgraph(nats.url, {
      CELLGRAPH_CORS_ORIGINS: `${DASH}, https://ops.example:8443`,
      CELLGRAPH_TOKEN: 'a-token-of-sixteen-chars',
    }),
    startTestCellgraph(nats.url, { CELLGRAPH_CORS_ORIGINS: '*' }),
  ]);
});
afterAll(() => Promise.all([closed, listed, star].map((app) => app?.stop())));

const post = (app: TestCellgraph, origin: string) =>
  fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ query: '{ projection { seq } }' }),
  });

const preflight = (app: TestCellgraph, origin: string) =>
  fetch(`${app.url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });

/** 'open' once the upgrade succeeded, or the HTTP status it was refused with. */
function upgrade(app: TestCellgraph, origin?: string): Promise<'open' | number> {
  const socket = new WebSocket(wsUrl(app.url), 'graphql-transport-ws', origin ? { origin } : {});
  return new Promise((resolve) => {
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (_req, response) => resolve(response.statusCode ?? 0));
    socket.once('error', () => undefined);
  });
}

describe('CORS (default: same origin only)', () => {
  it('sends no Access-Control-Allow-Origin for another origin, on answers and preflights', async () => {
    const answer = await post(closed, EVIL);
    // The request itself is answered (a browser would withhold the body from the page).
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    const options = await preflight(closed, EVIL);
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
    expect(options.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('refuses a WebSocket upgrade from another origin, accepts its own origin and non-browser clients', async () => {
    expect(await upgrade(closed, EVIL)).toBe(403);
    expect(await upgrade(closed, closed.url)).toBe('open');
    expect(await upgrade(closed)).toBe('open');
  });
});

describe('CORS with CELLGRAPH_CORS_ORIGINS', () => {
  it('echoes a listed origin without credentials, and nothing for another', async () => {
    for (const origin of [DASH, 'https://ops.example:8443']) {
      const answer = await post(listed, origin);
      expect(answer.headers.get('access-control-allow-origin')).toBe(origin);
      expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
      expect(answer.headers.get('vary')).toMatch(/origin/i);
    }
    // A preflight carries no credentials, so it is answered before authentication.
    const options = await preflight(listed, DASH);
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-origin')).toBe(DASH);
    expect(options.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    for (const origin of [EVIL, 'https://ops.example', `${DASH}.evil.example`, 'null']) {
      expect((await post(listed, origin)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight(listed, origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(await upgrade(listed, DASH)).toBe('open');
    expect(await upgrade(listed, EVIL)).toBe(403);
  });

  it('* answers a literal * and never allows credentials', async () => {
    const answer = await post(star, EVIL);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('rejects an origin with a path or garbage at start', () => {
    for (const bad of ['https://dash.example/', 'dash.example', 'https://dash.example/app']) {
      expect(() => loadConfig({ CELLGRAPH_CORS_ORIGINS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ CELLGRAPH_CORS_ORIGINS: bad })).toThrow(/CELLGRAPH_CORS_ORIGINS/);
    }
  });
});
