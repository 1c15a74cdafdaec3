import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HubStats } from '../live/hub.js';
import type { Projection } from '../projection/projection.js';

/** The part of the source's status the metrics read (the source's `status()` has it). */
export interface SourceMetricsStatus {
  connected: boolean;
  streamLastSeq: number;
  ready: boolean;
  replay: { percent: number; target: number };
}

/** What the metrics read at scrape time: the projection, the source and the subscription hub. */
export interface MetricsSources {
  projection: Projection;
  /** cellgraph_build_info's labels (the composition root reads them from the packages). */
  build?: { version: string; natsClient: string };
  sourceStatus(): SourceMetricsStatus;
  liveStats?(): HubStats;
  consumerStats?(): ConsumerMetricsStats;
}

/** The consumer's counts the metrics mirror (the source's `consumerStats()` has them). */
export interface ConsumerMetricsStats {
  unansweredPulls: number;
  heartbeatsMissed: number;
  stallRestarts: number;
}

const MAX_OPERATION_NAMES = 100;

/** Labels known before anything happens: each counter starts at 0 for them, so rate() and absent() work from boot. */
export const KNOWN_LABELS = {
  limit: ['depth', 'cost', 'aliases', 'directives', 'tokens', 'documentSize', 'pageSize'],
  subscriptionLimit: ['subscriptionsPerConnection', 'subscriptions'],
  transport: ['http', 'sse', 'ws'],
  /** Every extensions.code cellgraph answers; anything else is counted as `other`. */
  errorCode: [
    'BAD_ARGUMENT',
    'BAD_FILTER',
    'BAD_CURSOR',
    'LIMIT_EXCEEDED',
    'CURSOR_AHEAD',
    'STREAM_UNAVAILABLE',
    'LAGGED',
    'STREAM_RESET',
    'SHUTTING_DOWN',
    'UNAUTHENTICATED',
    'GRAPHQL_PARSE_FAILED',
    'GRAPHQL_VALIDATION_FAILED',
    'INTERNAL_SERVER_ERROR',
    'other',
  ],
  /** The routes cellgraph serves; anything else is `other`. */
  route: ['/graphql', '/healthz', '/readyz', '/metrics', 'other'],
  direction: ['in', 'out'],
} as const;

/** A metric whose value is read from elsewhere when scraped: name, help, and how to read it. */
type Scraped<From> = readonly [name: string, help: string, read: (from: From) => number];

/** Gauges read from the projection and the source. */
const STATUS_GAUGES: readonly Scraped<MetricsSources>[] = [
  ['cellgraph_projection_cursor', 'Highest stream seq applied to the projection.', (s) => s.projection.cursor],
  ['cellgraph_stream_last_seq', 'Last seq of the stream, as last seen.', (s) => s.sourceStatus().streamLastSeq],
  [
    'cellgraph_projection_lag',
    'Events stored in the stream but not applied yet (stream last seq - cursor).',
    (s) => Math.max(0, s.sourceStatus().streamLastSeq - s.projection.cursor),
  ],
  ['cellgraph_ready', '1 once the boot replay has caught up with the stream.', (s) => (s.sourceStatus().ready ? 1 : 0)],
  ['cellgraph_nats_connected', '1 while connected to NATS.', (s) => (s.sourceStatus().connected ? 1 : 0)],
  ['cellgraph_replay_progress_ratio', 'Boot replay progress, 0 to 1.', (s) => s.sourceStatus().replay.percent / 100],
  [
    'cellgraph_replay_target_seq',
    'Stream last seq read at boot: the replay is done when the cursor reaches it.',
    (s) => s.sourceStatus().replay.target,
  ],
];

/** Gauges read from the subscription hub. */
const LIVE_GAUGES: readonly Scraped<HubStats>[] = [
  ['cellgraph_subscription_queue_depth', 'Messages waiting in all subscription queues.', (h) => h.queuedMessages],
  [
    'cellgraph_subscription_queue_depth_max',
    'Largest queue of one subscription (bounded by the cells it watches).',
    (h) => h.maxQueueDepth,
  ],
];

/** Counters mirroring the hub's own monotonic counts. */
const LIVE_COUNTERS: readonly Scraped<HubStats>[] = [
  [
    'cellgraph_subscription_deltas_coalesced_total',
    'Cell changes merged into a pending one for a slow subscriber.',
    (h) => h.coalesced,
  ],
  [
    'cellgraph_subscriptions_lagged_total',
    'Raw event subscriptions ended with LAGGED (their bounded queue overflowed).',
    (h) => h.lagged,
  ],
];

