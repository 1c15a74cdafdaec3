import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportSPKI } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { jwksServer, type KeyPair, keyPair, sign, unsigned } from '../support/jwt.js';
import { useNats } from '../support/nats.js';
import { connectWs, refusal, runWs } from '../support/ws.js';

const ISSUER = 'https://idp.example';
const AUDIENCE = 'cellgraph';
const SECRET = 'a-development-secret-of-at-least-32-chars';
const STATIC = 'static-admin-token-0123456789';

const nats = useNats({ stream: false });
let idp: Awaited<ReturnType<typeof jwksServer>>;
let k1: KeyPair;
let k2: KeyPair;
let outsider: KeyPair;
let pemKey: KeyPair;
let viaJwks: TestCellgraph;
let viaPem: TestCellgraph;
let viaSecret: TestCellgraph;

beforeAll(async () => {
  [k1, k2, outsider, pemKey] = await Promise.all([
    keyPair('k1'),
    keyPair('k2', 'ES256'),
    keyPair('k1'),
    keyPair('pem', 'RS256'),
  ]);
  idp = await jwksServer([k1]);
  const pemPath = path.join(os.tmpdir(), `cellgraph-jwt-${process.pid}.pem`);
  writeFileSync(pemPath, await exportSPKI(pemKey.publicKey));
  [viaJwks, viaPem, viaSecret] = await Promise.all([
    startTestCellgraph(nats.url, {
      CELLGRAPH_JWT_JWKS_URL: idp.url,
      CELLGRAPH_JWT_ISSUER: ISSUER,
      CELLGRAPH_JWT_AUDIENCE: AUDIENCE,
      CELLGRAPH_JWT_CLOCK_TOLERANCE_S: '1',
    }),
    startTestCellgraph(nats.url, { CELLGRAPH_JWT_PUBLIC_KEY: pemPath }),
    startTestCellgraph(nats.url, { CELLGRAPH_JWT_SECRET: SECRET, CELLGRAPH_TOKEN: STATIC }),
  ]);
});
afterAll(async () => {
  await Promise.all([viaJwks, viaPem, viaSecret].map((app) => app?.stop()));
  await idp?.close();
});

const QUERY = '{ projection { seq } }';
const good = { iss: ISSUER, aud: AUDIENCE, tenant: 'acme' };

async function ask(app: TestCellgraph, token: string | null, pathname = '/graphql') {
  const response = await fetch(`${app.url}${pathname}`, {
    method: pathname === '/graphql' ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(pathname === '/graphql' ? { body: JSON.stringify({ query: QUERY }) } : {}),
  });
  const text = await response.text();
  const body = response.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] })
    : { text };
  return { status: response.status, body, code: 'errors' in body ? body.errors?.[0]?.extensions.code : undefined };
}

