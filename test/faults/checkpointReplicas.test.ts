import { expect, it } from 'vitest';
import { projectionDigest } from '../../src/projection/digest.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { atSeq, startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { allCells } from '../support/cells.js';
import { listCheckpoints } from '../support/checkpoints.js';
import { DigestDocument, expectEqualsFreshReplay, expectViewEqualsQuery } from '../support/convergence.js';
import { publishInBackground, toPublish } from '../support/faultScenarios.js';
import { streamState } from '../support/jetstream.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';
import { ResumingWatcher } from '../support/resumingWatcher.js';

const nats = useNats();

function digestsAt(app: TestCellgraph, seqs: number[]): Map<number, string> {
  const digests = new Map<number, string>();
  for (const seq of seqs) atSeq(app, seq, () => digests.set(seq, projectionDigest(app.projection)));
  return digests;
}

it('checkpoints written while 2 replicas ingest, answer queries and serve subscriptions change nothing clients see; the second boots from one', async () => {
  const events = takeEvents(9000, { seed: 83, concurrentCells: 60, duplicateRate: 0.05, formationShare: 0.4 }).map(
    (e) => e.event,
  );
  await publishAll(nats.url, events.slice(0, 3000));
  const env = { CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: '400', CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' };
  const a = await startTestCellgraph(nats.url, env);
  const publisher = await EventPublisher.connect(nats.url);
  let b: TestCellgraph | undefined;
  const watcherA = new ResumingWatcher(a.url);
  const movingAB = new ResumingWatcher(a.url, { states: ['RUNNING', 'PENDING'] });
  try {
    await a.source.whenReady();
    await waitUntil(() => a.source.status().checkpoint.lastWritten !== null, 'A writing its first checkpoint');
    watcherA.start();
    movingAB.start();
    const publishing = publishInBackground(publisher, toPublish(events.slice(3000)), { rate: 1500, window: 32 });
    await waitUntil(() => a.projection.cursor > 4500, 'publisher under way');
    const replicaB = await startTestCellgraph(nats.url, env);
    b = replicaB;
    const late = [7500, 8200, 8900];
    const digestsA = digestsAt(a, late);
    const digestsB = digestsAt(replicaB, late);
    await replicaB.source.whenReady();
    const bStatus = replicaB.source.status();
    expect(bStatus.checkpoint.origin).toBe('CHECKPOINT');
    expect(bStatus.replay.from).toBe(bStatus.checkpoint.loadedFrom?.seq);
    expect(bStatus.replay.from).toBeGreaterThanOrEqual(3000);

    // A client moves from A to B mid-stream, resuming with after: its last seq.
    await waitUntil(() => movingAB.view.synced && a.projection.cursor > 6000, 'client mid-stream');
    await movingAB.moveTo(replicaB.url);
    // Queries while checkpoints are being written.
    for (let i = 0; i < 20; i++) {
      const [da, db] = await Promise.all([a.query(DigestDocument, {}), replicaB.query(DigestDocument, {})]);
      expect(da.projection.ready && db.projection.ready).toBe(true);
    }

    await publishing;
    const { last } = await streamState(nats.url);
    await waitUntil(() => a.projection.cursor >= last && replicaB.projection.cursor >= last, 'both at the last seq');
    for (const seq of late) {
      expect(digestsA.get(seq), `digest of A at ${seq}`).toBeDefined();
      expect(digestsB.get(seq), `digest of B at ${seq}`).toBe(digestsA.get(seq));
    }
    expect((await allCells(a, last)).cells).toEqual((await allCells(replicaB, last)).cells);
    await expectEqualsFreshReplay(nats.url, a);
    await expectEqualsFreshReplay(nats.url, replicaB);
    await expectViewEqualsQuery(watcherA, a, last);
    await expectViewEqualsQuery(movingAB, replicaB, last, { states: ['RUNNING', 'PENDING'] });
    expect(watcherA.resets + movingAB.resets).toBe(0);

    // Checkpoints were written along the way, at most KEEP are kept, and no two of them hold the same seq.
    await waitUntil(
      () => (a.source.status().checkpoint.lastWritten?.seq ?? 0) > 6000,
      'A writing checkpoints while publishing',
    );
    const stored = await listCheckpoints(nats.url);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length).toBeLessThanOrEqual(3);
    expect(new Set(stored.map((s) => s.metadata?.['cursor'])).size).toBe(stored.length);
    expect(a.source.status().checkpoint.lastWriteError).toBeNull();
  } finally {
    await watcherA.stop();
    await movingAB.stop();
    await publisher.close();
    await Promise.all([a.stop(), b?.stop()]);
  }
});
