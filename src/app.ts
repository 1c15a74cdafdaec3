import { tracingEnabled } from './cli/telemetry.js';
import { cellgraphVersion, natsClientVersion } from './cli/version.js';
import type { Config } from './config.js';
import { CursorClock } from './live/cursorClock.js';
import { LiveHub } from './live/hub.js';
import { Projection } from './projection/projection.js';
import type { AppServices } from './schema/context.js';
import { Authenticator } from './server/auth/authenticator.js';
import { DashboardAssets } from './server/dashboardAssets.js';
import { type RunningHttpServer, startHttpServer } from './server/httpServer.js';
import { Metrics } from './server/metrics.js';
import { OperationLog } from './server/plugins/operationLog.js';
import { useTracing } from './server/plugins/tracing.js';
import { TrustedDocuments } from './server/trustedDocuments.js';
import { createCellgraphYoga } from './server/yoga.js';
import { Checkpoints } from './source/checkpoints.js';
import { EventReader } from './source/eventReader.js';
import { Ingestor } from './source/ingest.js';
import { JetStreamSource } from './source/jetstreamSource.js';
import { NatsConnector } from './source/natsConnection.js';
import { natsSettings } from './source/natsSettings.js';
import type { Logger } from './util/logger.js';

export interface Cellgraph {
  readonly projection: Projection;
  readonly source: JetStreamSource;
  readonly clock: CursorClock;
  readonly hub: LiveHub;
  readonly http: RunningHttpServer;
  readonly metrics: Metrics;
  /** The NATS connection the API reads the stream through (the timeline benchmark's baseline reads on it too). */
  readonly nats: NatsConnector;
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Wires one process: JetStream source → ingest → projection → (clock,
 * subscribers), and the HTTP/WebSocket server reading the projection. The
 * HTTP server is up before NATS is reached, so /healthz answers from the
 * first second and /readyz tells when the replay is done.
 */
export async function startCellgraph(config: Config, natsUrl: string, logger: Logger): Promise<Cellgraph> {
  // First: a malformed manifest stops the start before anything is opened.
  const trustedDocuments = config.CELLGRAPH_TRUSTED_DOCUMENTS
    ? TrustedDocuments.fromFile(config.CELLGRAPH_TRUSTED_DOCUMENTS, config.CELLGRAPH_TRUSTED_DOCUMENTS_ADMIN_BYPASS)
    : undefined;
  const projection = new Projection({ dedupWindow: config.CELLGRAPH_DEDUP_WINDOW });
  const clock = new CursorClock();
  const hub = new LiveHub(projection, {
    bookmarkIntervalMs: config.CELLGRAPH_BOOKMARK_INTERVAL_MS,
    eventQueueLimit: config.CELLGRAPH_EVENT_QUEUE_LIMIT,
    catchUpSliceMs: config.CELLGRAPH_CATCHUP_SLICE_MS,
    logger,
  });
  const ingestor = new Ingestor(
    projection,
    (seq, deltas, message) => {
      hub.publish(deltas);
      hub.publishRaw(message);
      clock.advance(seq);
    },
    logger,
    (reason) => {
      clock.reset(0);
      // Subscribers' views and resume points belong to the old stream: tell them to re-snapshot.
      hub.failAll({ code: 'STREAM_RESET', reason });
    },
    (cursor) => {
      // The state jumped to a checkpoint's seq without deltas: a subscription opened before (the first
      // moments of boot) would never hear of those cells, so it re-snapshots like after a reset.
      hub.failAll({ code: 'STREAM_RESET', reason: `state loaded from a checkpoint at seq ${cursor}` });
      clock.advance(cursor);
    },
    () => hub.wantsDeltas,
  );
  const checkpoints = config.CELLGRAPH_CHECKPOINT_BUCKET
    ? new Checkpoints({
        bucket: config.CELLGRAPH_CHECKPOINT_BUCKET,
        stream: config.CELLGRAPH_STREAM,
        create: config.CELLGRAPH_CREATE_STREAM,
        intervalEvents: config.CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS,
        intervalMs: config.CELLGRAPH_CHECKPOINT_INTERVAL_MS,
        keep: config.CELLGRAPH_CHECKPOINT_KEEP,
        write: config.CELLGRAPH_CHECKPOINT_WRITE,
        logger,
        projection,
      })
    : undefined;
  const nats = new NatsConnector({ settings: natsSettings(config, natsUrl), logger });
  const source = new JetStreamSource(
    {
      stream: config.CELLGRAPH_STREAM,
      subjects: config.CELLGRAPH_SUBJECTS,
      createStream: config.CELLGRAPH_CREATE_STREAM,
      batch: config.CELLGRAPH_REPLAY_BATCH,
      heartbeatMs: config.CELLGRAPH_CONSUMER_HEARTBEAT_MS,
      stallTimeoutMs: config.CELLGRAPH_STALL_TIMEOUT_MS,
      logger,
      traceBatches: tracingEnabled,
      outcomeCounts: () => ({
        applied: projection.counts.applied,
        skipped: projection.counts.skipped,
        duplicate: projection.counts.duplicates,
        rejected: projection.counts.rejected,
      }),
      ...(checkpoints ? { checkpoints } : {}),
    },
    nats,
    ingestor,
  );
  const context: AppServices = {
    config,
    projection,
    clock,
    sourceStatus: () => source.status(),
    streamName: config.CELLGRAPH_STREAM,
    events: new EventReader(nats, config.CELLGRAPH_STREAM),
    hub,
  };
  const metrics = new Metrics({
    projection,
    sourceStatus: () => source.status(),
    liveStats: () => hub.stats(),
    build: { version: cellgraphVersion(), natsClient: natsClientVersion() },
    consumerStats: () => source.consumerStats(),
  });
  const authenticator = new Authenticator(config);
  if (!authenticator.required) {
    logger.warn(
      { host: config.CELLGRAPH_HOST, allowOpen: config.CELLGRAPH_ALLOW_OPEN },
      'neither CELLGRAPH_TOKEN nor a JWT key is set: the API, WebSocket and /metrics are open to anyone who can reach this address',
    );
  }
  const operationLog = new OperationLog({
    logger,
    slowMs: config.CELLGRAPH_SLOW_OPERATION_MS,
    perSecond: config.CELLGRAPH_LOG_OPERATIONS_PER_SECOND,
    onErrors: (codes) => metrics.countErrors(codes),
  });
  if (trustedDocuments) {
    logger.info(
      {
        manifest: config.CELLGRAPH_TRUSTED_DOCUMENTS,
        documents: trustedDocuments.size,
        adminBypass: trustedDocuments.adminBypass && authenticator.required,
      },
      'trusted documents: only listed operations run',
    );
  }
  const yoga = createCellgraphYoga({
    context,
    metrics,
    authenticator,
    operationLog,
    ...(trustedDocuments ? { trustedDocuments } : {}),
    // Spans only when OTEL_EXPORTER_OTLP_ENDPOINT turned tracing on (cli/telemetry): off, the plugin is not there.
    ...(tracingEnabled() ? { plugins: [useTracing()] } : {}),
  });
  const http = await startHttpServer({
    yoga,
    host: config.CELLGRAPH_HOST,
    port: config.CELLGRAPH_PORT,
    logger,
    operationLog,
    keepAliveMs: config.CELLGRAPH_WS_KEEPALIVE_MS,
    metrics,
    wsMaxPayload: config.CELLGRAPH_WS_MAX_PAYLOAD,
    wsInitTimeoutMs: config.CELLGRAPH_WS_INIT_TIMEOUT_MS,
    exposeErrors: config.CELLGRAPH_EXPOSE_ERRORS,
    corsOrigins: config.CELLGRAPH_CORS_ORIGINS,
    dashboard: DashboardAssets.load(),
    authenticator,
    ...(trustedDocuments ? { trustedDocuments } : {}),
  });
  source.start();
  nats.start();

  let stopping: Promise<void> | undefined;
  return {
    projection,
    source,
    clock,
    hub,
    http,
    metrics,
    nats,
    url: http.url,
    /** Graceful: no new subscriptions, every open one ends with SHUTDOWN and its last seq, then sockets close. */
    stop() {
      stopping ??= (async () => {
        hub.shutdown();
        await hub.drained(3_000);
        await http.close();
        // Together: the source stops following at once, and the closed connection cuts short a request it awaits.
        await Promise.all([source.stop(), nats.close()]);
      })();
      return stopping;
    },
  };
}
