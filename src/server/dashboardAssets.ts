import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { acceptedCodings } from './plugins/compression.js';

/**
 * The built-in dashboard (dashboard/, built by Vite into dist/dashboard),
 * held in memory and compressed once at start: each request is a lookup and
 * a write. Hashed files under /assets/ never change, so browsers keep them a
 * year (`immutable`); index.html is revalidated every time (`no-cache` with
 * an ETag, answered 304), so a new build shows on the next load.
 * The page holds no data and loads without a token, like GraphiQL; the data
 * comes from /graphql, which asks for one.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
};
/** Formats that gain from compression; images are already compressed. */
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.map']);

/** The page may talk to its own origin only (fetch and WebSocket), and may not be framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

interface Asset {
  type: string;
  cacheControl: string;
  /** One body per content coding; identity always present. */
  bodies: { identity: Buffer; br?: Buffer; gzip?: Buffer };
  etag: string;
}

type Coding = 'br' | 'gzip' | 'identity';

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>cellgraph: dashboard not built</title></head><body style="font-family:system-ui;max-width:40rem;margin:3rem auto">
<h1>The dashboard is not built</h1>
<p>This cellgraph runs from a checkout without <code>dist/dashboard</code>. Build it with
<code>npm run build:dashboard</code> (<code>npm start</code> does this by itself) and reload.</p>
<p>The API works meanwhile: <a href="graphql">GraphiQL at /graphql</a>.</p></body></html>`;

export const DEFAULT_DASHBOARD_DIR = path.resolve(import.meta.dirname, '../../dist/dashboard');

function listFiles(dir: string, prefix = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) files.push(...listFiles(path.join(dir, entry.name), relative));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

/** The client's preferred coding we have: br over gzip over identity; `q=0` refuses one. */
export function chooseCoding(acceptEncoding: string | undefined, asset: Asset): Coding {
  if (!acceptEncoding) return 'identity';
  const accepted = acceptedCodings(acceptEncoding);
  if (asset.bodies.br && (accepted.has('br') || accepted.has('*'))) return 'br';
  if (asset.bodies.gzip && (accepted.has('gzip') || accepted.has('*'))) return 'gzip';
  return 'identity';
}

const loaded = new Map<string, DashboardAssets>();

export class DashboardAssets {
  private constructor(
    private readonly assets: ReadonlyMap<string, Asset>,
    /** Where it was loaded from; undefined: not built. */
    readonly dir: string | undefined,
  ) {}

  /**
   * Reads and compresses every file of a built dashboard (brotli at its best
   * level: a third of a second, once per process and directory, so replicas
   * and tests started in one process share it); a missing build gives the
   * "not built" page and is looked for again on the next load.
   */
  static load(dir: string = DEFAULT_DASHBOARD_DIR): DashboardAssets {
    const cached = loaded.get(dir);
    if (cached) return cached;
    const assets = DashboardAssets.read(dir);
    if (assets.built) loaded.set(dir, assets);
    return assets;
  }

  private static read(dir: string): DashboardAssets {
    if (!existsSync(path.join(dir, 'index.html'))) {
      const page = DashboardAssets.asset('.html', Buffer.from(NOT_BUILT), 'no-cache');
      return new DashboardAssets(new Map([['/', page]]), undefined);
    }
    const assets = new Map<string, Asset>();
    for (const file of listFiles(dir)) {
      const ext = path.extname(file);
      const hashed = file.startsWith('/assets/');
      const cacheControl = hashed ? 'public, max-age=31536000, immutable' : 'no-cache';
      assets.set(file, DashboardAssets.asset(ext, readFileSync(path.join(dir, file)), cacheControl));
    }
    assets.set('/', assets.get('/index.html')!);
    return new DashboardAssets(assets, dir);
  }

  private static asset(ext: string, identity: Buffer, cacheControl: string): Asset {
    const compress = COMPRESSIBLE.has(ext) && identity.length > 256;
    const bodies: Asset['bodies'] = { identity };
    if (compress) {
      bodies.br = brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
      bodies.gzip = gzipSync(identity, { level: 9 });
    }
    const etag = createHash('sha256').update(identity).digest('base64url').slice(0, 22);
    return { type: TYPES[ext] ?? 'application/octet-stream', cacheControl, bodies, etag };
  }

  get built(): boolean {
    return this.dir !== undefined;
  }

  /** The dashboard's paths: `/`, `/index.html` and its hashed `/assets/…`; everything else is the API's. */
  handles(pathname: string): boolean {
    return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/');
  }

  serve(request: IncomingMessage, response: ServerResponse, pathname: string): void {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const asset = this.assets.get(pathname);
    if (!asset) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const coding = chooseCoding(request.headers['accept-encoding'], asset);
    const body = asset.bodies[coding]!;
    // One ETag per representation: a cache must not answer a gzip request with a brotli body.
    const etag = `"${asset.etag}${coding === 'identity' ? '' : `-${coding}`}"`;
    const headers: Record<string, string | number> = {
      'content-type': asset.type,
      'cache-control': asset.cacheControl,
      etag,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    if (asset.type.startsWith('text/html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      response.writeHead(304, headers).end();
      return;
    }
    if (coding !== 'identity') headers['content-encoding'] = coding;
    headers['content-length'] = body.length;
    response.writeHead(this.built || pathname !== '/' ? 200 : 503, headers);
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}
