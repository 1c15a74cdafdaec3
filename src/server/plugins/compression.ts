import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export type Coding = 'br' | 'gzip' | 'identity';

/** The codings an Accept-Encoding header lists, lower-cased; one with `q=0` is refused, so left out. */
export function acceptedCodings(acceptEncoding: string): Set<string> {
  const accepted = new Set<string>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    if (name && !(q && Number(q.slice(2)) === 0)) accepted.add(name);
  }
  return accepted;
}

/** The client's preferred coding among br, gzip and identity; `q=0` refuses one. */
export function preferredCoding(acceptEncoding: string | null | undefined): Coding {
  if (!acceptEncoding) return 'identity';
  const accepted = acceptedCodings(acceptEncoding);
  if (accepted.has('br') || accepted.has('*')) return 'br';
  if (accepted.has('gzip')) return 'gzip';
  return 'identity';
}

/** A view Response's BodyInit type accepts (zlib's Buffers are typed over ArrayBufferLike). */
const asBody = (bytes: Uint8Array): Uint8Array<ArrayBuffer> =>
  new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);

/** Below this, a compressed body saves less than its headers and CPU cost. */
const MIN_BYTES = 1024;
/** Answers worth compressing: GraphQL results and the GraphiQL page. Never an SSE or multipart stream. */
const COMPRESSIBLE = /^(application\/(graphql-response\+)?json|text\/html)\b/;

const dynamicBrotli = (size: number) => ({
  params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: size },
});

interface Page {
  etag: string;
  /** Filled in once compressed, in the background (zlib's thread pool): until then the page goes out as is. */
  br?: Uint8Array;
  gzip?: Uint8Array;
}

/**
 * gzip or brotli for whole answers, chosen by Accept-Encoding (node:zlib, no
 * dependency). whatwg-node's own useContentEncoding compresses every body,
 * SSE streams included (which then stall in the compressor's buffer), has no
 * brotli on Node 20 and ignores q=0, hence this one.
 *
 * Results are compressed per request at a fast level (brotli 4: close to
 * gzip's speed, smaller). HTML is the GraphiQL page, the same 9 MB for every
 * visitor: it is compressed once (brotli 5: 1.9 MB in ~2 s of CPU; 9 and up
 * save 5% more for 5-10 times the CPU), kept by content hash, and
 * revalidated with an ETag (`no-cache`, answered 304). The first request
 * starts the compression and gets the page uncompressed rather than wait.
 */
export function useCompression(): Plugin {
  const pages = new Map<string, Page>();
  const pageOf = (html: Uint8Array): Page => {
    const etag = `"${createHash('sha256').update(html).digest('base64url').slice(0, 27)}"`;
    let page = pages.get(etag);
    if (!page) {
      const created: Page = { etag };
      page = created;
      // Only a handful of pages exist (GraphiQL with or without a token): no eviction needed.
      pages.set(etag, created);
      void brotli(html, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: html.length },
      }).then((br) => {
        created.br = br;
      });
      void gzipAsync(html, { level: 6 }).then((gz) => {
        created.gzip = gz;
      });
    }
    return page;
  };
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const type = response.headers.get('content-type') ?? '';
      if (!response.body || response.headers.has('content-encoding') || !COMPRESSIBLE.test(type)) return;
      const html = type.startsWith('text/html') && response.status === 200;
      const coding = preferredCoding(request.headers.get('accept-encoding'));
      const length = Number(response.headers.get('content-length') ?? Number.NaN);
      if (!html && (coding === 'identity' || length < MIN_BYTES)) return;
      const headers = new fetchAPI.Headers(response.headers);
      headers.append('vary', 'Accept-Encoding');
      const body = new Uint8Array(await response.arrayBuffer());
      let out: Uint8Array;
      if (html) {
        const page = pageOf(body);
        headers.set('etag', page.etag);
        headers.set('cache-control', 'no-cache');
        if (request.headers.get('if-none-match') === page.etag) {
          for (const name of ['content-type', 'content-length']) headers.delete(name);
          setResponse(new fetchAPI.Response(null, { status: 304, headers }));
          return;
        }
        out = (coding !== 'identity' && page[coding]) || body;
      } else if (body.length < MIN_BYTES) {
        out = body;
      } else {
        out = coding === 'br' ? await brotli(body, dynamicBrotli(body.length)) : await gzipAsync(body, { level: 6 });
      }
      if (coding !== 'identity' && out !== body) headers.set('content-encoding', coding);
      headers.set('content-length', String(out.length));
      setResponse(
        new fetchAPI.Response(asBody(out), { status: response.status, statusText: response.statusText, headers }),
      );
    },
  };
}
