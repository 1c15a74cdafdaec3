import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { parse, print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { expect } from 'vitest';
import { CellChangesDocument, CellsPageDocument, type CellFieldsFragment, type CellFilter, type CellChangesSubscription, type CellsPageQuery } from '../generated/graphql.js';
import { startTestCellgraph, waitUntil, type TestCellgraph } from '../support/cellgraph.js';
import { publishAll, TEST_STREAM } from '../support/publish.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { CellView, wsUrl } from '../support/subscriber.js';

export interface DigestResult {
  projection: { cursor: number; digest: string; ready: boolean; applied: number; duplicates: number; skipped: number; rejected: number };
}

/** Query.projection with the digest (kept here, not in test/operations, so it needs no codegen). */
export const DigestDocument = parse(`
  query FaultDigest($minSeq: Seq) {
    projection(minSeq: $minSeq) { cursor digest ready applied duplicates skipped rejected }
  }
`) as unknown as TypedDocumentNode<DigestResult, { minSeq?: number | null }>;

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Every cell (all pages) read at one cursor; fails if the cursor moved between pages. */
export async function allCells(app: TestCellgraph, minSeq?: number, filter: CellFilter | null = null): Promise<{ cursor: number; cells: CellFieldsFragment[] }> {
  const cells: CellFieldsFragment[] = [];
  let after: string | null = null;
  let cursor: number | undefined;
  for (;;) {
    const result: CellsPageQuery = await app.query(CellsPageDocument, { filter, first: 1000, after, minSeq: minSeq ?? null });
    const page = result.cells;
    if (cursor !== undefined && page.cursor !== cursor) throw new Error(`cursor moved while paging: ${cursor} → ${page.cursor}`);
    cursor = page.cursor;
    cells.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { cursor: cursor!, cells: cells.sort(byId) };
}

/** The stream's last seq as the server reports it now. */
export async function streamState(url: string, stream = TEST_STREAM): Promise<{ first: number; last: number; messages: number }> {
  const nc = await connect({ servers: url, maxReconnectAttempts: 20, reconnectTimeWait: 100 });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    return { first: info.state.first_seq, last: info.state.last_seq, messages: info.state.messages };
  } finally {
    await nc.close();
  }
}

/**
 * The proof of a fault test: `app` has applied the whole stream, and a
 * cellgraph started now (a fresh replay) holds the same projection at the same
 * cursor: same digest, same cells.
 */
export async function expectEqualsFreshReplay(natsUrl: string, app: TestCellgraph, timeoutMs = 30_000): Promise<{ last: number; cells: CellFieldsFragment[] }> {
  const { last } = await streamState(natsUrl);
  await waitUntil(() => app.projection.cursor >= last && app.source.status().ready, `cellgraph reaching the stream's last seq ${last}`, timeoutMs);
  expect(app.projection.cursor).toBe(last);
  const fresh = await startTestCellgraph(natsUrl);
  try {
    await waitUntil(() => fresh.projection.cursor >= last && fresh.source.status().ready, 'fresh replay done', timeoutMs);
    const [a, b] = await Promise.all([app.query(DigestDocument, { minSeq: last }), fresh.query(DigestDocument, { minSeq: last })]);
    expect(a.projection.cursor).toBe(last);
    expect(b.projection.cursor).toBe(last);
    const [cellsA, cellsB] = await Promise.all([allCells(app, last), allCells(fresh, last)]);
    expect(cellsA.cursor).toBe(last);
    expect(cellsB.cursor).toBe(last);
    expect(cellsA.cells).toEqual(cellsB.cells);
    expect(a.projection).toEqual(b.projection);
    return { last, cells: cellsB.cells };
  } finally {
    await fresh.stop();
  }
}

type Result = { data?: CellChangesSubscription | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] };

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
    const variables = after === undefined ? { filter: this.filter, include: 'SNAPSHOT' as const } : { filter: this.filter, include: 'CHANGES' as const, after };
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
              if (message.seq <= this.lastChangeSeq) throw new Error(`change at seq ${message.seq} after a change at ${this.lastChangeSeq}: delivered twice or out of order`);
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

/** Waits until the watcher's view is at `seq` and compares it with a query of `app` at that seq. */
export async function expectViewEqualsQuery(watcher: ResumingWatcher, app: TestCellgraph, seq: number, filter: CellFilter | null = null): Promise<void> {
  await waitUntil(() => watcher.view.lastSeq >= seq, `subscriber reaching seq ${seq} (at ${watcher.view.lastSeq})`, 20_000);
  const fresh = await allCells(app, seq, filter);
  expect(fresh.cursor).toBe(seq);
  expect(watcher.problems).toEqual([]);
  expect(watcher.view.sorted()).toEqual(fresh.cells);
}

