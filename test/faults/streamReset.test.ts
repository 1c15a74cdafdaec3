import { expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { waitUntil } from '../support/cellgraph.js';
import { expectEqualsFreshReplay, expectViewEqualsQuery } from '../support/convergence.js';
import { publishInBackground, syncWatcher, toPublish, withFaultRig } from '../support/faultScenarios.js';
import { streamState, withJsm } from '../support/jetstream.js';
import { useNats } from '../support/nats.js';
import { createStream, publishAll, TEST_STREAM } from '../support/publish.js';

const nats = useNats({ perTest: true });

it('stream deleted and recreated under a running cellgraph: detected, rebuilt from the new stream, subscribers told STREAM_RESET', async () => {
  const events = takeEvents(6000, { seed: 41, concurrentCells: 60 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 3000));
  await withFaultRig(nats.url, {}, async (rig) => {
    const { app, publisher, watcher } = rig;
    await syncWatcher(rig);
    const publishing = publishInBackground(publisher, toPublish(events.slice(3000)), {
      rate: 1000,
      window: 16,
      retry: true,
    });
    await waitUntil(() => app.projection.cursor > 3300, 'live tail under way');
    const before = app.projection.cursor;

    await withJsm(nats.url, async (jsm) => {
      await jsm.streams.delete(TEST_STREAM);
    });
    await createStream(nats.url);
    // The new stream starts again at seq 1: the projection of the old one must go, not be patched.
    await waitUntil(() => watcher.resets >= 1, 'subscriber told STREAM_RESET');
    expect(watcher.codes).toContain('STREAM_RESET');

    await publishing;
    const { last } = await expectEqualsFreshReplay(nats.url, app);
    // Rebuilt, not patched: the old stream's events are gone from the projection.
    expect(app.projection.counts.applied + app.projection.counts.duplicates).toBeLessThan(before);
    await expectViewEqualsQuery(watcher, app, last);
  });
});

it('stream purged under a running cellgraph (first seq jumps past the cursor): rebuilt from what is left, not ready meanwhile, STREAM_RESET', async () => {
  const events = takeEvents(26_000, { seed: 42, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 24_000), { window: 1024 });
  // Small batches make the rebuild long enough to watch /readyz during it.
  await withFaultRig(nats.url, { CELLGRAPH_REPLAY_BATCH: '100' }, async (rig) => {
    const { app, publisher, watcher } = rig;
    await syncWatcher(rig);
    const publishing = publishInBackground(publisher, toPublish(events.slice(24_000)), {
      rate: 1000,
      window: 16,
      retry: true,
    });
    await waitUntil(() => app.projection.cursor > 24_200, 'live tail under way');

    // Keep the newest 20,000: the events the projection was built from are partly gone.
    await withJsm(nats.url, async (jsm) => {
      await jsm.streams.purge(TEST_STREAM, { keep: 20_000 });
    });
    await waitUntil(() => !app.source.status().ready, 'rebuild started');
    expect((await fetch(`${app.url}/readyz`)).status).toBe(503);
    await waitUntil(() => watcher.resets >= 1, 'subscriber told STREAM_RESET');
    await app.source.whenReady();
    expect((await fetch(`${app.url}/readyz`)).status).toBe(200);

    await publishing;
    const { last } = await expectEqualsFreshReplay(nats.url, app);
    expect((await streamState(nats.url)).first).toBeGreaterThan(1);
    await expectViewEqualsQuery(watcher, app, last);
  });
});