/** Counters mirroring the consumer's counts: how often the tail needed rescuing. */
const CONSUMER_COUNTERS: readonly Scraped<ConsumerMetricsStats>[] = [
  [
    'cellgraph_consumer_stall_restarts_total',
    'Consumer restarts by the stall check (events pending, none received): a last resort, expected to stay 0.',
    (c) => c.stallRestarts,
  ],
  [
    'cellgraph_consumer_heartbeats_missed_total',
    'Pulls that went two idle heartbeats without a word from NATS.',
    (c) => c.heartbeatsMissed,
  ],
  [
    'cellgraph_consumer_pulls_unanswered_total',
    'Pulls NATS dropped without ending them (nats-server < 2.9.16), ended by cellgraph a moment after their expiry.',
    (c) => c.unansweredPulls,
  ],
];

const OPERATION_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * One registry per cellgraph instance (tests run several in one process, so
 * never the global one). Values that already live in the projection or the
 * source are read when scraped rather than pushed on every event: the hot
 * ingest path stays free of metric calls, and the numbers cannot drift from
 * what `Query.projection` reports.
 */
export class Metrics {
  readonly registry = new Registry();

  /** Open graphql-ws connections. */
  readonly wsConnections: Gauge;
  /** Open subscriptions (WebSocket and SSE) by kind; fed by the subscription limits plugin. */
  readonly subscriptionsOpen: Gauge<'kind'>;
  /** Subscriptions refused by a limit, by which limit. */
  readonly subscriptionsRejected: Counter<'limit'>;
  /** Requests refused for a missing or wrong token, by transport. */
  readonly authFailures: Counter<'transport'>;
  /** Documents refused by a limit, by which limit. */
  readonly limitRejections: Counter<'limit'>;
  readonly operationDuration: Histogram<'operation_type' | 'operation_name'>;
  /** GraphQL errors answered, by extensions.code (queries, mutations, and subscriptions' errors). */
  readonly graphqlErrors: Counter<'code'>;
  /** HTTP responses by route and status (WebSocket upgrades are not HTTP responses here). */
  readonly httpRequests: Counter<'route' | 'status'>;
  /** graphql-ws messages received and sent. */
  readonly wsMessages: Counter<'direction'>;

  private readonly operationNames = new Set<string>();