describe('JWKS', () => {
  it('accepts a tenant token and an admin-scope token signed by a key of the set', async () => {
    expect((await ask(viaJwks, await sign(k1, good))).status).toBe(200);
    const admin = await sign(k1, { iss: ISSUER, aud: AUDIENCE, scope: 'openid cellgraph:admin' });
    expect((await ask(viaJwks, admin)).status).toBe(200);
    expect((await ask(viaJwks, admin, '/metrics')).status).toBe(200);
  });

  it.each([
    ['another issuer', { ...good, iss: 'https://evil.example' }],
    ['another audience', { ...good, aud: 'someone-else' }],
    ['no issuer or audience', { tenant: 'acme' }],
    ['expired beyond the tolerance', { ...good, exp: Math.floor(Date.now() / 1000) - 5 }],
    ['not yet valid', { ...good, nbf: Math.floor(Date.now() / 1000) + 60 }],
  ])('refuses %s with 401 UNAUTHENTICATED', async (_what, claims) => {
    const answer = await ask(viaJwks, await sign(k1, claims));
    expect(answer.status).toBe(401);
    expect(answer.code).toBe('UNAUTHENTICATED');
  });

  it('refuses alg none, a symmetric algorithm, and a signature by a key outside the set (same kid)', async () => {
    for (const token of [
      unsigned(good),
      await sign({ secret: SECRET }, good, { kid: 'k1' }),
      await sign(outsider, good),
    ]) {
      const answer = await ask(viaJwks, token);
      expect(answer.status).toBe(401);
      expect(answer.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a valid token granting neither a tenant nor the admin scope with 403 FORBIDDEN', async () => {
    for (const claims of [
      { iss: ISSUER, aud: AUDIENCE },
      { iss: ISSUER, aud: AUDIENCE, scope: 'cellgraph:read' },
      { ...good, tenant: [] },
      { ...good, tenant: 42 },
    ]) {
      const answer = await ask(viaJwks, await sign(k1, claims));
      expect(answer.status).toBe(403);
      expect(answer.code).toBe('FORBIDDEN');
    }
  });

  it('a tenant token may not read /metrics', async () => {
    expect((await ask(viaJwks, await sign(k1, good), '/metrics')).status).toBe(403);
  });

  it('follows a key rotation: an unknown kid fetches the set again, known kids use the cache', async () => {
    const token = await sign(k1, good);
    const before = idp.fetches();
    for (let i = 0; i < 5; i++) expect((await ask(viaJwks, token)).status).toBe(200);
    expect(idp.fetches()).toBe(before);
    idp.setKeys([k2]);
    const rotated = await sign(k2, good);
    // Refetches are spaced by a cooldown (2 s) so made-up kids cannot flood the identity provider.
    await waitUntil(async () => (await ask(viaJwks, rotated)).status === 200, 'the rotated key accepted', 10_000);
    expect(idp.fetches()).toBeGreaterThan(before);
  });
});

describe('PEM public key', () => {
  it('accepts a token signed by its private key, without issuer or audience configured', async () => {
    expect((await ask(viaPem, await sign(pemKey, { tenant: 'acme' }))).status).toBe(200);
  });

  it('refuses HS256 "signed" with the public key itself (algorithm confusion), another key, and none', async () => {
    const pem = await exportSPKI(pemKey.publicKey);
    for (const token of [
      await sign({ secret: pem }, { tenant: 'acme' }),
      await sign(outsider, { tenant: 'acme' }),
      unsigned({ tenant: 'acme' }),
    ]) {
      expect((await ask(viaPem, token)).status).toBe(401);
    }
  });
});

describe('HS256 secret and the static token', () => {
  it('accepts HS256 with the secret, refuses another secret', async () => {
    expect((await ask(viaSecret, await sign({ secret: SECRET }, { tenant: 'acme' }))).status).toBe(200);
    const other = await sign({ secret: `${SECRET}-other` }, { tenant: 'acme' });
    expect((await ask(viaSecret, other)).status).toBe(401);
  });

  it('the static token is admin: /metrics opens with it', async () => {
    expect((await ask(viaSecret, STATIC, '/metrics')).status).toBe(200);
    expect((await ask(viaSecret, null)).status).toBe(401);
  });

  it('over WebSocket: connection_init carries the JWT; a token granting nothing closes with 4403', async () => {
    const token = await sign({ secret: SECRET }, { tenant: 'acme' });
    const ws = connectWs(viaSecret.url, { connectionParams: { authorization: `Bearer ${token}` } });
    await ws.connected;
    const { results } = await runWs<{ projection: { seq: number } }>(ws.client, QUERY);
    expect(results[0]!.data!.projection.seq).toBeGreaterThanOrEqual(0);
    await ws.dispose();
    const none = connectWs(viaSecret.url, {
      connectionParams: { authorization: `Bearer ${await sign({ secret: SECRET }, { sub: 'x' })}` },
    });
    expect(await refusal(none)).toBe(4403);
    await none.dispose();
  });
});

describe('a subscription ends when its token expires', () => {
  const SUBSCRIPTION = 'subscription { cells(include: SNAPSHOT) { kind seq } }';
  const soon = () => Math.floor(Date.now() / 1000) + 2;

  it('WebSocket: the socket closes with 4403', async () => {
    const token = await sign({ secret: SECRET }, { tenant: 'acme', exp: soon() });
    const ws = connectWs(viaSecret.url, { connectionParams: { authorization: `Bearer ${token}` } });
    await ws.connected;
    const run = runWs<{ cells: { kind: string } }>(ws.client, SUBSCRIPTION);
    const started = Date.now();
    expect(await ws.closed).toBe(4403);
    // exp (whole seconds) plus the default 5 s tolerance at most.
    expect(Date.now() - started).toBeLessThan(9_000);
    const { results } = await run;
    expect(results[0]!.data!.cells.kind).toBe('SYNCED');
    await ws.dispose();
  });

  it('SSE: a final UNAUTHENTICATED error, then the stream completes', async () => {
    const token = await sign({ secret: SECRET }, { tenant: 'acme', exp: soon() });
    const response = await fetch(`${viaSecret.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: SUBSCRIPTION }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const nexts = [...text.matchAll(/event: next\ndata: (.*)/g)].map((m) => JSON.parse(m[1]!));
    expect(nexts[0].data.cells.kind).toBe('SYNCED');
    expect(nexts.at(-1).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(text).toMatch(/event: complete/);
  });
});

describe('configuration', () => {
  it('takes one key source only, and counts a JWT key as authentication for non-loopback hosts', () => {
    expect(() =>
      loadConfig({ CELLGRAPH_JWT_SECRET: SECRET, CELLGRAPH_JWT_JWKS_URL: 'https://idp.example/jwks' }),
    ).toThrow(ConfigError);
    expect(() => loadConfig({ CELLGRAPH_HOST: '0.0.0.0', CELLGRAPH_JWT_SECRET: SECRET })).not.toThrow();
  });
});
