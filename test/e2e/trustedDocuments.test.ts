// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL answers of many shapes, read loosely; the assertions check them.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CellChangesDocument, CellCountsDocument } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitCursor } from '../support/cellgraph.js';
import { sign } from '../support/jwt.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { readSseUntil } from '../support/sse.js';
import { connectWs, runWs } from '../support/ws.js';

// The manifest is the one codegen writes for test/operations (client preset, persistedDocuments): hash -> text.
const MANIFEST = 'test/generated/persisted-documents.json';
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
const hashOf = (document: unknown) => (document as { __meta__: { hash: string } }).__meta__.hash;
const COUNTS_HASH = hashOf(CellCountsDocument);
const COUNTS_TEXT = manifest[COUNTS_HASH]!;
const CHANGES_HASH = hashOf(CellChangesDocument);
const CHANGES_TEXT = manifest[CHANGES_HASH]!;
/** An operation in no manifest: what a stolen tenant token would run. */
const UNLISTED = '{ cellCounts { total } }';
const UNLISTED_SUB = 'subscription { cells(include: SNAPSHOT) { kind id } }';
const persisted = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

const SECRET = 'trusted-documents-secret-of-32-chars-or-more';
const STATIC = 'static-admin-token-trusted-docs';
const ACME_CELLS = ['acme-1', 'acme-2', 'acme-3'];

const nats = useNats();
let bypassing: TestCellgraph;
let strict: TestCellgraph;
let lastSeq: number;
let tenant: string;
let adminJwt: string;

beforeAll(async () => {
  const auth = { CELLGRAPH_JWT_SECRET: SECRET, CELLGRAPH_TOKEN: STATIC, CELLGRAPH_TRUSTED_DOCUMENTS: MANIFEST };
  [bypassing, strict] = await Promise.all([
    startTestCellgraph(nats.url, { ...auth, CELLGRAPH_TRUSTED_DOCUMENTS_ADMIN_BYPASS: 'true' }),
    startTestCellgraph(nats.url, auth),
  ]);
  const seqs = await publishAll(nats.url, [
    ...ACME_CELLS.map((cellId) => cloudEvent('cell.lifecycle.v1.started', { cellId, specId: 's', tenantId: 'acme' })),
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'globex-1', specId: 's', tenantId: 'globex' }),
  ]);
  lastSeq = seqs.at(-1)!;
  await Promise.all([waitCursor(bypassing, lastSeq), waitCursor(strict, lastSeq)]);
  tenant = await sign({ secret: SECRET }, { tenant: 'acme' });
  adminJwt = await sign({ secret: SECRET }, { scope: 'cellgraph:admin' });
});
afterAll(async () => {
  await Promise.all([bypassing, strict].map((app) => app?.stop()));
});

async function post(app: TestCellgraph, token: string, body: Record<string, unknown>) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] };
  return { status: response.status, data: json.data, codes: (json.errors ?? []).map((e) => e.extensions.code) };
}

