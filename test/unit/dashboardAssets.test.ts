import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardAssets } from '../../src/server/dashboardAssets.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw GET (node:http, so the test chooses accept-encoding and sees the bytes as sent). */
function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { headers, method }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    request.on('error', reject);
    request.end();
  });
}

/** Serves `assets` the way httpServer.ts does: the dashboard's paths, 418 for anything else (the API's). */
async function serve(assets: DashboardAssets): Promise<{ url: string; close(): void }> {
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?', 1)[0]!;
    if (assets.handles(pathname)) return assets.serve(request, response, pathname);
    response.writeHead(418).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('dashboard assets', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cellgraph-dashboard-'));
  const script = `console.log(${JSON.stringify('cellgraph '.repeat(200))});\n`;
  const html = `<!doctype html><html><head><script type="module" src="./assets/index-abc123.js"></script></head><body>${'<p>x</p>'.repeat(50)}</body></html>`;
  let server: { url: string; close(): void };

  beforeAll(async () => {
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), html);
    writeFileSync(path.join(dir, 'assets/index-abc123.js'), script);
    server = await serve(DashboardAssets.load(dir));
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with no-cache, a CSP, and the identity body when no coding is accepted', async () => {
    const answer = await get(`${server.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.body.toString()).toBe(html);
  });

  it('answers brotli or gzip as the browser asks, each with its own ETag, and 304 to a matching If-None-Match', async () => {
    const br = await get(`${server.url}/assets/index-abc123.js`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(script);
    expect(br.body.length).toBeLessThan(script.length / 4);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers['vary']).toBe('Accept-Encoding');

    const gzip = await get(`${server.url}/assets/index-abc123.js`, { 'accept-encoding': 'gzip, br;q=0' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(script);
    expect(gzip.headers['etag']).not.toBe(br.headers['etag']);

    const again = await get(`${server.url}/assets/index-abc123.js`, {
      'accept-encoding': 'gzip, deflate, br',
      'if-none-match': br.headers['etag']!,
    });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const otherCoding = await get(`${server.url}/assets/index-abc123.js`, {
      'accept-encoding': 'gzip',
      'if-none-match': br.headers['etag']!,
    });
    expect(otherCoding.status).toBe(200);
  });

  it('HEAD has the headers without a body; other methods get 405; unknown assets 404; other paths are not its', async () => {
    const head = await get(`${server.url}/index.html`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(html));
    expect(head.body.length).toBe(0);
    expect((await get(`${server.url}/`, {}, 'POST')).status).toBe(405);
    expect((await get(`${server.url}/assets/nope.js`)).status).toBe(404);
    expect((await get(`${server.url}/graphql`)).status).toBe(418);
  });

  it('without a build, / explains how to build it (503) instead of a blank page', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'cellgraph-no-dashboard-'));
    const unbuilt = await serve(DashboardAssets.load(empty));
    try {
      const answer = await get(`${unbuilt.url}/`);
      expect(answer.status).toBe(503);
      expect(answer.body.toString()).toContain('npm run build:dashboard');
      expect((await get(`${unbuilt.url}/assets/index-abc123.js`)).status).toBe(404);
    } finally {
      unbuilt.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
