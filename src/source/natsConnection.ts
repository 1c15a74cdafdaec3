// Owns the process's one NATS connection: connects (retrying forever, with backoff), hands out its clients, reports its state.

import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import { redactNatsUrl } from '../util/natsUrl.js';
import { type ConnectFailure, describeConnectFailure, JetStreamUnavailableError, Scrubber } from './natsFailure.js';
import { connectOptions, credsExpiredAt, type NatsSettings, secretsOf } from './natsSettings.js';
import { probeTls } from './natsTlsProbe.js';

/** How to reach NATS and who to be there. */
export interface NatsConnectionOptions {
  /** Seeds, credentials and TLS (`natsSettings`); secrets in them never reach a log or `lastError`. */
  settings: NatsSettings;
  logger: Logger;
  /**
   * The name the server shows for this client.
   * @default 'cellgraph'
   */
  name?: string;
}

export interface NatsClients {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * The connection retries forever, both the first connect (NATS may come
 * later than cellgraph) and after a loss (the client reconnects by itself,
 * and a connection that closes anyway is replaced). Users read `clients`
 * at the moment they need them and hear of new or resumed connections.
 */
export class NatsConnector {
  private current: NatsClients | undefined;
  private isConnected = false;
  private error: string | null = null;
  private loop: Promise<void> | undefined;
  private readonly closing = new AbortController();
  private readonly connectedListeners: ((clients: NatsClients) => void)[] = [];
  private readonly reconnectedListeners: (() => void)[] = [];

  private readonly scrub: Scrubber;
  private readonly where: string;

  constructor(private readonly options: NatsConnectionOptions) {
    this.scrub = new Scrubber(secretsOf(options.settings));
    this.where = redactNatsUrl(options.settings.servers);
  }

  /** Starts connecting in the background; never throws for an unreachable NATS. */
  start(): void {
    this.loop ??= this.run();
  }

  /** The clients of the live connection, or undefined while there is none. */
  get clients(): NatsClients | undefined {
    return this.current;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Why the last connection attempt failed or the connection ended, null once connected. */
  get lastError(): string | null {
    return this.error;
  }

  /** Called with the clients of every new connection (not of a resumed one). */
  onConnected(listener: (clients: NatsClients) => void): void {
    this.connectedListeners.push(listener);
  }

  /** Called when the connection came back after a loss; the server may have restarted meanwhile. */
  onReconnected(listener: () => void): void {
    this.reconnectedListeners.push(listener);
  }

  async close(): Promise<void> {
    this.closing.abort();
    const nc = this.current?.nc;
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
  }

  private get log(): Logger {
    return this.options.logger;
  }

  private async run(): Promise<void> {
    const signal = this.closing.signal;
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        await this.connectUntilClosed();
        attempt = 0;
      } catch (error) {
        if (signal.aborted) break;
        const failure = await this.explainWithTlsProbe(error);
        this.error = failure.message;
        const delay = backoffDelay(attempt);
        this.log.warn(
          { err: failure.message, failure: failure.kind, retryInMs: delay, attempt: attempt + 1, url: this.where },
          failure.kind === 'unreachable'
            ? 'NATS not available, retrying'
            : `NATS connection failed (${failure.kind}), retrying`,
        );
        await sleep(delay, signal);
      }
    }
  }

  private async connectUntilClosed(): Promise<void> {
    const nc = await connect({
      ...connectOptions(this.options.settings),
      name: this.options.name ?? 'cellgraph',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      pingInterval: 10_000,
      timeout: 5_000,
      // Without this every request (each stream get of a timeline, each JetStream API call) builds two Errors
      // up front, stack traces included, in case it fails: in a timeline profile that was the client's largest
      // item. A failed request still says what failed; only the awaiting caller's frames leave its stack.
      noAsyncTraces: true,
    });
    this.isConnected = true;
    this.error = null;
    this.log.info({ url: this.where, server: nc.info?.server_name }, 'connected to NATS');
    void this.watchStatus(nc);
    try {
      // Fails while JetStream is not (yet) enabled: this connection is then dropped and retried.
      const jsm = await jetstreamManager(nc).catch((error: unknown) => {
        throw new JetStreamUnavailableError((error as Error).message, { cause: error });
      });
      this.current = { nc, js: jetstream(nc), jsm };
      if (this.closing.signal.aborted) return;
      for (const listener of this.connectedListeners) listener(this.current);
      const closed = await nc.closed();
      if (closed instanceof Error) throw closed;
    } finally {
      this.isConnected = false;
      this.current = undefined;
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    }
  }

  /** The failure in words for the log and `lastError`: its kind, no secret, and an expired JWT named as such. */
  private explain(error: unknown): ConnectFailure {
    const { credsFile } = this.options.settings;
    const expired = credsFile ? credsExpiredAt(credsFile) : undefined;
    return describeConnectFailure(
      error,
      this.scrub,
      expired ? { variable: 'CELLGRAPH_NATS_CREDS', at: expired } : undefined,
    );
  }

  /**
   * As `explain`, and when TLS is on and the attempt ended in a bare timeout, a handshake of our own
   * names a refusal the client hides (a client certificate the server does not accept).
   */
  private async explainWithTlsProbe(error: unknown): Promise<ConnectFailure> {
    const failure = this.explain(error);
    const { tls } = this.options.settings;
    if (failure.kind !== 'unreachable' || !tls || this.closing.signal.aborted) return failure;
    for (const server of this.options.settings.servers) {
      const reason = await probeTls(server, tls);
      if (reason) return { kind: 'tls', message: this.scrub.scrub(`TLS with NATS failed: ${reason} (${server})`) };
    }
    return failure;
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      switch (status.type) {
        case 'disconnect':
          this.isConnected = false;
          this.log.warn({ server: status.server }, 'NATS connection lost, reconnecting');
          break;
        case 'reconnect':
          this.isConnected = true;
          this.log.info({ server: status.server }, 'NATS reconnected');
          for (const listener of this.reconnectedListeners) listener();
          break;
        case 'error':
          this.log.warn({ err: this.explain(status.error).message }, 'NATS error');
          break;
        default:
          break;
      }
    }
  }
}
