// A dashboard subscriber that rides through faults the way a real one should, resuming or resnapshotting, and records what went wrong.
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CellChangesDocument, type CellChangesSubscription, type CellFilter } from '../generated/graphql.js';
import { CellView, wsUrl } from './subscriber.js';

type Result = {
  data?: CellChangesSubscription | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
};

/**
 * A dashboard client that keeps a cells view through faults the way a real
 * one should: on a broken connection or SHUTDOWN it resubscribes with
 * `after: lastSeq` (here or on another replica); on STREAM_RESET it drops
 * its view and takes a new snapshot; on CURSOR_AHEAD it retries. Every
 * change message must carry a seq above the previous one (no change
 * delivered twice); CellView itself throws if any seq goes backwards.
 */
export class ResumingWatcher {
  view = new CellView();
  readonly problems: string[] = [];
  readonly codes: string[] = [];
  resumes = 0;
  resets = 0;
  private lastChangeSeq = 0;
  private client: Client | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private generation = 0;

  constructor(
    private url: string,
    private readonly filter: CellFilter | null = null,
  ) {}

  /** Starts with a snapshot (or resumes after `after`, with `view` preloaded by the caller). */
  start(after?: number): this {
    this.subscribe(after);
    return this;
  }

  /** Leaves the current replica and resumes on `url` from the last seq received. */
  async moveTo(url: string): Promise<void> {
    this.url = url;
    await this.closeClient();
    this.resumes += 1;
    this.subscribe(this.view.lastSeq);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.closeClient();
  }

  private async closeClient(): Promise<void> {
    this.generation += 1;
    this.unsubscribe?.();
    const client = this.client;
    this.client = undefined;
    await client?.dispose();
  }

  private subscribe(after?: number): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.client ??= createClient({ url: wsUrl(this.url), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
    const variables = after === undefined ? { filter: this.filter } : { filter: this.filter, after };
    let ended = false;
    const again = (how: 'resume' | 'reset' | 'retry') => {
      if (ended || this.stopped || generation !== this.generation) return;
      ended = true;
      if (how === 'reset') {
        this.resets += 1;
        this.view = new CellView();
        this.lastChangeSeq = 0;
        setImmediate(() => this.subscribe());
        return;
      }
      this.resumes += 1;
      // A broken socket needs a new client; the old one is disposed in the background.
      const old = this.client;
      this.client = undefined;
      void old?.dispose();
      setTimeout(() => this.subscribe(this.view.lastSeq), how === 'retry' ? 100 : 50);
    };
    this.unsubscribe = this.client.subscribe<CellChangesSubscription>(
      { query: print(CellChangesDocument), variables: variables as Record<string, unknown> },
      {
        next: (result: Result) => {
          if (generation !== this.generation) return;
          const code = result.errors?.[0]?.extensions?.['code'];
          if (result.errors?.length) {
            this.codes.push(String(code));
            if (code === 'STREAM_RESET') return again('reset');
            if (code === 'CURSOR_AHEAD' || code === 'SHUTTING_DOWN') return again('retry');
            this.problems.push(`unexpected errors: ${JSON.stringify(result.errors)}`);
            return;
          }
          const message = result.data!.cells;
          try {
            if (message.kind === 'ADDED' || message.kind === 'UPDATED' || message.kind === 'REMOVED') {
              if (message.seq <= this.lastChangeSeq)
                throw new Error(
                  `change at seq ${message.seq} after a change at ${this.lastChangeSeq}: delivered twice or out of order`,
                );
              this.lastChangeSeq = message.seq;
            }
            this.view.apply(message);
          } catch (error) {
            this.problems.push((error as Error).message);
          }
          if (message.kind === 'SHUTDOWN') again('resume');
        },
        error: () => again('resume'),
        complete: () => again('resume'),
      },
    );
  }
}
