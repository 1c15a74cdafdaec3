import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { STREAM_MAX_AGE_MS } from '../../src/source/stream.js';
import { cellgraphForTest, waitReady, waitUntil } from '../support/cellgraph.js';
import { httpStatus } from '../support/http.js';
import { withJsm } from '../support/jetstream.js';
import { natsForTest } from '../support/nats.js';
import { cloudEvent, publishAll, TEST_STREAM } from '../support/publish.js';

/** The stream is created only when missing, never when told not to, and an existing one is never changed. */

const streamNames = (url: string) =>
  withJsm(url, async (jsm) => {
    const names: string[] = [];
    for await (const name of jsm.streams.names()) names.push(name);
    return names;
  });

describe('stream creation', () => {
  it('CELLGRAPH_CREATE_STREAM=false with no stream: nothing is created, not ready, and it says why', async () => {
    const server = await natsForTest({ stream: false });
    const app = await cellgraphForTest(server.url, { CELLGRAPH_CREATE_STREAM: 'false' });
    await waitUntil(() => /does not exist/.test(app.source.status().lastError ?? ''), 'the missing-stream error');
    expect(await streamNames(server.url)).toEqual([]);
    expect(await httpStatus(`${app.url}/readyz`)).toBe(503);
    expect(await httpStatus(`${app.url}/healthz`)).toBe(200);
    await app.stop();
    expect(await streamNames(server.url)).toEqual([]);
  });

  it('CELLGRAPH_CREATE_STREAM=false picks the stream up once its owner creates it', async () => {
    const server = await natsForTest({ stream: false });
    const app = await cellgraphForTest(server.url, { CELLGRAPH_CREATE_STREAM: 'false' });
    await waitUntil(() => app.source.status().lastError !== null, 'the missing-stream error');
    await withJsm(server.url, (jsm) => jsm.streams.add({ name: TEST_STREAM, subjects: ['cellos.events.>'] }));
    const [seq] = await publishAll(server.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'x', specId: 's' })]);
    await waitReady(app, 45_000);
    await waitUntil(() => app.projection.cursor === seq, 'the published event');
  });

  it('creates a missing stream as cellos-server does: file storage, 90 days', async () => {
    const server = await natsForTest({ stream: false });
    const app = await cellgraphForTest(server.url);
    await waitReady(app);
    const info = await withJsm(server.url, (jsm) => jsm.streams.info(TEST_STREAM));
    expect(info.config).toMatchObject({
      subjects: ['cellos.events.>'],
      storage: StorageType.File,
      max_age: nanos(STREAM_MAX_AGE_MS),
    });
  });

  it.each(['true', 'false'])('never changes an existing stream (CELLGRAPH_CREATE_STREAM=%s)', async (create) => {
    const server = await natsForTest({ stream: false });
    const tuned = {
      name: TEST_STREAM,
      subjects: ['cellos.events.>', 'legacy.cellos.>'],
      storage: StorageType.Memory,
      retention: RetentionPolicy.Limits,
      max_msgs: 12_345,
      max_age: nanos(60 * 60 * 1000),
      description: 'tuned by its owner',
    };
    const before = await withJsm(server.url, async (jsm) => (await jsm.streams.add(tuned)).config);
    const [seq] = await publishAll(server.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'y', specId: 's' })]);
    const app = await cellgraphForTest(server.url, { CELLGRAPH_CREATE_STREAM: create });
    await waitReady(app);
    expect(app.projection.cursor).toBe(seq);
    await app.stop();
    const after = await withJsm(server.url, async (jsm) => (await jsm.streams.info(TEST_STREAM)).config);
    expect(after).toEqual(before);
    expect(after).toMatchObject({ max_msgs: 12_345, storage: StorageType.Memory, description: 'tuned by its owner' });
  });
});
