import { expect, it } from 'vitest';
import { projectionDigest } from '../../src/projection/digest.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { atSeq, startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { allCells } from '../support/cells.js';
import { DigestDocument, expectEqualsFreshReplay, expectViewEqualsQuery } from '../support/convergence.js';
import { publishInBackground, toPublish } from '../support/faultScenarios.js';
import { streamState } from '../support/jetstream.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { ResumingWatcher } from '../support/resumingWatcher.js';

const nats = useNats();

/** Records the projection digest of `app` at the exact moment it applies each of `seqs`. */
function digestsAt(app: TestCellgraph, seqs: number[]): Map<number, string> {
  const digests = new Map<number, string>();
  for (const seq of seqs) {
    atSeq(app, seq, () => {
      expect(app.projection.cursor).toBe(seq);
      digests.set(seq, projectionDigest(app.projection));
    });
  }
  return digests;
}

it('replicas converge (same digest at the same cursor), a client resumes across them with after, and minSeq waits then answers CURSOR_AHEAD', async () => {
  const events = takeEvents(8000, { seed: 61, concurrentCells: 60, duplicateRate: 0.05 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 2000));
  const env = { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200', CELLGRAPH_MIN_SEQ_WAIT_MS: '1000' };
  const a = await startTestCellgraph(nats.url, env);
  const checkpoints = [1000, 2000, 2500, 3500, 5000, 6500, 7900];
  const digestsA = digestsAt(a, checkpoints);
  const publisher = await EventPublisher.connect(nats.url);
  let b: TestCellgraph | undefined;
  const movingAB = new ResumingWatcher(a.url);
  const movingBA = new ResumingWatcher(a.url, { states: ['RUNNING', 'PENDING'] });
  try {
    await a.source.whenReady();
    movingAB.start();
    const publishing = publishInBackground(publisher, toPublish(events.slice(2000)), { rate: 2000, window: 32 });
    // The second replica starts mid-stream: it replays while the first tails.
    await waitUntil(() => a.projection.cursor > 2600, 'publisher under way');
    // B waits up to 15 s for a minSeq: on a loaded machine it can trail the stream by more than A's 1 s bound.
    const replicaB = await startTestCellgraph(nats.url, { ...env, CELLGRAPH_MIN_SEQ_WAIT_MS: '15000' });
    b = replicaB;
    const digestsB = digestsAt(replicaB, checkpoints);
    await replicaB.source.whenReady();
    movingBA.start();

    // Mid-stream, one client leaves A for B and another leaves B for A, each resuming with after: its last seq.
    await waitUntil(() => movingAB.view.synced && a.projection.cursor > 4000, 'first client mid-stream');
    await movingAB.moveTo(replicaB.url);
    await waitUntil(() => movingBA.view.synced && replicaB.projection.cursor > 5500, 'second client mid-stream');
    await movingBA.moveTo(a.url);

    // minSeq ahead of a replica: it waits for the seq (one the stream already holds, so it will come) and answers at
    // or after it.
    const ahead = (await streamState(nats.url)).last;
    const waited = await replicaB.query(DigestDocument, { minSeq: ahead });
    expect(waited.projection.seq).toBeGreaterThanOrEqual(ahead);

    await publishing;
    const { last } = await streamState(nats.url);
    await waitUntil(
      () => a.projection.cursor >= last && replicaB.projection.cursor >= last,
      'both replicas at the last seq',
    );

    // Same digest at every checkpoint, and at the end.
    for (const seq of checkpoints) {
      expect(digestsA.get(seq), `digest of A at ${seq}`).toBeDefined();
      expect(digestsB.get(seq), `digest of B at ${seq}`).toBe(digestsA.get(seq));
    }
    const [da, db] = await Promise.all([
      a.query(DigestDocument, { minSeq: last }),
      replicaB.query(DigestDocument, { minSeq: last }),
    ]);
    expect(da.projection).toEqual(db.projection);
    expect((await allCells(a, last)).cells).toEqual((await allCells(replicaB, last)).cells);
    await expectEqualsFreshReplay(nats.url, replicaB);

    // The clients that moved hold what a fresh query gives.
    await expectViewEqualsQuery(movingAB, b, last);
    await expectViewEqualsQuery(movingBA, a, last, { states: ['RUNNING', 'PENDING'] });
    expect(movingAB.resets + movingBA.resets).toBe(0);

    // A minSeq no replica will reach in time: a bounded wait, then CURSOR_AHEAD with the replica's seq.
    const started = Date.now();
    const { body } = await a.request(DigestDocument, { minSeq: last + 1000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'CURSOR_AHEAD', seq: last, minSeq: last + 1000 });

    // A seq published while the query waits ends the wait.
    const pending = replicaB.query(DigestDocument, { minSeq: last + 1 });
    await waitUntil(
      () => (replicaB.clock as unknown as { waiters: unknown[] }).waiters.length > 0,
      'query waiting for its minSeq',
    );
    await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'late-1', specId: 's' })]);
    expect((await pending).projection.seq).toBe(last + 1);
  } finally {
    await movingAB.stop();
    await movingBA.stop();
    await publisher.close();
    await Promise.all([a.stop(), b?.stop()]);
  }
}, 180_000);
