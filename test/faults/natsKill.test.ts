import { afterEach, beforeEach, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { startTestCellgraph, waitUntil } from '../support/cellgraph.js';
import { startTestNats, type TestNats } from '../support/nats.js';
import { createStream, publishAll } from '../support/publish.js';
import { atSeq, expectEqualsFreshReplay, expectViewEqualsQuery, liveTailThroughFault, ResumingWatcher, toPublish } from './support.js';

let nats: TestNats;
beforeEach(async () => {
  nats = await startTestNats();
  await createStream(nats.url);
});
afterEach(async () => {
  await nats.remove();
});

it('NATS SIGKILLed and restarted during the live tail: cellgraph reconnects and continues from its cursor, nothing lost or applied twice', async () => {
  await liveTailThroughFault(nats.url, {
    seed: 21,
    fault: async (app, publisher) => {
      await nats.stop('SIGKILL');
      await waitUntil(() => !app.source.status().connected, 'cellgraph noticing the crash');
      await waitUntil(() => publisher.stats.retries > 0, 'publisher failing during the outage');
      const cursorDuringOutage = app.projection.cursor;
      await nats.start();
      return cursorDuringOutage;
    },
  });
});

it('NATS SIGKILLed and restarted during the boot replay: the replay resumes from its cursor and /readyz waits for it', async () => {
  const events = takeEvents(24_000, { seed: 22, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 20_000), { window: 1024 });
  // Small fetch batches keep the replay going long enough to crash NATS in the middle of it.
  const app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200', CELLGRAPH_REPLAY_BATCH: '100' });
  const publisher = await EventPublisher.connect(nats.url);
  const watcher = new ResumingWatcher(app.url);
  try {
    const publishing = publisher.publish(toPublish(events.slice(20_000)), { rate: 1000, window: 32, retry: true });
    publishing.catch(() => undefined); // awaited below; a failed test must not leave it unhandled
    // Freeze NATS the moment the replay passes seq 3000, then kill it: the crash lands mid-replay for sure.
    atSeq(app, 3000, () => nats.signal('SIGSTOP'));
    await waitUntil(() => app.projection.cursor >= 3000, 'replay under way');
    watcher.start();
    await nats.stop('SIGKILL');
    expect(app.source.status().ready).toBe(false);
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    await waitUntil(() => !app.source.status().connected, 'cellgraph noticing the crash');
    await waitUntil(() => publisher.stats.retries > 0, 'publisher failing during the outage');
    await nats.start();

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