describe('HTTP', () => {
  it('runs a listed document by its hash: with the sha256: prefix the manifest has, and as APQ sends it (bare hex)', async () => {
    for (const hash of [COUNTS_HASH, COUNTS_HASH.replace(/^sha256:/, '')]) {
      const { status, data, codes } = await post(bypassing, tenant, { extensions: persisted(hash) });
      expect(codes).toEqual([]);
      expect(status).toBe(200);
      // The tenant's own count: the listed document ran with the caller's visibility.
      expect(data.cellCounts).toMatchObject({ total: ACME_CELLS.length, seq: lastSeq });
    }
  });

  it('runs a listed document by hash over GET (extensions in the URL, as persisted-query GET clients send it)', async () => {
    const url = new URL(`${bypassing.url}/graphql`);
    url.searchParams.set('extensions', JSON.stringify(persisted(COUNTS_HASH)));
    url.searchParams.set('variables', JSON.stringify({ filter: { state: 'RUNNING' } }));
    const response = await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${tenant}` } });
    const body = (await response.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.cellCounts.running).toBe(ACME_CELLS.length);
  });

  it('runs a listed document sent by its exact text', async () => {
    const { data, codes } = await post(strict, tenant, { query: COUNTS_TEXT });
    expect(codes).toEqual([]);
    expect(data.cellCounts.total).toBe(ACME_CELLS.length);
  });

  it('refuses any other text with 403 OPERATION_NOT_TRUSTED, the same operation printed differently included', async () => {
    for (const query of [UNLISTED, print(CellCountsDocument)]) {
      const { status, data, codes } = await post(bypassing, tenant, { query });
      expect({ status, data, codes }).toEqual({ status: 403, data: undefined, codes: ['OPERATION_NOT_TRUSTED'] });
    }
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, and a listed hash cannot carry an unlisted text in', async () => {
    const unknown = await post(bypassing, tenant, { extensions: persisted('sha256:'.padEnd(71, '0')) });
    expect(unknown.codes).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(unknown.data).toBeUndefined();
    const smuggled = await post(bypassing, tenant, { query: UNLISTED, extensions: persisted(COUNTS_HASH) });
    expect(smuggled.codes).toEqual(['OPERATION_NOT_TRUSTED']);
  });

  it('admin bypass: an admin credential runs unlisted operations when it is on, and is refused like anyone when off', async () => {
    for (const token of [STATIC, adminJwt]) {
      const allowed = await post(bypassing, token, { query: UNLISTED });
      expect(allowed.codes).toEqual([]);
      expect(allowed.data.cellCounts.total).toBe(ACME_CELLS.length + 1);
      const refused = await post(strict, token, { query: UNLISTED });
      expect(refused.codes).toEqual(['OPERATION_NOT_TRUSTED']);
    }
  });
});

describe('SSE', () => {
  async function sse(app: TestCellgraph, token: string, body: Record<string, unknown>, marker: string) {
    const controller = new AbortController();
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    return readSseUntil(response, marker, controller);
  }

  it("subscribes by hash and by exact text: the tenant's snapshot, then SYNCED", async () => {
    for (const body of [{ extensions: persisted(CHANGES_HASH) }, { query: CHANGES_TEXT }]) {
      const text = await sse(bypassing, tenant, { ...body, variables: { include: 'SNAPSHOT' } }, 'SYNCED');
      expect([...new Set(text.match(/(acme|globex)-\d/g))].sort()).toEqual(ACME_CELLS);
    }
  });

  it('refuses an unlisted subscription with OPERATION_NOT_TRUSTED, and an unknown hash with PERSISTED_QUERY_NOT_FOUND', async () => {
    expect(await sse(bypassing, tenant, { query: UNLISTED_SUB }, 'OPERATION_NOT_TRUSTED')).not.toContain('"kind"');
    expect(
      await sse(bypassing, tenant, { extensions: persisted('0'.repeat(64)) }, 'PERSISTED_QUERY_NOT_FOUND'),
    ).toContain('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('WebSocket (graphql-ws)', () => {
  async function socket(app: TestCellgraph, token: string) {
    const ws = connectWs(app.url, { connectionParams: { authorization: `Bearer ${token}` } });
    await ws.connected;
    return ws;
  }
  const codesOf = (error: unknown) => (error as { extensions?: { code?: string } }[]).map((e) => e.extensions?.code);

  it('runs listed documents by hash (query left empty) and by exact text', async () => {
    const ws = await socket(bypassing, tenant);
    try {
      const byHash = await runWs<any>(ws.client, { query: '', extensions: persisted(COUNTS_HASH) }, undefined, 1);
      expect(byHash.error).toBeUndefined();
      expect(byHash.results[0]!.data.cellCounts.total).toBe(ACME_CELLS.length);
      const byText = await runWs<any>(ws.client, COUNTS_TEXT, undefined, 1);
      expect(byText.results[0]!.data.cellCounts.total).toBe(ACME_CELLS.length);
      // A subscription by hash: its snapshot is the tenant's cells, ended by SYNCED.
      const ids: string[] = [];
      const sub = await runWs<any>(
        ws.client,
        { query: '', extensions: persisted(CHANGES_HASH) },
        { include: 'SNAPSHOT' },
        ACME_CELLS.length + 1,
        (result) => {
          if (result.data?.cells.kind === 'ADDED') ids.push(result.data.cells.id);
        },
      );
      expect(sub.error).toBeUndefined();
      expect(sub.results.at(-1)!.data.cells.kind).toBe('SYNCED');
      expect(ids.sort()).toEqual(ACME_CELLS);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses an unlisted text and an unknown hash with their codes, the socket staying open', async () => {
    const ws = await socket(bypassing, tenant);
    try {
      const unlisted = await runWs(ws.client, UNLISTED_SUB);
      expect(codesOf(unlisted.error)).toEqual(['OPERATION_NOT_TRUSTED']);
      expect(unlisted.results).toEqual([]);
      const unknown = await runWs(ws.client, { query: '', extensions: persisted('f'.repeat(64)) });
      expect(codesOf(unknown.error)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
      const listed = await runWs<any>(ws.client, COUNTS_TEXT, undefined, 1);
      expect(listed.results[0]!.data.cellCounts.total).toBe(ACME_CELLS.length);
    } finally {
      await ws.dispose();
    }
  });

  it('admin bypass over WebSocket: on, the static token runs an unlisted operation; off, it is refused', async () => {
    const open = await socket(bypassing, STATIC);
    const closed = await socket(strict, STATIC);
    try {
      const allowed = await runWs<any>(open.client, UNLISTED, undefined, 1);
      expect(allowed.results[0]!.data.cellCounts.total).toBe(ACME_CELLS.length + 1);
      expect(codesOf((await runWs(closed.client, UNLISTED)).error)).toEqual(['OPERATION_NOT_TRUSTED']);
    } finally {
      await Promise.all([open.dispose(), closed.dispose()]);
    }
  });
});

describe('configuration', () => {
  it('a manifest that is not hash -> document stops the start, naming the variable', async () => {
    const bad = path.join(os.tmpdir(), `cellgraph-trusted-${process.pid}.json`);
    writeFileSync(bad, JSON.stringify({ 'sha256:00': '{ not graphql' }));
    await expect(startTestCellgraph(nats.url, { CELLGRAPH_TRUSTED_DOCUMENTS: bad })).rejects.toThrow(
      /CELLGRAPH_TRUSTED_DOCUMENTS: .* does not parse/,
    );
  });
});
