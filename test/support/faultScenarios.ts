// The fault tests' skeleton, once: a cellgraph, a live publisher and a resuming subscriber on one NATS, torn down together; and the NATS-outage scenarios built on it.
import { expect } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher, type PublishOptions } from '../../src/simulator/publisher.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from './cellgraph.js';
import { expectEqualsFreshReplay, expectViewEqualsQuery } from './convergence.js';
import { publishAll } from './publish.js';
import { ResumingWatcher } from './resumingWatcher.js';

export interface FaultRig {
  app: TestCellgraph;
  publisher: EventPublisher;
  /** Not subscribed yet: the scenario decides when (see syncWatcher). */
  watcher: ResumingWatcher;
}

/** CloudEvents as publisher items on the subject a producer uses. */
export const toPublish = (events: Record<string, unknown>[]) =>
  events.map((event) => ({ subject: 'cellos.events.test', event }));

/**
 * Starts cellgraph (bookmarks every 200 ms so an idle subscriber still hears
 * the seq, plus `env`), a publisher and a watcher, runs `scenario`, and stops
 * all three whatever happened.
 */
export async function withFaultRig<T>(
  natsUrl: string,
  env: Record<string, string>,
  scenario: (rig: FaultRig) => Promise<T>,
): Promise<T> {
  const app = await startTestCellgraph(natsUrl, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200', ...env });
  const publisher = await EventPublisher.connect(natsUrl);
  const watcher = new ResumingWatcher(app.url);
  try {
    return await scenario({ app, publisher, watcher });
  } finally {
    await watcher.stop();
    await publisher.close();
    await app.stop();
  }
}

/** Waits for the boot replay, then subscribes the watcher with a snapshot and waits until it is synced. */
export async function syncWatcher({ app, watcher }: FaultRig, timeoutMs?: number): Promise<void> {
  await app.source.whenReady();
  watcher.start();
  await waitUntil(() => watcher.view.synced, 'subscriber synced', timeoutMs);
}

/** Publishes while the fault happens; the test awaits the returned seqs later, and until then a failure must not go unhandled. */
export function publishInBackground(
  publisher: EventPublisher,
  items: Parameters<EventPublisher['publish']>[0],
  options: PublishOptions,
): Promise<number[]> {
  const publishing = publisher.publish(items, options);
  publishing.catch(() => undefined);
  return publishing;
}

/**
 * The live-tail fault scenario: 1,000 events replayed, a subscriber synced,
 * 6,000 more published at 1,500/s (retrying) while `fault` runs. `fault`
 * returns the cursor it saw while NATS was out; afterwards cellgraph must
 * consume again, its projection must equal a fresh replay, and the
 * subscriber's view a fresh query, without any error reaching it.
 */
export async function liveTailThroughFault(
  natsUrl: string,
  options: {
    seed: number;
    env?: Record<string, string>;
    fault: (app: TestCellgraph, publisher: EventPublisher) => Promise<number>;
    /** Runs once the subscriber is synced, before the live events are published (to arrange the fault). */
    beforeTail?: (app: TestCellgraph) => Promise<void>;
    /** Bound of each wait after the fault (a cluster electing leaders on a loaded host needs more than a server). */
    timeoutMs?: number;
  },
): Promise<void> {
  const { timeoutMs } = options;
  const events = takeEvents(7000, { seed: options.seed, concurrentCells: 60 }).map((e) => e.event);
  await publishAll(natsUrl, events.slice(0, 1000));
  await withFaultRig(natsUrl, options.env ?? {}, async (rig) => {
    const { app, publisher, watcher } = rig;
    await syncWatcher(rig, timeoutMs);
    await options.beforeTail?.(app);
    const publishing = publishInBackground(publisher, toPublish(events.slice(1000)), {
      rate: 1500,
      window: 32,
      retry: true,
    });
    await waitUntil(() => app.projection.cursor > 2500, 'live tail under way', timeoutMs);
    const cursorDuringFault = await options.fault(app, publisher);

    await publishing;
    await waitUntil(
      () => app.projection.cursor > cursorDuringFault,
      'cellgraph consuming again after the fault',
      timeoutMs,
    );
    const { last } = await expectEqualsFreshReplay(natsUrl, app, timeoutMs);
    expect(last).toBeGreaterThanOrEqual(7000);
    await expectViewEqualsQuery(watcher, app, last, null, timeoutMs);
    // NATS going away is invisible to a subscriber: no error, no resubscribe.
    expect(watcher.codes).toEqual([]);
  });
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
    /** Bound of each wait after the recovery (see liveTailThroughFault). */
    timeoutMs?: number;
  },
): Promise<void> {
  const { timeoutMs } = options;
  const events = takeEvents(24_000, { seed: options.seed, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(natsUrl, events.slice(0, 20_000), { window: 1024 });
  await withFaultRig(
    natsUrl,
    { CELLGRAPH_REPLAY_BATCH: '100', ...options.env },
    async ({ app, publisher, watcher }) => {
      const publishing = publishInBackground(publisher, toPublish(events.slice(20_000)), {
        rate: 1000,
        window: 32,
        retry: true,
      });
      await options.interrupt(app, publisher);
      watcher.start();
      expect(app.source.status().ready).toBe(false);
      expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
      await options.recover(app, publisher);

      await app.source.whenReady();
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
      await publishing;
      const { last } = await expectEqualsFreshReplay(natsUrl, app, timeoutMs);
      expect(last).toBeGreaterThanOrEqual(24_000);
      await expectViewEqualsQuery(watcher, app, last, null, timeoutMs);
      expect(watcher.codes).toEqual([]);
    },
  );
}
