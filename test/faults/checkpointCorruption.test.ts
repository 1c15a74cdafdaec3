import { describe, expect, it } from 'vitest';
import { REDUCER_RULES_VERSION } from '../../src/projection/cellReducer.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { cellgraphForTest, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import {
  editCheckpoint,
  editHeader,
  listCheckpoints,
  readCheckpointObject,
  replaceCheckpointObject,
} from '../support/checkpoints.js';
import { expectEqualsFreshReplay } from '../support/convergence.js';
import { withJsm } from '../support/jetstream.js';
import { natsForTest } from '../support/nats.js';
import { publishAll, TEST_STREAM } from '../support/publish.js';

const EVERY = { CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: '300' };

/** A stream of `count` events and one checkpoint of it in the bucket, written by a replica that is then stopped. */
async function streamWithCheckpoint(count: number, seed: number) {
  const nats = await natsForTest();
  await publishAll(
    nats.url,
    takeEvents(count, { seed, duplicateRate: 0.05, formationShare: 0.4 }).map((e) => e.event),
  );
  const writer = await cellgraphForTest(nats.url, EVERY);
  await waitUntil(() => writer.source.status().checkpoint.lastWritten !== null, 'a checkpoint written');
  await writer.stop();
  const [info] = await listCheckpoints(nats.url);
  return { nats, info: info!, bytes: await readCheckpointObject(nats.url, info!.name) };
}

/** Boots a replica; it must refuse the checkpoint for `reason`, replay from seq 1, and equal a fresh replay. */
async function expectFullReplay(url: string, reason: RegExp): Promise<TestCellgraph> {
  const booted = await cellgraphForTest(url, EVERY);
  await booted.source.whenReady();
  const { checkpoint, replay } = booted.source.status();
  expect(checkpoint.origin).toBe('FULL_REPLAY');
  expect(replay.from).toBe(0);
  expect(checkpoint.refused.map((r) => r.reason).join('; ')).toMatch(reason);
  await expectEqualsFreshReplay(url, booted);
  return booted;
}

describe('an unusable checkpoint in the bucket: logged with its reason, full replay', () => {
  it('truncated', async () => {
    const { nats, info, bytes } = await streamWithCheckpoint(1500, 21);
    await replaceCheckpointObject(nats.url, info, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectFullReplay(nats.url, /corrupt|truncated/);
  });

  it('corrupted bytes', async () => {
    const { nats, info, bytes } = await streamWithCheckpoint(1500, 22);
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 3)]! ^= 0x5a;
    await replaceCheckpointObject(nats.url, info, flipped);
    await expectFullReplay(nats.url, /corrupt|checksum/);
  });

  it('records altered with a valid checksum: the digest differs', async () => {
    const { nats, info, bytes } = await streamWithCheckpoint(1500, 23);
    const altered = editCheckpoint(bytes, (lines) => {
      const index = lines.findIndex((l, i) => i > 2 && l.includes('"running"'));
      lines[index] = lines[index]!.replace('"running"', '"pending"');
    });
    await replaceCheckpointObject(nats.url, info, altered);
    await expectFullReplay(nats.url, /digest mismatch/);
  });

  it('written under older rules', async () => {
    const { nats, info, bytes } = await streamWithCheckpoint(1200, 24);
    await replaceCheckpointObject(nats.url, info, editHeader(bytes, { rulesVersion: REDUCER_RULES_VERSION - 1 }));
    await expectFullReplay(nats.url, /rules version/);
  });

  it('cursor past the stream last seq', async () => {
    const { nats, info, bytes } = await streamWithCheckpoint(1200, 25);
    await replaceCheckpointObject(nats.url, info, editHeader(bytes, { cursor: 5000 }));
    await expectFullReplay(nats.url, /past the stream's last seq/);
  });

  it('cursor before the first seq minus one (events after it purged)', async () => {
    const { nats } = await streamWithCheckpoint(1200, 26);
    await publishAll(
      nats.url,
      takeEvents(600, { seed: 27 }).map((e) => e.event),
    );
    await withJsm(nats.url, async (jsm) => {
      await jsm.streams.purge(TEST_STREAM, { keep: 300 });
    });
    await expectFullReplay(nats.url, /before the stream's first seq/);
  });

  it('a newer unusable checkpoint is skipped for an older usable one', async () => {
    const { nats, info } = await streamWithCheckpoint(1200, 28);
    // A second, newer checkpoint, then the newer one is corrupted: the older one is used.
    await publishAll(
      nats.url,
      takeEvents(800, { seed: 29 }).map((e) => e.event),
    );
    const second = await cellgraphForTest(nats.url, EVERY);
    await waitUntil(
      () => (second.source.status().checkpoint.lastWritten?.seq ?? 0) > Number(info.metadata?.['cursor']),
      'a newer checkpoint',
    );
    await second.stop();
    const [newest] = await listCheckpoints(nats.url);
    const bytes = await readCheckpointObject(nats.url, newest!.name);
    await replaceCheckpointObject(nats.url, newest!, bytes.subarray(0, bytes.length - 40));
    const booted = await cellgraphForTest(nats.url, EVERY);
    await booted.source.whenReady();
    const { checkpoint } = booted.source.status();
    expect(checkpoint.origin).toBe('CHECKPOINT');
    expect(checkpoint.loadedFrom?.seq).toBe(Number(info.metadata?.['cursor']));
    expect(checkpoint.refused).toHaveLength(1);
    expect(checkpoint.refused[0]?.seq).toBe(Number(newest!.metadata?.['cursor']));
    await expectEqualsFreshReplay(nats.url, booted);
  });
});
