// cellgraph on accounts with the permissions the README lists, and nothing more: it replays, tails, reads events, sees purges, loads and writes checkpoints.
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm, StorageType } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { expect, it } from 'vitest';
import { takeEvents } from '../../src/simulator/generator.js';
import { CellTimelineDocument, StreamEventsDocument } from '../generated/graphql.js';
import { cellgraphForTest, waitCursor, waitReady, waitUntil } from '../support/cellgraph.js';
import { DigestDocument, expectViewEqualsQuery } from '../support/convergence.js';
import { captureLogs } from '../support/logs.js';
import { natsForTest } from '../support/nats.js';
import { publishAll, TEST_STREAM } from '../support/publish.js';
import { ResumingWatcher } from '../support/resumingWatcher.js';

const ADMIN = { user: 'admin', pass: 'admin-pw-7Hq2' };
const READER = { user: 'cellgraph', pass: 'reader-pw-4Kz9' };
const WRITER = { user: 'checkpointer', pass: 'writer-pw-9Tb3' };
const BUCKET = 'cellgraph-checkpoints';

/** Exactly what the README's "Read-only permissions" lists for stream CELLOS_EVENTS. */
const READ_ONLY = {
  publish: [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${TEST_STREAM}`,
    `$JS.API.CONSUMER.CREATE.${TEST_STREAM}`,
    `$JS.API.CONSUMER.CREATE.${TEST_STREAM}.>`,
    `$JS.API.CONSUMER.MSG.NEXT.${TEST_STREAM}.>`,
    `$JS.API.CONSUMER.INFO.${TEST_STREAM}.>`,
    `$JS.API.CONSUMER.DELETE.${TEST_STREAM}.>`,
    `$JS.API.STREAM.MSG.GET.${TEST_STREAM}`,
  ],
  subscribe: ['_INBOX.>', '$JS.EVENT.ADVISORY.API'],
};

/** The README's "read checkpoints" list: the bucket's stream OBJ_<bucket>, read through consumers (deliveries on _INBOX). */
const CHECKPOINT_READ = [
  `$JS.API.STREAM.INFO.OBJ_${BUCKET}`,
  `$JS.API.STREAM.MSG.GET.OBJ_${BUCKET}`,
  `$JS.API.CONSUMER.CREATE.OBJ_${BUCKET}`,
  `$JS.API.CONSUMER.CREATE.OBJ_${BUCKET}.>`,
  `$JS.API.CONSUMER.DELETE.OBJ_${BUCKET}.>`,
  `$JS.FC.OBJ_${BUCKET}.>`,
];

/** The README's "write checkpoints" list, on top of reading them. */
const CHECKPOINT_WRITE = [`$O.${BUCKET}.>`, `$JS.API.STREAM.PURGE.OBJ_${BUCKET}`];

const list = (subjects: string[]) => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;
const user = ({ user, pass }: { user: string; pass: string }, publish: string[]) =>
  `{ user: "${user}", password: "${pass}",
    permissions: { publish: { allow: ${list(publish)} }, subscribe: { allow: ${list(READ_ONLY.subscribe)} } } }`;
const config = `authorization { users = [
  { user: "${ADMIN.user}", password: "${ADMIN.pass}" },
  ${user(READER, [...READ_ONLY.publish, ...CHECKPOINT_READ])},
  ${user(WRITER, [...READ_ONLY.publish, ...CHECKPOINT_READ, ...CHECKPOINT_WRITE])}
] }
`;

/** The bucket as an operator creates it for read-only accounts (`nats object add`): they may not create it. */
async function createBucket(nats: { clientOptions: Parameters<typeof connect>[0] }): Promise<void> {
  const nc = await connect(nats.clientOptions);
  try {
    await new Objm(nc).create(BUCKET, { storage: StorageType.File });
  } finally {
    await nc.close();
  }
}

it('with only the README permissions and CELLGRAPH_CREATE_STREAM=false, one replica writes a checkpoint, a read-only one boots from it, tails, reads events and notices a purge, without one permission error', async () => {
  const nats = await natsForTest({ config, client: ADMIN });
  await createBucket(nats);
  const events = takeEvents(3_000, { seed: 51, concurrentCells: 40 }).map((e) => e.event);
  await publishAll(nats.clientOptions, events.slice(0, 2_000));

  const logs = captureLogs('debug');
  const readOnly = { CELLGRAPH_CREATE_STREAM: 'false', CELLGRAPH_LOG_LEVEL: 'debug' };
  // A replica on the writing account stores a checkpoint once caught up (the interval is below the 2,000 events).
  const writer = await cellgraphForTest(
    nats.url,
    {
      ...readOnly,
      CELLGRAPH_NATS_USER: WRITER.user,
      CELLGRAPH_NATS_PASSWORD: WRITER.pass,
      CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: '1000',
    },
    logs.logger,
  );
  await waitUntil(() => writer.source.status().checkpoint.lastWritten !== null, 'a checkpoint written');
  const written = writer.source.status().checkpoint.lastWritten?.seq;
  expect(written).toBe(2_000);
  await writer.stop();

  const reader = {
    ...readOnly,
    CELLGRAPH_NATS_USER: READER.user,
    CELLGRAPH_NATS_PASSWORD: READER.pass,
    CELLGRAPH_CHECKPOINT_WRITE: 'false',
  };
  const app = await cellgraphForTest(nats.url, reader, logs.logger);
  await waitReady(app);
  const { checkpoint, replay } = app.source.status();
  expect(checkpoint.origin).toBe('CHECKPOINT');
  expect(checkpoint.loadedFrom?.seq).toBe(written);
  expect(checkpoint.refused).toEqual([]);
  expect(replay.from).toBe(written);
  const watcher = new ResumingWatcher(app.url);
  try {
    watcher.start();
    await waitUntil(() => watcher.view.synced, 'subscriber synced');
    const seqs = await publishAll(nats.clientOptions, events.slice(2_000), { rate: 1_000 });
    const last = seqs.at(-1) as number;
    await waitCursor(app, last);
    await expectViewEqualsQuery(watcher, app, last);
    // Reading the stored events (the `events` query) is a consumer too.
    const { events: page } = await app.query(StreamEventsDocument, { after: last - 10, first: 5 });
    expect(page.events.map((e) => e.seq)).toEqual([last - 9, last - 8, last - 7, last - 6, last - 5]);
    // A cell's timeline reads its messages back one by one (stream message get).
    const busy = [...app.projection.cells.values()].find((c) => c.eventCount >= 3)!;
    const { cell } = await app.query(CellTimelineDocument, { id: busy.id });
    expect(cell!.events.events.map((e) => e.seq)).toEqual(app.projection.timelineOf(busy, 0, 1000).seqs);
    expect(cell!.events.events).toHaveLength(busy.eventCount);

    // A purge is seen through the advisory subject: the projection is rebuilt from what is left (nothing).
    await (async () => {
      const nc = await connect(nats.clientOptions);
      try {
        await (await jetstreamManager(nc)).streams.purge(TEST_STREAM);
      } finally {
        await nc.close();
      }
    })();
    await waitUntil(() => app.projection.cursor === 0, 'projection rebuilt after the purge');
    const refilled = (await publishAll(nats.clientOptions, events.slice(0, 100))).at(-1) as number;
    await waitCursor(app, refilled);
    // A fresh replica on the same read-only account (a full replay: checkpoints off) holds the same projection at the same cursor.
    const fresh = await cellgraphForTest(nats.url, { ...reader, CELLGRAPH_CHECKPOINT_BUCKET: '' });
    await waitCursor(fresh, refilled);
    const [a, b] = await Promise.all([
      app.query(DigestDocument, { minSeq: refilled }),
      fresh.query(DigestDocument, { minSeq: refilled }),
    ]);
    expect(a.projection.seq).toBe(refilled);
    expect(a.projection).toEqual(b.projection);
  } finally {
    await watcher.stop();
  }
  expect(logs.text()).not.toMatch(/permission/i);
  expect(app.source.consumerStats().stallRestarts).toBe(0);
  // The read-only replica never tried to write one.
  expect(app.source.status().checkpoint.lastWritten).toBeNull();
  expect(app.source.status().checkpoint.lastWriteError).toBeNull();
});

it('the read-only account can neither create a stream, publish events nor write a checkpoint', async () => {
  const nats = await natsForTest({ config, client: ADMIN });
  const nc = await connect({ servers: nats.url, ...READER });
  try {
    const errors: string[] = [];
    void (async () => {
      for await (const status of nc.status()) if (status.type === 'error') errors.push(String(status.error));
    })();
    nc.publish('cellos.events.test', '{}');
    nc.publish('$JS.API.STREAM.CREATE.OTHER', '{}');
    nc.publish(`$JS.API.STREAM.PURGE.${TEST_STREAM}`, '');
    nc.publish(`$O.${BUCKET}.C.chunk`, '');
    await nc.flush();
    await waitUntil(() => errors.length >= 4, 'four permission violations');
    expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "cellos\.events\.test"/);
    expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "\$JS\.API\.STREAM\.CREATE\.OTHER"/);
    expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "\$JS\.API\.STREAM\.PURGE\.CELLOS_EVENTS"/);
    expect(errors.join('\n')).toMatch(/Permissions Violation for Publish to "\$O\.cellgraph-checkpoints\.C\.chunk"/);
  } finally {
    await nc.close();
  }
});
