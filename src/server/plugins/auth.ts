import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { CloseCode } from 'graphql-ws';
import type { Plugin } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../schema/errors.js';
import type { Metrics } from '../metrics.js';

export type AuthResult = 'ok' | 'missing' | 'invalid';

const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Bearer tokens compared in constant time: both sides are hashed first so
 * the comparison sees equal lengths and leaks neither a prefix nor the
 * token's length, and every configured token is compared (no early exit).
 */
export class TokenCheck {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  matches(token: string): boolean {
    const candidate = digest(token);
    let ok = false;
    for (const expected of this.digests) ok = timingSafeEqual(candidate, expected) || ok;
    return ok;
  }

  /** Checks an `Authorization` header value. */
  header(value: unknown): AuthResult {
    if (value === undefined || value === null || value === '') return 'missing';
    if (typeof value !== 'string') return 'invalid';
    const match = BEARER.exec(value);
    return match && this.matches(match[1]!) ? 'ok' : 'invalid';
  }
}

const unauthenticatedBody = (result: AuthResult) =>
  JSON.stringify({
    errors: [
      {
        message:
          result === 'missing'
            ? 'Authentication required: send Authorization: Bearer <token>.'
            : 'Invalid bearer token.',
        extensions: { code: ErrorCode.UNAUTHENTICATED },
      },
    ],
  });

/**
 * Every HTTP route needs the token except the probes (`publicPaths`), which
 * orchestrators call without credentials. CORS preflights (useOriginPolicy) and the
 * GraphiQL page are answered before this runs: neither carries data, and a
 * browser cannot attach a bearer token to either; GraphiQL's own requests
 * carry the token from its headers editor.
 */
export function useBearerAuth(options: {
  check: TokenCheck;
  publicPaths: readonly string[];
  metrics: Metrics;
}): Plugin {
  const publicPaths = new Set(options.publicPaths);
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (publicPaths.has(url.pathname)) return;
      const result = options.check.header(request.headers.get('authorization'));
      if (result === 'ok') return;
      const sse = request.headers.get('accept')?.includes('text/event-stream') ?? false;
      options.metrics.authFailures.inc({ transport: sse ? 'sse' : 'http' });
      endResponse(
        new fetchAPI.Response(unauthenticatedBody(result), {
          status: 401,
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'www-authenticate':
              result === 'missing' ? 'Bearer realm="cellgraph"' : 'Bearer realm="cellgraph", error="invalid_token"',
          },
        }),
      );
    },
  };
}

interface WsConnectContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { socket: WebSocket; request: IncomingMessage };
}

/**
 * graphql-ws `onConnect`: the token travels in the `connection_init` payload
 * (`{ authorization: "Bearer …" }`, as browsers cannot set headers on a
 * WebSocket), or else in the upgrade request's Authorization header.
 * Missing closes with 4401 Unauthorized, wrong with 4403 Forbidden, the
 * close codes graphql-ws defines for these.
 */
export function wsAuthorizer(check: TokenCheck, metrics: Metrics): (ctx: WsConnectContext) => boolean {
  return (ctx) => {
    const params = ctx.connectionParams ?? {};
    const fromParams = params['authorization'] ?? params['Authorization'];
    const result =
      fromParams !== undefined
        ? check.header(fromParams)
        : typeof params['token'] === 'string'
          ? check.matches(params['token'])
            ? 'ok'
            : 'invalid'
          : check.header(ctx.extra.request.headers.authorization);
    if (result === 'ok') return true;
    metrics.authFailures.inc({ transport: 'ws' });
    if (result === 'missing') ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
    // graphql-ws closes with 4403 on false; after the 4401 above that second close is a no-op.
    return false;
  };
}
