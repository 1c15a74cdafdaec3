import type { IncomingMessage } from 'node:http';
import { CloseCode } from 'graphql-ws';
import type { Plugin } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../schema/errors.js';
import type { Authenticator, AuthOutcome, Caller } from '../auth/authenticator.js';
import type { Metrics } from '../metrics.js';

type Refusal = Extract<AuthOutcome, { ok: false }>;

const refusalBody = (refusal: Refusal) =>
  JSON.stringify({
    errors: [
      {
        message: refusal.message,
        extensions: { code: refusal.reason === 'forbidden' ? ErrorCode.FORBIDDEN : ErrorCode.UNAUTHENTICATED },
      },
    ],
  });

const wwwAuthenticate = (refusal: Refusal) =>
  refusal.reason === 'missing'
    ? 'Bearer realm="cellgraph"'
    : `Bearer realm="cellgraph", error="${refusal.reason === 'forbidden' ? 'insufficient_scope' : 'invalid_token'}"`;

/**
 * Every HTTP route needs a credential except the probes (`publicPaths`),
 * which orchestrators call without one. CORS preflights (useOriginPolicy) and
 * the GraphiQL page are answered before this runs: neither carries data, and
 * a browser cannot attach a bearer token to either; GraphiQL's own requests
 * carry the token from its headers editor. The caller found is remembered
 * for the request (`callers`), where the context factory reads it.
 */
export function useBearerAuth(options: {
  authenticator: Authenticator;
  callers: WeakMap<Request, Caller>;
  publicPaths: readonly string[];
  /** Paths only an admin may read (/metrics: its labels and counts span every tenant). */
  adminPaths: readonly string[];
  metrics: Metrics;
}): Plugin {
  const publicPaths = new Set(options.publicPaths);
  const adminPaths = new Set(options.adminPaths);
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (publicPaths.has(url.pathname)) return;
      let outcome = await options.authenticator.header(request.headers.get('authorization'));
      if (outcome.ok && adminPaths.has(url.pathname) && !outcome.caller.visibility.all)
        outcome = { ok: false, reason: 'forbidden', message: 'This path needs an admin credential.' };
      if (outcome.ok) {
        options.callers.set(request, outcome.caller);
        return;
      }
      const sse = request.headers.get('accept')?.includes('text/event-stream') ?? false;
      options.metrics.authFailures.inc({ transport: sse ? 'sse' : 'http' });
      endResponse(
        new fetchAPI.Response(refusalBody(outcome), {
          status: outcome.reason === 'forbidden' ? 403 : 401,
          headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': wwwAuthenticate(outcome) },
        }),
      );
    },
  };
}

interface WsConnectContext {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { socket: WebSocket; request: IncomingMessage; caller?: Caller };
}

/**
 * graphql-ws `onConnect`: the token travels in the `connection_init` payload
 * (`{ authorization: "Bearer …" }`, as browsers cannot set headers on a
 * WebSocket), or else in the upgrade request's Authorization header.
 * Missing closes with 4401 Unauthorized, wrong or insufficient with 4403
 * Forbidden, the close codes graphql-ws defines for these. The caller is
 * kept on the connection (`extra.caller`); a credential that expires closes
 * the socket with 4403 at that moment, ending its subscriptions.
 */
export function wsAuthorizer(
  authenticator: Authenticator,
  metrics: Metrics,
): (ctx: WsConnectContext) => Promise<boolean> {
  return async (ctx) => {
    const params = ctx.connectionParams ?? {};
    const fromParams = params['authorization'] ?? params['Authorization'];
    const outcome =
      fromParams !== undefined
        ? await authenticator.header(fromParams)
        : typeof params['token'] === 'string'
          ? await authenticator.token(params['token'])
          : await authenticator.header(ctx.extra.request.headers.authorization);
    if (outcome.ok) {
      ctx.extra.caller = outcome.caller;
      closeAtExpiry(ctx.extra.socket, outcome.caller.expiresAt);
      return true;
    }
    metrics.authFailures.inc({ transport: 'ws' });
    if (outcome.reason === 'missing') ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
    // graphql-ws closes with 4403 on false; after the 4401 above that second close is a no-op.
    return false;
  };
}

/** Longest single timer Node keeps (about 24.8 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

function closeAtExpiry(socket: WebSocket, expiresAt: number | null): void {
  if (expiresAt === null) return;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = expiresAt - Date.now();
    if (wait <= 0) return socket.close(CloseCode.Forbidden, 'Token expired');
    timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
  };
  arm();
  socket.once('close', () => clearTimeout(timer));
}
