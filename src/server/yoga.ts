import { useDisableIntrospection } from '@envelop/disable-introspection';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GraphQLSchema } from 'graphql';
import { createYoga, type Plugin, useReadinessCheck, type YogaServerInstance } from 'graphql-yoga';
import { tenantVisibility } from '../projection/visibility.js';
import type { AppContext, AppServices } from '../schema/context.js';
import { buildSchema } from '../schema/index.js';
import { ADMIN, type Authenticator, type Caller } from './auth/authenticator.js';
import { OriginPolicy, useOriginPolicy } from './cors.js';
import type { Metrics } from './metrics.js';
import { useBearerAuth } from './plugins/auth.js';
import { useRequestBodyLimit } from './plugins/bodyLimit.js';
import { useCompression } from './plugins/compression.js';
import { useCostLimit } from './plugins/costLimit.js';
import { useCredentialExpiry } from './plugins/credentialExpiry.js';
import { useCsrfPrevention } from './plugins/csrf.js';
import { useDocumentLimits } from './plugins/documentLimits.js';
import { useErrorCodes } from './plugins/errorCodes.js';
import { useHttpErrorBodies } from './plugins/httpErrors.js';
import { useJitQueries } from './plugins/jitQueries.js';
import { useMetrics } from './plugins/metrics.js';
import { type OperationLog, useOperationLog } from './plugins/operationLog.js';
import { useSharedSubscriptions } from './plugins/sharedSubscriptions.js';
import { useSubscriptionLimits } from './plugins/subscriptionLimits.js';
import { useTrustedDocuments } from './plugins/trustedDocuments.js';
import type { TrustedDocuments } from './trustedDocuments.js';

export type CellgraphYoga = YogaServerInstance<Record<string, unknown>, AppContext>;

export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/**
 * Headers whose presence proves the request was not a "simple" cross-site
 * one (a browser preflights both): yoga's own, which its GraphiQL and
 * clients send, and Authorization, which every authenticated client sends.
 */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'authorization'];

export interface YogaOptions {
  context: AppServices;
  /** Who may call; omitted: everyone is admin (tests of other concerns). */
  authenticator?: Authenticator;
  metrics: Metrics;
  /** Extra envelop/yoga plugins: they run for HTTP, SSE and WebSocket alike. */
  plugins?: Plugin[];
  /** Tests only: serve another schema through the same plugin chain. */
  schema?: GraphQLSchema;
  /** One log line per operation (absent: none, as in unit tests that build yoga alone). */
  operationLog?: OperationLog;
  /** Overrides CELLGRAPH_GRAPHQL_JIT (tests compare both). */
  jit?: boolean;
  /** CELLGRAPH_TRUSTED_DOCUMENTS: only these operations run (absent: any). */
  trustedDocuments?: TrustedDocuments;
}

