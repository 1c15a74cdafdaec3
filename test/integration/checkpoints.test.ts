import { describe, expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import {
  CellTimelineDocument,
  FormationTimelineDocument,
  ProjectionCheckpointsDocument,
} from '../generated/graphql.js';
import { cellgraphForTest, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { deleteBucket, listCheckpoints } from '../support/checkpoints.js';
import { expectEqualsFreshReplay } from '../support/convergence.js';
import { withJsm } from '../support/jetstream.js';
import { natsForTest } from '../support/nats.js';
import { cloudEvent, publishAll, TEST_STREAM } from '../support/publish.js';

const CHECKPOINT_EVERY = { CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: '500' };

/**
 * An adversarial history: simulated cells and formations with duplicates,
 * events for cells already destroyed, rejected bodies and unknown types.
 */
function adversarial(count: number, seed: number): (Record<string, unknown> | { raw: string })[] {
  const events: (Record<string, unknown> | { raw: string })[] = takeEvents(count, {
    seed,
    duplicateRate: 0.05,
    formationShare: 0.5,
  }).map((e) => e.event);
  for (let i = 40; i < events.length; i += 173) events.splice(i, 0, { raw: `not json ${i}` });
  for (let i = 90; i < events.length; i += 211) events.splice(i, 0, cloudEvent('com.example.other.v1', { i }));
  return events;
}

/** Destroyed cells of `app`, each sent a late started and a late completion (neither may change them). */
function lateEventsFor(app: TestCellgraph, count: number): Record<string, unknown>[] {
  const destroyed = [...app.projection.cells.values()].filter((c) => c.state === 'destroyed').slice(0, count);
  return destroyed.flatMap((cell) => [
    cloudEvent('cell.lifecycle.v1.started', { cellId: cell.id, specId: 'late' }),
    cloudEvent('cell.command.v1.completed', { cellId: cell.id, exitCode: 3 }),
  ]);
}

/**
 * The timelines of cells and formations as `app` answers them: cells changed
 * on both sides of `seq` (their timeline straddles the checkpoint) and a few
 * others, and the formations.
 */
async function timelines(app: TestCellgraph, cellIds: readonly string[], formationIds: readonly string[]) {
  return {
    cells: await Promise.all(
      cellIds.map(async (id) => (await app.query(CellTimelineDocument, { id, first: 1000 })).cell),
    ),
    formations: await Promise.all(
      formationIds.map(async (id) => (await app.query(FormationTimelineDocument, { id, first: 1000 })).formation),
    ),
  };
}

async function writtenCheckpoint(app: TestCellgraph): Promise<number> {
  await waitUntil(() => app.source.status().checkpoint.lastWritten !== null, 'a checkpoint written');
  return app.source.status().checkpoint.lastWritten!.seq;
}

describe('checkpoints', () => {
  it('a replica booted from a checkpoint equals a full replay: dedup window, late events, formations, rejections carried over', async () => {
    const nats = await natsForTest();
    const history = adversarial(3000, 5);
    await publishAll(nats.url, history);
    const writer = await cellgraphForTest(nats.url, CHECKPOINT_EVERY);
    const seq = await writtenCheckpoint(writer);
    expect(seq).toBe(history.length);
    expect(writer.projection.counts.duplicates).toBeGreaterThan(0);
    expect(writer.projection.counts.rejected).toBeGreaterThan(0);
    expect(writer.projection.formations.size).toBeGreaterThan(0);

    // After the checkpoint: re-publications of events from before it (the dedup window must remember them),
    // late events for destroyed cells, and more history.
    const straddling = history.slice(-60).filter((e): e is Record<string, unknown> => !('raw' in e));
    const late = lateEventsFor(writer, 20);
    await publishAll(nats.url, [...straddling, ...late, ...adversarial(500, 6)]);

    const booted = await cellgraphForTest(nats.url, CHECKPOINT_EVERY);
    await booted.source.whenReady();
    const { projection } = await booted.query(ProjectionCheckpointsDocument, {});
    expect(projection.checkpoints.origin).toBe('CHECKPOINT');
    expect(projection.checkpoints.loadedFrom?.seq).toBe(seq);
    expect(projection.replay.from).toBe(seq);
    expect(projection.checkpoints.refused).toEqual([]);
    const { last } = await expectEqualsFreshReplay(nats.url, booted);
    await expectEqualsFreshReplay(nats.url, writer);
    expect(booted.projection.counts.duplicates).toBeGreaterThanOrEqual(straddling.length);
    expect(last).toBeGreaterThan(seq);

    // Timelines: the booted replica (index from the checkpoint, then tailed) answers like the full replay.
    const lateCells = [...new Set(late.map((e) => (e['data'] as { cellId: string }).cellId))];
    const cellIds = [...lateCells, ...[...writer.projection.cells.keys()].slice(0, 10)];
    const formationIds = [...writer.projection.formations.keys()].slice(0, 10);
    const fromCheckpoint = await timelines(booted, cellIds, formationIds);
    expect(fromCheckpoint).toEqual(await timelines(writer, cellIds, formationIds));
    for (const cell of fromCheckpoint.cells) expect(cell!.events.events).toHaveLength(cell!.eventCount);
    const straddles = fromCheckpoint.cells.filter((c) => c!.events.events.some((e) => e.seq > seq));
    expect(straddles.length).toBeGreaterThanOrEqual(lateCells.length);
  });

  it('a checkpoint of a stream that was deleted and recreated is refused: full replay of the new one', async () => {
    const nats = await natsForTest();
    await publishAll(nats.url, adversarial(1200, 7));
    const writer = await cellgraphForTest(nats.url, CHECKPOINT_EVERY);
    await writtenCheckpoint(writer);
    await writer.stop();
    await withJsm(nats.url, async (jsm) => {
      await jsm.streams.delete(TEST_STREAM);
    });
    const { createStream } = await import('../support/publish.js');
    await createStream(nats.url);
    // More events than before, so the old checkpoint's cursor is in range and only the identity tells.
    await publishAll(nats.url, adversarial(1500, 8));
    const booted = await cellgraphForTest(nats.url, CHECKPOINT_EVERY);
    await booted.source.whenReady();
    const { checkpoint } = booted.source.status();
    expect(checkpoint.origin).toBe('FULL_REPLAY');
    expect(booted.source.status().replay.from).toBe(0);
    expect(checkpoint.refused.map((r) => r.reason).join()).toMatch(/deleted and recreated/);
    await expectEqualsFreshReplay(nats.url, booted);
  });

  it('without a bucket and CELLGRAPH_CREATE_STREAM=false: said why, full replay; an empty bucket name disables checkpoints', async () => {
    const nats = await natsForTest();
    await publishAll(nats.url, adversarial(800, 9));
    const readOnly = await cellgraphForTest(nats.url, { ...CHECKPOINT_EVERY, CELLGRAPH_CREATE_STREAM: 'false' });
    await readOnly.source.whenReady();
    expect(
      readOnly.source
        .status()
        .checkpoint.refused.map((r) => r.reason)
        .join(),
    ).toMatch(/does not exist/);
    const disabled = await cellgraphForTest(nats.url, { ...CHECKPOINT_EVERY, CELLGRAPH_CHECKPOINT_BUCKET: '' });
    await disabled.source.whenReady();
    const { projection } = await disabled.query(ProjectionCheckpointsDocument, {});
    expect(projection.checkpoints.bucket).toBeNull();
    expect(projection.checkpoints.origin).toBe('FULL_REPLAY');
    await expect(listCheckpoints(nats.url)).rejects.toThrow();
    await expect(deleteBucket(nats.url)).rejects.toThrow();
  });
});
