import { type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { backoffDelay, sleep } from '../util/backoff.js';

export interface PublishOptions {
  /** Events per second; 0 or undefined means as fast as the server acks. */
  rate?: number;
  /** Publishes awaited at once: JetStream acks are pipelined up to this window. */
  window?: number;
  signal?: AbortSignal;
  /**
   * Retry a publish that failed or whose ack did not come (NATS restarting,
   * paused, JetStream not ready), as CellOS producers do, until it is acked or
   * `signal` aborts. A lost ack means the event may be stored twice: consumers
   * dedup by CloudEvent id. Without it the first failure rejects.
   */
  retry?: boolean;
  /** How long one attempt waits for its ack: 30 s, or 2 s when retrying. */
  attemptTimeoutMs?: number;
}

export interface PublishStats {
  /** Attempts that failed and were retried. */
  retries: number;
}

/** Publishes raw bodies or CloudEvents to JetStream, acked, pipelined, optionally paced. Returns the acked seqs. */
export class EventPublisher {
  readonly stats: PublishStats = { retries: 0 };

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
  ) {}

  /** `target`: a URL or comma-separated seeds (a cluster), or full connect options (credentials, TLS) as cellgraph builds them. */
  static async connect(target: string | NodeConnectionOptions): Promise<EventPublisher> {
    const nc = await connect({
      ...(typeof target === 'string' ? { servers: target.split(',') } : target),
      name: 'cellgraph-simulator',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    return new EventPublisher(nc, jetstream(nc));
  }

  async publish(
    items: Iterable<{ subject: string; event?: unknown; body?: Uint8Array | string }>,
    options: PublishOptions = {},
  ): Promise<number[]> {
    const window = options.window ?? 256;
    const timeout = options.attemptTimeoutMs ?? (options.retry ? 2_000 : 30_000);
    const seqs: number[] = [];
    const inflight = new Set<Promise<void>>();
    const started = Date.now();
    let sent = 0;
    const publishOne = async (subject: string, body: Uint8Array | string): Promise<number> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return (await this.js.publish(subject, body, { timeout })).seq;
        } catch (error) {
          if (!options.retry || options.signal?.aborted || this.nc.isClosed()) throw error;
          this.stats.retries += 1;
          await sleep(backoffDelay(attempt, 100, 1_000), options.signal);
        }
      }
    };
    for (const item of items) {
      if (options.signal?.aborted) break;
      if (options.rate && options.rate > 0) {
        const due = started + (sent / options.rate) * 1000;
        const wait = due - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      }
      const body = item.body ?? JSON.stringify(item.event);
      const index = sent++;
      const p: Promise<void> = publishOne(item.subject, body)
        .then((seq) => {
          seqs[index] = seq;
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= window) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    return seqs;
  }

  /**
   * Bulk load without waiting for acks: core publishes (JetStream stores
   * what arrives on the stream's subjects), flushed every `flushEvery`.
   * Much faster than acked publishes; returns the stream's last seq after.
   */
  async publishUnacked(
    items: Iterable<{ subject: string; event?: unknown; body?: Uint8Array | string }>,
    stream: string,
    flushEvery = 5_000,
  ): Promise<number> {
    let sent = 0;
    for (const item of items) {
      this.nc.publish(item.subject, item.body ?? JSON.stringify(item.event));
      if (++sent % flushEvery === 0) await this.nc.flush();
    }
    await this.nc.flush();
    const jsm = await this.js.jetstreamManager();
    return (await jsm.streams.info(stream)).state.last_seq;
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
