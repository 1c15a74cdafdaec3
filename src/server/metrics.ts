import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubStats } from '../live/hub.js';
import type { Projection } from '../projection/projection.js';
import type { SourceStatus } from '../source/jetstreamSource.js';

/** What the metrics read at scrape time: the projection, the source and the subscription hub. */
export interface MetricsSources {
  projection: Projection;
  sourceStatus(): SourceStatus;
  liveStats?(): HubStats;
}

const MAX_OPERATION_NAMES = 100;

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

  private readonly operationNames = new Set<string>();

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    const { projection } = sources;
    // A counter that mirrors a monotonic count kept elsewhere: add the
    // difference since the last scrape, so it stays a true counter.
    const mirrorCounter = (name: string, help: string, read: () => number) => {
      let seen = 0;
      new Counter({
        name,
        help,
        registers,
        collect() {
          const now = read();
          this.inc(Math.max(0, now - seen));
          seen = Math.max(seen, now);
        },
      });
    };
    new Gauge({
      name: 'cellgraph_projection_cursor',
      help: 'Highest stream seq applied to the projection.',
      registers,
      collect() {
        this.set(projection.cursor);
      },
    });
    new Gauge({
      name: 'cellgraph_stream_last_seq',
      help: 'Last seq of the stream, as last seen.',
      registers,
      collect() {
        this.set(sources.sourceStatus().streamLastSeq);
      },
    });
    new Gauge({
      name: 'cellgraph_projection_lag',
      help: 'Events stored in the stream but not applied yet (stream last seq - cursor).',
      registers,
      collect() {
        this.set(Math.max(0, sources.sourceStatus().streamLastSeq - projection.cursor));
      },
    });
    new Gauge({
      name: 'cellgraph_ready',
      help: '1 once the boot replay has caught up with the stream.',
      registers,
      collect() {
        this.set(sources.sourceStatus().ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cellgraph_nats_connected',
      help: '1 while connected to NATS.',
      registers,
      collect() {
        this.set(sources.sourceStatus().connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'cellgraph_replay_progress_ratio',
      help: 'Boot replay progress, 0 to 1.',
      registers,
      collect() {
        this.set(sources.sourceStatus().replay.percent / 100);
      },
    });
    new Gauge({
      name: 'cellgraph_replay_target_seq',
      help: 'Stream last seq read at boot: the replay is done when the cursor reaches it.',
      registers,
      collect() {
        this.set(sources.sourceStatus().replay.target);
      },
    });
    const seen = { applied: 0, skipped: 0, duplicate: 0, rejected: 0 };
    new Counter({
      name: 'cellgraph_events_total',
      help: 'Events read from the stream, by what the projection did with them.',
      labelNames: ['outcome'],
      registers,
      collect() {
        const now = {
          applied: projection.counts.applied,
          skipped: projection.counts.skipped,
          duplicate: projection.counts.duplicates,
          rejected: projection.counts.rejected,
        };
        for (const outcome of Object.keys(now) as (keyof typeof now)[]) {
          const delta = now[outcome] - seen[outcome];
          if (delta > 0) this.inc({ outcome }, delta);
          else if (delta === 0) this.inc({ outcome }, 0);
          seen[outcome] = now[outcome];
        }
      },
    });
    new Gauge({
      name: 'cellgraph_cells',
      help: 'Cells in the projection, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        for (const [state, count] of Object.entries(projection.cellCountsByState())) this.set({ state }, count);
      },
    });
    new Gauge({
      name: 'cellgraph_formations',
      help: 'Formations in the projection.',
      registers,
      collect() {
        this.set(projection.formations.size);
      },
    });

    this.wsConnections = new Gauge({ name: 'cellgraph_ws_connections', help: 'Open GraphQL WebSocket connections.', registers });
    this.subscriptionsOpen = new Gauge({
      name: 'cellgraph_subscriptions_open',
      help: 'Open subscriptions (WebSocket and SSE), by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.subscriptionsRejected = new Counter({
      name: 'cellgraph_subscriptions_rejected_total',
      help: 'Subscriptions refused by a limit.',
      labelNames: ['limit'],
      registers,
    });
    const live = sources.liveStats;
    if (live) {
      new Gauge({
        name: 'cellgraph_subscription_queue_depth',
        help: 'Messages waiting in all subscription queues.',
        registers,
        collect() {
          this.set(live().queuedMessages);
        },
      });
      new Gauge({
        name: 'cellgraph_subscription_queue_depth_max',
        help: 'Largest queue of one subscription (bounded by the cells it watches).',
        registers,
        collect() {
          this.set(live().maxQueueDepth);
        },
      });
      mirrorCounter('cellgraph_subscription_deltas_coalesced_total', 'Cell changes merged into a pending one for a slow subscriber.', () => live().coalesced);
      mirrorCounter('cellgraph_subscriptions_lagged_total', 'Raw event subscriptions ended with LAGGED (their bounded queue overflowed).', () => live().lagged);
    }
    this.authFailures = new Counter({
      name: 'cellgraph_auth_failures_total',
      help: 'Requests refused for a missing or wrong bearer token.',
      labelNames: ['transport'],
      registers,
    });
    this.limitRejections = new Counter({
      name: 'cellgraph_limit_rejections_total',
      help: 'GraphQL documents refused by a limit.',
      labelNames: ['limit'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'cellgraph_graphql_operation_duration_seconds',
      help: 'Execution time of GraphQL queries and mutations, by operation type and name.',
      labelNames: ['operation_type', 'operation_name'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
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

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
