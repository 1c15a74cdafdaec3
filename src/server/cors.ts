// Which browser origins may use the API: CORS headers for HTTP/SSE, and the same rule for WebSocket upgrades.
import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';

/**
 * The allowed origins, from CELLGRAPH_CORS_ORIGINS. Empty (the default): no
 * CORS headers at all, so only same-origin pages (GraphiQL served here) can
 * read answers. An origin is echoed back only when it is on the list, never
 * reflected; `*` answers a literal `*`, and credentials (cookies) are never
 * allowed: cellgraph authenticates with bearer headers, which need none.
 */
export class OriginPolicy {
  private readonly origins: ReadonlySet<string>;
  private readonly anyOrigin: boolean;

  constructor(origins: readonly string[]) {
    this.origins = new Set(origins);
    this.anyOrigin = this.origins.has('*');
  }

  get listsAny(): boolean {
    return this.origins.size > 0;
  }

  allows(origin: string): boolean {
    return this.anyOrigin || this.origins.has(origin);
  }

  /** The CORS headers for a request: none unless its Origin is listed. */
  headersFor(origin: string | null): Record<string, string> | null {
    if (origin === null || !this.allows(origin)) return null;
    return {
      'access-control-allow-origin': this.anyOrigin ? '*' : origin,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, accept, x-graphql-yoga-csrf',
      'access-control-max-age': '600',
    };
  }

  /**
   * Browsers send Origin on a WebSocket upgrade and apply no CORS to it, so a
   * page elsewhere could otherwise open a socket to a loopback cellgraph.
   * Accepted: no Origin (not a browser), the server's own origin, or a listed one.
   */
  allowsUpgrade(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (this.allows(origin)) return true;
    const host = request.headers.host;
    if (!host) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false;
    }
  }
}

/**
 * CORS from the policy, in place of yoga's (which reflects any origin when
 * told `*`). Preflights are answered here, before authentication: a browser
 * never attaches credentials to one, and it carries no data.
 */
export function useOriginPolicy(policy: OriginPolicy): Plugin {
  return {
    onRequest({ request, fetchAPI, endResponse }) {
      if (request.method !== 'OPTIONS') return;
      // content-length 0: Safari waits for a body on a 204 otherwise.
      endResponse(new fetchAPI.Response(null, { status: 204, headers: { 'content-length': '0' } }));
    },
    onResponse({ request, response }) {
      const headers = policy.headersFor(request.headers.get('origin'));
      // Answers differ by Origin whenever any origin is listed: caches must key on it.
      if (policy.listsAny) response.headers.append('vary', 'Origin');
      if (headers) for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    },
  };
}
