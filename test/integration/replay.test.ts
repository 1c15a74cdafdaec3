import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/decode.js';
import { countCellsBy } from '../../src/projection/cellCount.js';
import { Projection } from '../../src/projection/projection.js';
import { type SimulatedEvent, takeEvents } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import {
  CellCountsAtDocument,
  type CellOrder,
  CellsPageDocument,
  FormationsDocument,
  ProjectionSeqDocument,
} from '../generated/graphql.js';
import { cellgraphForTest, type TestCellgraph, waitCursor, waitReady } from '../support/cellgraph.js';
import { natsForTest } from '../support/nats.js';

/** Replay and tail are one consumer: nothing published during replay is lost or applied twice; restarts converge. */

/** Publishes with the subjects a producer would use; returns (seq, body) pairs. */
async function publish(url: string, events: SimulatedEvent[]): Promise<{ seq: number; body: string }[]> {
  const publisher = await EventPublisher.connect(url);
  try {
    const bodies = events.map((e) => JSON.stringify(e.event));
    const seqs = await publisher.publish(events.map((e, i) => ({ subject: e.subject, body: bodies[i]! })));
    return seqs.map((seq, i) => ({ seq, body: bodies[i]! }));
  } finally {
    await publisher.close();
  }
}

/** What a fresh replica must compute: the same bodies applied in seq order. */
function referenceProjection(published: { seq: number; body: string }[]): Projection {
  const reference = new Projection();
  const encoder = new TextEncoder();
  for (const { seq, body } of [...published].sort((a, b) => a.seq - b.seq))
    reference.apply(seq, decodeEvent(encoder.encode(body)));
  return reference;
}

const ORDERS: CellOrder[] = [
  { field: 'FIRST_SEEN', direction: 'ASC' },
  { field: 'LAST_SEQ', direction: 'DESC' },
  { field: 'ID', direction: 'ASC' },
  { field: 'STARTED_AT', direction: 'DESC' },
  { field: 'DESTROYED_AT', direction: 'ASC' },
];

/** Every page of `cells` in one order, at (or after) minSeq. */
async function allCells(app: TestCellgraph, orderBy: CellOrder, minSeq: number, filter?: Record<string, unknown>) {
  const pages = [];
  let after: string | null = null;
  for (;;) {
    const { cells }: Awaited<ReturnType<typeof app.query<import('../generated/graphql.js').CellsPageQuery, unknown>>> =
      await app.query(CellsPageDocument, { orderBy, first: 1000, after, minSeq, filter: filter as never });
    pages.push(cells);
    if (!cells.pageInfo.hasNextPage) break;
    after = cells.pageInfo.endCursor!;
  }
  return pages;
}

describe('replay while publishing', () => {
  it('applies every event published before and during replay exactly once, as a reference projection would', async () => {
    const server = await natsForTest();
    const events = takeEvents(20_000, { seed: 20_241_128, concurrentCells: 200 });
    const before = await publish(server.url, events.slice(0, 14_000));

    const app = await cellgraphForTest(server.url, { CELLGRAPH_REPLAY_BATCH: '200' });
    // Keep publishing while the replay runs: these land behind the boot target and during the tail.
    const during = publish(server.url, events.slice(14_000));
    const readyAt = (async () => {
      await app.source.whenReady();
      return app.projection.cursor;
    })();
    const published = [...before, ...(await during)];
    const last = Math.max(...published.map((p) => p.seq));
    expect(new Set(published.map((p) => p.seq)).size).toBe(events.length);
    expect(last).toBe(events.length);
    await waitCursor(app, last, 60_000);
    expect(await readyAt).toBeGreaterThanOrEqual(before.at(-1)!.seq);

    const reference = referenceProjection(published);
    const projection = app.projection;
    expect(projection.cursor).toBe(reference.cursor);
    expect(projection.counts).toEqual(reference.counts);
    const { applied, duplicates, skipped, rejected } = projection.counts;
    expect(applied + duplicates + skipped + rejected).toBe(projection.cursor);
    expect(duplicates).toBeGreaterThan(0);
    expect(projection.cellIdsInFirstSeenOrder()).toEqual(reference.cellIdsInFirstSeenOrder());
    expect(projection.cellCountsByState()).toEqual(reference.cellCountsByState());
    expect(Object.fromEntries(projection.cells)).toEqual(Object.fromEntries(reference.cells));
    expect(Object.fromEntries(projection.formations)).toEqual(Object.fromEntries(reference.formations));

    // and the same through GraphQL
    const counts = (await app.query(CellCountsAtDocument, { minSeq: last })).cellCounts;
    const expected = countCellsBy(reference, null);
    expect(counts).toEqual({
      total: expected.total,
      pending: expected.byState.pending,
      running: expected.byState.running,
      destroyed: expected.byState.destroyed,
      succeeded: expected.byOutcome.succeeded,
      failed: expected.byOutcome.failed,
      seq: last,
    });
    const status = (await app.query(ProjectionSeqDocument, { minSeq: last })).projection;
    expect(status).toMatchObject({ ...reference.counts, seq: last, lag: 0, ready: true });
  });
});

describe('restart equivalence', () => {
  it('a fresh replica answers `cells` exactly as the running one did at the same seq', async () => {
    const server = await natsForTest();
    const events = takeEvents(5_000, { seed: 77, concurrentCells: 80 });
    await publish(server.url, events.slice(0, 3_000));

    const a = await cellgraphForTest(server.url);
    await waitReady(a);
    const more = await publish(server.url, events.slice(3_000));
    const x = more.at(-1)!.seq;
    await waitCursor(a, x);

    const answersA = [];
    for (const order of ORDERS) answersA.push(await allCells(a, order, x));
    answersA.push(await allCells(a, ORDERS[0]!, x, { states: ['DESTROYED'], outcome: 'FAILED' }));
    const countsA = await a.query(CellCountsAtDocument, { minSeq: x });
    const formationsA = await a.query(FormationsDocument, { first: 1000 });
    await a.stop();

    const b = await cellgraphForTest(server.url, { CELLGRAPH_MIN_SEQ_WAIT_MS: '30000' });
    // minSeq makes B wait until it has reached X instead of answering from a partial replay
    const countsB = await b.query(CellCountsAtDocument, { minSeq: x });
    const answersB = [];
    for (const order of ORDERS) answersB.push(await allCells(b, order, x));
    answersB.push(await allCells(b, ORDERS[0]!, x, { states: ['DESTROYED'], outcome: 'FAILED' }));
    const formationsB = await b.query(FormationsDocument, { first: 1000 });

    for (const pages of [...answersA, ...answersB]) for (const page of pages) expect(page.seq).toBe(x);
    expect(answersA[0]!.flatMap((p) => p.edges).length).toBe(a.projection.cells.size);
    expect(answersB).toEqual(answersA);
    expect(countsB).toEqual(countsA);
    expect(formationsB).toEqual(formationsA);
    expect(b.projection.counts).toEqual(a.projection.counts);
  });
});