/** The yoga instance: one schema, one plugin chain, shared by HTTP, SSE and graphql-ws. */
export function createCellgraphYoga(options: YogaOptions): CellgraphYoga {
  const { config } = options.context;
  const { metrics } = options;
  const { authenticator } = options;
  const authRequired = authenticator?.required ?? false;
  const callers = new WeakMap<Request, Caller>();
  // Fails closed: with authentication on, a request whose caller was not established sees no tenant.
  const fallback: Caller = authRequired ? { visibility: tenantVisibility([]), expiresAt: 0 } : ADMIN;
  const callerOf = (initial: Record<string, unknown>): Caller =>
    (initial['caller'] as Caller | undefined) ?? callers.get(initial['request'] as Request) ?? fallback;
  const originPolicy = new OriginPolicy(config.CELLGRAPH_CORS_ORIGINS);
  return createYoga<Record<string, unknown>, AppContext>({
    schema: options.schema ?? buildSchema(),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: HEALTH_PATH,
    landingPage: false,
    logging: false,
    // One object per operation: the shared services and this caller's visibility (WebSocket passes its
    // connection's caller in the initial context, HTTP and SSE find it by request).
    context: (initial) => ({ ...options.context, visibility: callerOf(initial).visibility }),
    // yoga's default reflects any Origin with credentials: off; useOriginPolicy answers CELLGRAPH_CORS_ORIGINS only.
    cors: false,
    // GraphiQL served from the package, not a CDN: cellgraph runs next to clusters without internet access.
    renderGraphiQL,
    // Unexpected errors become "Unexpected error." with code INTERNAL_SERVER_ERROR;
    // errors thrown on purpose (GraphQLError with a code) pass unchanged.
    maskedErrors: { isDev: config.CELLGRAPH_EXPOSE_ERRORS },
    // Enforced by useRequestBodyLimit (last plugin): same checks, no counting stream when Content-Length settles it.
    maxRequestBodySize: false,
    graphiql: config.CELLGRAPH_GRAPHIQL
      ? {
          title: 'cellgraph',
          // A browser cannot put a bearer token on a WebSocket upgrade; SSE goes
          // through fetch and carries the Authorization set in GraphiQL's headers.
          subscriptionsProtocol: authRequired ? 'SSE' : 'WS',
          defaultQuery: `# Cells of the CellOS event log, live.\nquery RunningCells {\n  projection { seq ready lag }\n  cells(first: 20, filter: { state: RUNNING }) {\n    totalCount\n    seq\n    edges { node { id specId state startedAt exitCode } }\n  }\n}\n`,
          ...(authRequired ? { headers: JSON.stringify({ Authorization: 'Bearer <token>' }, null, 2) } : {}),
        }
      : false,
    plugins: [
      // First: it times the whole request and sees every response, including refusals by the plugins below.
      ...(options.operationLog ? [useOperationLog(options.operationLog)] : []),
      useOriginPolicy(originPolicy),
      ...(authenticator && authRequired
        ? [
            useBearerAuth({
              authenticator,
              callers,
              publicPaths: [HEALTH_PATH, READY_PATH],
              adminPaths: [METRICS_PATH],
              metrics,
            }),
            useCredentialExpiry((initial) => callerOf(initial).expiresAt),
          ]
        : []),
      useReadinessCheck({
        endpoint: READY_PATH,
        check: ({ fetchAPI }) => {
          const status = options.context.sourceStatus();
          const body = JSON.stringify({
            ready: status.ready,
            seq: options.context.projection.cursor,
            streamLastSeq: status.streamLastSeq,
            // Boot shows the checkpoint load (checkpoint.loading), then the replay of the rest (replay).
            checkpoint: status.checkpoint,
            replay: status.replay,
            // Why it is not ready when the cause is NATS (refused credentials, TLS…): scrubbed of secrets at the source.
            lastError: status.lastError,
          });
          return new fetchAPI.Response(body, {
            status: status.ready ? 200 : 503,
            headers: { 'content-type': 'application/json' },
          });
        },
      }),
      useMetrics(metrics, METRICS_PATH),
      useCsrfPrevention(CSRF_HEADERS),
      ...(config.CELLGRAPH_INTROSPECTION ? [] : [useDisableIntrospection() as Plugin]),
      useErrorCodes(),
      useHttpErrorBodies(),
      // Only a credential proven admin bypasses (callers holds the callers useBearerAuth established).
      ...(options.trustedDocuments
        ? [useTrustedDocuments(options.trustedDocuments, (request) => callers.get(request)?.visibility.all === true)]
        : []),
      ...useDocumentLimits(
        {
          maxDocumentBytes: config.CELLGRAPH_MAX_DOCUMENT_BYTES,
          maxTokens: config.CELLGRAPH_MAX_TOKENS,
          maxDepth: config.CELLGRAPH_MAX_DEPTH,
          maxAliases: config.CELLGRAPH_MAX_ALIASES,
          maxDirectives: config.CELLGRAPH_MAX_DIRECTIVES,
        },
        metrics,
      ),
      useCostLimit(
        {
          maxCost: config.CELLGRAPH_MAX_COST,
          defaultPageSize: config.CELLGRAPH_DEFAULT_PAGE_SIZE,
          maxPageSize: config.CELLGRAPH_MAX_PAGE_SIZE,
        },
        metrics,
      ),
      useSubscriptionLimits(
        { perConnection: config.CELLGRAPH_MAX_SUBSCRIPTIONS_PER_CONNECTION, total: config.CELLGRAPH_MAX_SUBSCRIPTIONS },
        metrics,
      ),
      ...((options.jit ?? config.CELLGRAPH_GRAPHQL_JIT) ? [useJitQueries()] : []),
      useSharedSubscriptions({ jit: options.jit ?? config.CELLGRAPH_GRAPHQL_JIT }),
      ...(options.plugins ?? []),
      // After every request parser (yoga's own are registered before these plugins).
      useRequestBodyLimit(config.CELLGRAPH_MAX_BODY_BYTES),
      // Last: it compresses the response every other plugin settled on.
      useCompression(),
    ],
  });
}