  /** Registration order is the order of /metrics: scraped status first, then what the server pushes. */
  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'cellgraph_build_info',
      help: 'Always 1: the cellgraph version, Node version and NATS client version as labels.',
      labelNames: ['version', 'node', 'nats_client'],
      registers: [this.registry],
    }).set(
      {
        version: sources.build?.version ?? 'unknown',
        node: process.version,
        nats_client: sources.build?.natsClient ?? 'unknown',
      },
      1,
    );
    this.scrapeProjectionAndSource(sources);
    const { consumerStats } = sources;
    if (consumerStats)
      for (const [name, help, read] of CONSUMER_COUNTERS) this.mirrorCounter(name, help, () => read(consumerStats()));
    this.wsConnections = this.gauge('cellgraph_ws_connections', 'Open GraphQL WebSocket connections.');
    this.subscriptionsOpen = this.gauge(
      'cellgraph_subscriptions_open',
      'Open subscriptions (WebSocket and SSE), by kind.',
      'kind',
    );
    this.subscriptionsRejected = this.counter(
      'cellgraph_subscriptions_rejected_total',
      'Subscriptions refused by a limit.',
      'limit',
    );
    if (sources.liveStats) this.scrapeLive(sources.liveStats);
    this.authFailures = this.counter(
      'cellgraph_auth_failures_total',
      'Requests refused for a missing or wrong bearer token.',
      'transport',
    );
    this.limitRejections = this.counter(
      'cellgraph_limit_rejections_total',
      'GraphQL documents refused by a limit.',
      'limit',
    );
    this.graphqlErrors = this.counter(
      'cellgraph_graphql_errors_total',
      'GraphQL errors answered, by extensions.code.',
      'code',
    );
    this.httpRequests = this.counter(
      'cellgraph_http_requests_total',
      'HTTP responses, by route and status.',
      'route',
      'status',
    );
    this.wsMessages = this.counter(
      'cellgraph_ws_messages_total',
      'GraphQL WebSocket messages, by direction (in: received, out: sent).',
      'direction',
    );
    for (const limit of KNOWN_LABELS.limit) this.limitRejections.inc({ limit }, 0);
    for (const limit of KNOWN_LABELS.subscriptionLimit) this.subscriptionsRejected.inc({ limit }, 0);
    for (const transport of KNOWN_LABELS.transport) this.authFailures.inc({ transport }, 0);
    for (const code of KNOWN_LABELS.errorCode) this.graphqlErrors.inc({ code }, 0);
    for (const route of KNOWN_LABELS.route) this.httpRequests.inc({ route, status: '200' }, 0);
    for (const direction of KNOWN_LABELS.direction) this.wsMessages.inc({ direction }, 0);
    this.operationDuration = new Histogram({
      name: 'cellgraph_graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL queries and mutations, by operation type and name.',
      labelNames: ['operation_type', 'operation_name'],
      buckets: OPERATION_DURATION_BUCKETS,
      registers: [this.registry],
    });
  }

  /**
   * Operation names come from clients: past a bounded set they are folded
   * into one label value, so a client cannot blow up the series count.
   */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES || !/^[_A-Za-z][_0-9A-Za-z]{0,63}$/.test(name)) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Counts each error code of an answer (unknown codes as `other`, so clients cannot add series). */
  countErrors(codes: readonly string[]): void {
    for (const code of codes)
      this.graphqlErrors.inc({ code: (KNOWN_LABELS.errorCode as readonly string[]).includes(code) ? code : 'other' });
  }

  /** Counts an HTTP response under its route (unknown paths as `other`). */
  countHttp(path: string, status: number): void {
    const route = (KNOWN_LABELS.route as readonly string[]).includes(path) ? path : 'other';
    this.httpRequests.inc({ route, status: String(status) });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Status, event outcomes, cells and formations, read from the projection and the source at each scrape. */
  private scrapeProjectionAndSource(sources: MetricsSources): void {
    const { projection } = sources;
    for (const [name, help, read] of STATUS_GAUGES) this.scrapedGauge(name, help, () => read(sources));
    this.eventOutcomes(projection);
    this.mirrorCounter(
      'cellgraph_event_fields_dropped_total',
      'Optional event fields that broke their rule and were dropped (the event itself applied).',
      () => projection.droppedFieldCount,
    );
    new Gauge({
      name: 'cellgraph_cells',
      help: 'Cells in the projection, by state.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        for (const [state, count] of Object.entries(projection.cellCountsByState())) this.set({ state }, count);
      },
    });
    this.scrapedGauge('cellgraph_formations', 'Formations in the projection.', () => projection.formations.size);
  }

  /** Queue depths and the hub's counters, read from the subscription hub at each scrape. */
  private scrapeLive(live: () => HubStats): void {
    for (const [name, help, read] of LIVE_GAUGES) this.scrapedGauge(name, help, () => read(live()));
    for (const [name, help, read] of LIVE_COUNTERS) this.mirrorCounter(name, help, () => read(live()));
  }

  private gauge<L extends string = never>(name: string, help: string, ...labelNames: L[]): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private counter<L extends string>(name: string, help: string, ...labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** A gauge set to `read()` at each scrape. */
  private scrapedGauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * A counter that mirrors a monotonic count kept elsewhere: add the
   * difference since the last scrape, so it stays a true counter.
   */
  private mirrorCounter(name: string, help: string, read: () => number): void {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const now = read();
        this.inc(Math.max(0, now - seen));
        seen = Math.max(seen, now);
      },
    });
  }

  /** `cellgraph_events_total{outcome}`: the projection's counts, mirrored as one counter per outcome. */
  private eventOutcomes(projection: Projection): void {
    const seen = { applied: 0, skipped: 0, duplicate: 0, rejected: 0 };
    new Counter({
      name: 'cellgraph_events_total',
      help: 'Events read from the stream, by what the projection did with them.',
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        const now = {
          applied: projection.counts.applied,
          skipped: projection.counts.skipped,
          duplicate: projection.counts.duplicates,
          rejected: projection.counts.rejected,
        };
        for (const outcome of Object.keys(now) as (keyof typeof now)[]) {
          const delta = now[outcome] - seen[outcome];
          // An increment of 0 still creates the series, so every outcome shows from the first scrape.
          if (delta > 0) this.inc({ outcome }, delta);
          else if (delta === 0) this.inc({ outcome }, 0);
          seen[outcome] = now[outcome];
        }
      },
    });
  }
}