/** Calls `fn` once, synchronously, when the projection applies a seq >= `seq` (for faults at a precise point). */
export function atSeq(app: TestCellgraph, seq: number, fn: () => void): void {
  let fired = false;
  const off = app.clock.onAdvance((current) => {
    if (fired || current < seq) return;
    fired = true;
    off();
    fn();
  });
}

export const toPublish = (events: Record<string, unknown>[]) => events.map((event) => ({ subject: 'cellos.events.test', event }));

/**
 * The live-tail fault scenario: 1,000 events replayed, a subscriber synced,
 * 6,000 more published at 1,500/s (retrying) while `fault` runs. `fault`
 * returns the cursor it saw while NATS was out; afterwards cellgraph must
 * consume again, its projection must equal a fresh replay, and the
 * subscriber's view a fresh query, without any error reaching it.
 */
export async function liveTailThroughFault(
  natsUrl: string,
  options: { seed: number; env?: Record<string, string>; fault: (app: TestCellgraph, publisher: EventPublisher) => Promise<number> },
): Promise<void> {
  const events = takeEvents(7000, { seed: options.seed, concurrentCells: 60 }).map((e) => e.event);
  await publishAll(natsUrl, events.slice(0, 1000));
  const app = await startTestCellgraph(natsUrl, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200', ...options.env });
  const publisher = await EventPublisher.connect(natsUrl);
  const watcher = new ResumingWatcher(app.url);
  try {
    await app.source.whenReady();
    watcher.start();
    await waitUntil(() => watcher.view.synced, 'subscriber synced');
    const publishing = publisher.publish(toPublish(events.slice(1000)), { rate: 1500, window: 32, retry: true });
    publishing.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    await waitUntil(() => app.projection.cursor > 2500, 'live tail under way');
    const cursorDuringFault = await options.fault(app, publisher);

    await publishing;
    await waitUntil(() => app.projection.cursor > cursorDuringFault, 'cellgraph consuming again after the fault');
    const { last } = await expectEqualsFreshReplay(natsUrl, app);
    expect(last).toBeGreaterThanOrEqual(7000);
    await expectViewEqualsQuery(watcher, app, last);
    // NATS going away is invisible to a subscriber: no error, no resubscribe.
    expect(watcher.codes).toEqual([]);
  } finally {
    await watcher.stop();
    await publisher.close();
    await app.stop();
  }
}

/**
 * The boot-replay fault scenario: 20,000 events stored, cellgraph started
 * with small fetch batches (so the replay lasts long enough to fault NATS in
 * the middle of it), 4,000 more published at 1,000/s (retrying). `interrupt`
 * leaves NATS out mid-replay: /readyz must say 503 then; `recover` brings
 * it back. Afterwards the replay completes from its cursor, /readyz says 200,
 * the projection equals a fresh replay and the subscriber's view a fresh
 * query, without any error reaching the subscriber.
 */
export async function replayThroughFault(
  natsUrl: string,
  options: {
    seed: number;
    env?: Record<string, string>;
    interrupt: (app: TestCellgraph, publisher: EventPublisher) => Promise<void>;
    recover: (app: TestCellgraph, publisher: EventPublisher) => Promise<void>;
  },
): Promise<void> {
  const events = takeEvents(24_000, { seed: options.seed, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(natsUrl, events.slice(0, 20_000), { window: 1024 });
  const app = await startTestCellgraph(natsUrl, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200', CELLGRAPH_REPLAY_BATCH: '100', ...options.env });
  const publisher = await EventPublisher.connect(natsUrl);
  const watcher = new ResumingWatcher(app.url);
  try {
    const publishing = publisher.publish(toPublish(events.slice(20_000)), { rate: 1000, window: 32, retry: true });
    publishing.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    await options.interrupt(app, publisher);
    watcher.start();
    expect(app.source.status().ready).toBe(false);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    await options.recover(app, publisher);

    await app.source.whenReady();
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    await publishing;
    const { last } = await expectEqualsFreshReplay(natsUrl, app);
    expect(last).toBeGreaterThanOrEqual(24_000);
    await expectViewEqualsQuery(watcher, app, last);
    expect(watcher.codes).toEqual([]);
  } finally {
    await watcher.stop();
    await publisher.close();
    await app.stop();
  }
}
