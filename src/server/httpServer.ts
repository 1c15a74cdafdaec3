import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../util/logger.js';
import type { Authenticator, Caller } from './auth/authenticator.js';
import { OriginPolicy } from './cors.js';
import type { DashboardAssets } from './dashboardAssets.js';
import type { Metrics } from './metrics.js';
import { wsAuthorizer } from './plugins/auth.js';
import { type OperationLog, type OperationOrigin, ORIGIN_KEY, requestIdFrom } from './plugins/operationLog.js';
import { SharedFrames } from './sharedFrames.js';
import type { TrustedDocuments } from './trustedDocuments.js';
import type { CellgraphYoga } from './yoga.js';

export interface HttpServerOptions {
  yoga: CellgraphYoga;
  host: string;
  port: number;
  logger: Logger;
  /** Operation and connection lines (absent: none). */
  operationLog?: OperationLog;
  /** WebSocket ping interval; well under common proxy idle timeouts (60 s). */
  keepAliveMs?: number;
  metrics: Metrics;
  /** Checks the credential of connection_init (or the upgrade header); omitted or not required: open. */
  authenticator?: Authenticator;
  /** Largest WebSocket message; ws closes the socket with 1009 beyond it. */
  wsMaxPayload: number;
  /** graphql-ws closes with 4408 when connection_init does not arrive in time. */
  wsInitTimeoutMs: number;
  /** CELLGRAPH_CORS_ORIGINS: the pages elsewhere allowed to open a WebSocket (default: same origin only). */
  corsOrigins?: readonly string[];
  /** Put internal error messages in WebSocket close reasons (development only). */
  exposeErrors?: boolean;
  /** The built-in dashboard at `/`; without it, `/` is the API's (404). */
  dashboard?: DashboardAssets;
  /** CELLGRAPH_TRUSTED_DOCUMENTS: the same allow-list yoga applies to HTTP and SSE. */
  trustedDocuments?: TrustedDocuments;
}

export interface RunningHttpServer {
  server: http.Server;
  wsServer: WebSocketServer;
  url: string;
  port: number;
  close(): Promise<void>;
}

type EnvelopedRoot = {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
};

/**
 * One port for everything: yoga answers HTTP (queries, SSE, GraphiQL,
 * health) and graphql-ws takes the WebSocket upgrade on the same /graphql
 * path, executing through yoga's envelop so both run the same plugins.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { yoga, logger } = options;
  const { dashboard } = options;
  const server = http.createServer((request, response) => {
    if (dashboard) {
      const pathname = (request.url ?? '/').split('?', 1)[0]!;
      if (dashboard.handles(pathname)) return dashboard.serve(request, response, pathname);
    }
    return yoga(request, response);
  });
  const originPolicy = new OriginPolicy(options.corsOrigins ?? []);
  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: options.wsMaxPayload,
    // Cross-site WebSocket hijacking: a browser sends the page's Origin and applies no CORS to sockets.
    verifyClient: ({ req }, done) => (originPolicy.allowsUpgrade(req) ? done(true) : done(false, 403, 'Forbidden')),
  });
  const { metrics } = options;
  const sharedFrames = new SharedFrames();
  const connectionIds = new WeakMap<object, string>();
  // Bound once: one increment per frame must not hash its labels (fan-out sends hundreds of thousands a second).
  const wsIn = metrics.wsMessages.labels({ direction: 'in' });
  const wsOut = metrics.wsMessages.labels({ direction: 'out' });
  wsServer.on('connection', (socket, request) => {
    metrics.wsConnections.inc();
    sharedFrames.attach(socket);
    // One line when a socket opens and one when it closes, with what went through it.
    const connectionId = requestIdFrom(request.headers['x-request-id'] as string | undefined);
    connectionIds.set(socket, connectionId);
    const opened = performance.now();
    let messagesIn = 0;
    let messagesOut = 0;
    socket.on('message', () => {
      messagesIn++;
      wsIn.inc();
    });
    const send = socket.send.bind(socket);
    socket.send = ((...args: Parameters<typeof send>) => {
      messagesOut++;
      wsOut.inc();
      return send(...args);
    }) as typeof socket.send;
    options.operationLog?.logger.info(
      {
        connectionId,
        transport: 'ws',
        remoteAddress: request.socket.remoteAddress,
        userAgent: request.headers['user-agent'],
      },
      'websocket connected',
    );
    socket.once('close', (code, reason) => {
      metrics.wsConnections.dec();
      options.operationLog?.logger.info(
        {
          connectionId,
          transport: 'ws',
          code,
          reason: reason.toString().slice(0, 120),
          openMs: Math.round(performance.now() - opened),
          messagesIn,
          messagesOut,
        },
        'websocket closed',
      );
    });
  });
  const authorize = options.authenticator?.required ? wsAuthorizer(options.authenticator, metrics) : undefined;

  const disposable = useServer(
    {
      connectionInitWaitTimeout: options.wsInitTimeoutMs,
      jsonMessageReplacer(key, value) {
        return sharedFrames.replacer(this, key, value);
      },
      isProd: !options.exposeErrors,
      ...(authorize ? { onConnect: authorize } : {}),
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, id, payload) => {
        // Set by wsAuthorizer at connection_init, only when authentication is on (an open server has no admin).
        const caller = (ctx.extra as { caller?: Caller }).caller;
        const origin: OperationOrigin = {
          requestId: `${connectionIds.get(ctx.extra.socket) ?? 'ws'}/${id}`,
          transport: 'ws',
        };
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          // The context factory reads the caller from here.
          caller,
          params: payload,
          [ORIGIN_KEY]: origin,
        });
        const verdict = options.trustedDocuments?.check(payload, caller?.visibility.all === true);
        if (verdict?.kind === 'refused') return [verdict.error];
        let document: DocumentNode;
        try {
          document = verdict?.kind === 'listed' ? verdict.entry.document : parse(payload.query);
        } catch (error) {
          // graphql-ws accepts only GraphQLErrors here; anything else would close the socket with 4500.
          return [
            error instanceof GraphQLError
              ? error
              : new GraphQLError('Syntax Error: unparsable document.', {
                  extensions: { code: 'GRAPHQL_PARSE_FAILED' },
                }),
          ];
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wsServer,
    options.keepAliveMs ?? 15_000,
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info(
    {
      url: `${url}/graphql`,
      ...(dashboard ? { dashboard: dashboard.built ? `${url}/` : 'not built (npm run build:dashboard)' } : {}),
      health: `${url}/healthz`,
      ready: `${url}/readyz`,
    },
    'listening',
  );

  return {
    server,
    wsServer,
    url,
    port,
    async close() {
      // Stop accepting first; open sockets get a close handshake (1001 going away), which
      // flushes what is already queued on them, and are cut only if that stalls.
      server.close();
      const clients = [...wsServer.clients];
      await Promise.all(
        clients.map(
          (client) =>
            new Promise<void>((resolve) => {
              if (client.readyState === client.CLOSED) return resolve();
              const cut = setTimeout(() => client.terminate(), 2_000);
              client.once('close', () => {
                clearTimeout(cut);
                resolve();
              });
              client.close(1001, 'server shutting down');
            }),
        ),
      );
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}
