import { createYoga, useReadinessCheck, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { buildSchema } from '../schema/index.js';
import type { AppContext } from '../schema/context.js';
import { useErrorCodes } from './plugins/errorCodes.js';

export type CellgraphYoga = YogaServerInstance<Record<string, unknown>, AppContext>;

export interface YogaOptions {
  context: AppContext;
  /** Extra envelop/yoga plugins (auth, limits, metrics): they run for HTTP, SSE and WebSocket alike. */
  plugins?: Plugin[];
  graphiql: boolean;
}

/** The yoga instance: one schema, one plugin chain, shared by HTTP, SSE and graphql-ws. */
export function createCellgraphYoga(options: YogaOptions): CellgraphYoga {
  return createYoga<Record<string, unknown>, AppContext>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    logging: false,
    context: () => options.context,
    // GraphiQL served from the package, not a CDN: cellgraph runs next to clusters without internet access.
    renderGraphiQL,
    graphiql: options.graphiql
      ? {
          title: 'cellgraph',
          subscriptionsProtocol: 'WS',
          defaultQuery: `# Cells of the CellOS event log, live.\nquery RunningCells {\n  projection { cursor ready lag }\n  cells(first: 20, filter: { state: RUNNING }) {\n    totalCount\n    cursor\n    edges { node { id specId state startedAt exitCode } }\n  }\n}\n`,
        }
      : false,
    plugins: [
      useReadinessCheck({
        endpoint: '/readyz',
        check: ({ fetchAPI }) => {
          const status = options.context.sourceStatus();
          const body = JSON.stringify({
            ready: status.ready,
            cursor: options.context.projection.cursor,
            streamLastSeq: status.streamLastSeq,
            replay: status.replay,
          });
          return new fetchAPI.Response(body, {
            status: status.ready ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          });
        },
      }),
      useErrorCodes(),
      ...(options.plugins ?? []),
    ],
  });
}
