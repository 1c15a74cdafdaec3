import { afterEach, beforeEach, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { startTestNats, type TestNats } from '../support/nats.js';
import { createStream, publishAll } from '../support/publish.js';
import { atSeq, expectEqualsFreshReplay, expectViewEqualsQuery, liveTailThroughFault, ResumingWatcher, toPublish } from './support.js';
const HEARTBEAT_MS = 1_000;
/** Short heartbeat and stall timeout, so a pause of a few seconds is "longer than the heartbeat". */
const env = {
  CELLGRAPH_BOOKMARK_INTERVAL_MS: '200',
  CELLGRAPH_CONSUMER_HEARTBEAT_MS: String(HEARTBEAT_MS),
  CELLGRAPH_STALL_TIMEOUT_MS: '2000',
};

let nats: TestNats;
beforeEach(async () => {
  nats = await startTestNats();
  await createStream(nats.url);
});
afterEach(async () => {
  await nats.remove();
});

/** Keeps NATS stopped (SIGSTOP) until more than two heartbeats have gone by and the publisher has felt it. */
async function pauseNats(publisher: EventPublisher): Promise<void> {
  nats.signal('SIGSTOP');
  const pausedAt = Date.now();
  const retriesBefore = publisher.stats.retries;
  await waitUntil(() => Date.now() - pausedAt > 3 * HEARTBEAT_MS && publisher.stats.retries > retriesBefore, 'publisher timing out while NATS is paused');
  nats.signal('SIGCONT');
}

it('NATS paused (SIGSTOP) for longer than the heartbeat during the live tail, then resumed: nothing lost or applied twice', async () => {
  await liveTailThroughFault(nats.url, {
    seed: 31,
    env,
    fault: async (app, publisher) => {
      await pauseNats(publisher);
      return app.projection.cursor;
    },
  });
});

it('NATS paused (SIGSTOP) during the boot replay, then resumed: the replay completes from its cursor', async () => {
  const events = takeEvents(24_000, { seed: 32, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 20_000), { window: 1024 });
  const app = await startTestCellgraph(nats.url, { ...env, CELLGRAPH_REPLAY_BATCH: '100' });
  const publisher = await EventPublisher.connect(nats.url);
  const watcher = new ResumingWatcher(app.url);
  try {
    const publishing = publisher.publish(toPublish(events.slice(20_000)), { rate: 1000, window: 32, retry: true });
    publishing.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    let paused: Promise<void> | undefined;
    atSeq(app, 3000, () => (paused = pauseNats(publisher)));
    await waitUntil(() => paused !== undefined, 'replay under way');
    watcher.start();
    expect(app.source.status().ready).toBe(false);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    await paused;

    await app.source.whenReady();
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    await publishing;
    const { last } = await expectEqualsFreshReplay(nats.url, app);
    expect(last).toBeGreaterThanOrEqual(24_000);
    await expectViewEqualsQuery(watcher, app, last);
    expect(watcher.codes).toEqual([]);
  } finally {
    await watcher.stop();
    await publisher.close();
    await app.stop();
  }
});
