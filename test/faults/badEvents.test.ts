import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { DigestDocument, expectEqualsFreshReplay, expectViewEqualsQuery } from '../support/convergence.js';
import { publishInBackground, syncWatcher, withFaultRig } from '../support/faultScenarios.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

const MAX_PAYLOAD = 4096;
const nats = useNats();

const big = (n: number) => 'x'.repeat(n);

it('events beyond max_payload and bodies that cannot be decoded are counted and never stop the consumer', async () => {
  const events = takeEvents(4000, { seed: 51, concurrentCells: 40 }).map((e) => e.event);
  // Stored while the server still accepted large messages (a server's max_payload can be lowered later,
  // or differ in a cluster): each is far beyond the 4 KiB the server will allow after its restart.
  const oversized = [
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'huge-1', specId: 'big-spec', blob: big(64 * 1024) }),
    { raw: `{"specversion":"1.0","id":"huge-garbage","type":"${big(70 * 1024)}` },
    cloudEvent('cell.observability.v1.metrics', { cellId: 'huge-1', blob: big(200 * 1024) }),
  ];
  const undecodable = [
    { raw: 'not json at all' },
    { raw: new Uint8Array([0xff, 0xfe, 0x00, 0xc3, 0x28]) },
    { raw: '[1,2,3]' },
    { raw: '' },
    { raw: '{"specversion":"1.0","id":"x","source":"s"}' },
    { raw: JSON.stringify(cloudEvent('cell.lifecycle.v1.started', { specId: 'no-cell-id' })) },
  ];
  await publishAll(nats.url, [...events.slice(0, 1000), ...oversized, ...undecodable, ...events.slice(1000, 1500)]);

  // Restart NATS with max_payload 4096: the stored messages are now beyond what it accepts.
  const configFile = path.join(os.tmpdir(), `cellgraph-nats-${process.pid}-${Date.now()}.conf`);
  writeFileSync(configFile, `max_payload: ${MAX_PAYLOAD}\n`);
  await nats.restart(['-c', configFile]);

  await withFaultRig(nats.url, {}, async (rig) => {
    const { app, publisher, watcher } = rig;
    await syncWatcher(rig);
    // A live publisher mixes more garbage into the tail.
    const live = [...events.slice(1500, 2500), ...undecodable, ...events.slice(2500)].map((item) =>
      'raw' in item
        ? { subject: 'cellos.events.test.raw', body: item.raw as string | Uint8Array }
        : { subject: 'cellos.events.test', event: item },
    );
    const publishing = publishInBackground(publisher, live, { rate: 2000, window: 32, retry: true });
    // The publisher's client knows the new limit: an oversized event is refused before it is sent.
    await expect(publisher.js.publish('cellos.events.test', JSON.stringify(oversized[0]))).rejects.toThrow(/payload/i);
    await publishing;

    const { last } = await expectEqualsFreshReplay(nats.url, app);
    const { projection } = await app.query(DigestDocument, { minSeq: last });
    // 6 undecodable bodies twice, and the oversized one that is not valid JSON.
    expect(projection.rejected).toBe(2 * undecodable.length + 1);
    expect(projection.applied + projection.duplicates + projection.skipped + projection.rejected).toBe(last);
    // The oversized but valid events were applied like any other.
    expect(app.projection.cells.get('huge-1')).toMatchObject({ specId: 'big-spec', eventCount: 2 });
    await expectViewEqualsQuery(watcher, app, last);
  });
});
