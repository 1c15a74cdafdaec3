import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ExecutionArgs } from 'graphql';
import type { CellgraphYoga } from './yoga.js';
import type { Logger } from '../util/logger.js';

export interface HttpServerOptions {
  yoga: CellgraphYoga;
  host: string;
  port: number;
  logger: Logger;
  /** WebSocket ping interval; well under common proxy idle timeouts (60 s). */
  keepAliveMs?: number;
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
  const server = http.createServer(yoga);
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });

  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as never];
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
  logger.info({ url: `${url}/graphql`, health: `${url}/healthz`, ready: `${url}/readyz` }, 'listening');

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
