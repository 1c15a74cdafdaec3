import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CellDocument,
  EventFeedDocument,
  type EventFeedSubscription,
  OneCellDocument,
  type OneCellSubscription,
  ProjectionStatusDocument,
} from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { subscribe, wsClient } from '../support/subscriber.js';

/**
 * README promises about subscription arguments and settings that no other
 * test would notice being ignored: each case is built so that the argument
 * ignored gives a different answer than the argument honoured.
 */

const nats = useNats();
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url, { CELLGRAPH_BOOKMARK_INTERVAL_MS: '200' });
  await app.source.whenReady();
});

afterAll(async () => {
  await app?.stop();
});

const STARTED = 'cell.lifecycle.v1.started';
const COMPLETED = 'cell.command.v1.completed';
const started = (cellId: string) => cloudEvent(STARTED, { cellId, specId: 'spec-p' });
const completed = (cellId: string, exitCode: number) => cloudEvent(COMPLETED, { cellId, exitCode });

async function published(events: Record<string, unknown>[]): Promise<number[]> {
  const seqs = await publishAll(nats.url, events);
  await waitUntil(() => app.projection.cursor >= seqs.at(-1)!, `cursor ${seqs.at(-1)}`);
  return seqs;
}

describe('events(after, types) subscription', () => {
  it('sends only the listed types, from the stream (after) and live alike', async () => {
    const before = app.projection.cursor;
    const stored = await published([started('t1'), completed('t1', 0), started('t2'), completed('t2', 1)]);
    const client = wsClient(app.url);
    const messages: EventFeedSubscription['events'][] = [];
    const sub = subscribe(client, EventFeedDocument, { after: before, types: [COMPLETED] }, (data) =>
      messages.push(data.events),
    );
    await waitUntil(() => messages.some((m) => m.seq >= stored.at(-1)!), 'the stored events read back');
    const live = await published([completed('t1', 2), started('t3'), started('t4'), completed('t3', 3), started('t5')]);
    // A bookmark (sent when idle) at the last seq: every live event up to there was considered.
    await waitUntil(() => messages.some((m) => m.seq >= live.at(-1)!), 'the live events');
    sub.stop();
    await client.dispose();

    const events = messages.filter((m) => m.kind === 'EVENT');
    const wanted = [stored[1], stored[3], live[0], live[3]];
    expect(events.map((m) => m.seq)).toEqual(wanted);
    for (const m of events) expect(m.event?.type).toMatch(/cell\.command\.v1\.completed$/);
    expect(sub.errors).toEqual([]);
  });
});

describe('cell(id, after) subscription', () => {
  async function take(variables: { id: string; after?: number }, until: (m: OneCellSubscription['cell']) => boolean) {
    const client = wsClient(app.url);
    const messages: OneCellSubscription['cell'][] = [];
    const sub = subscribe(client, OneCellDocument, variables, (data) => messages.push(data.cell));
    await waitUntil(() => messages.some(until), `cell(${JSON.stringify(variables)}) to reach its mark`);
    return {
      messages,
      async close() {
        sub.stop();
        await client.dispose();
        expect(sub.errors).toEqual([]);
      },
    };
  }

  it('resumes: only what changed after `after`, at its latest state, then SYNCED and live changes', async () => {
    const [firstSeq, secondSeq, otherSeq] = await published([started('r1'), completed('r1', 7), started('r-other')]);

    // Nothing of r1 changed after its last seq (another cell did): SYNCED comes first.
    const upToDate = await take({ id: 'r1', after: otherSeq! }, (m) => m.kind === 'SYNCED');
    expect(upToDate.messages[0]).toMatchObject({ kind: 'SYNCED', seq: otherSeq });
    await upToDate.close();

    // From its first seq: the one later change, with the state it has now, then SYNCED.
    const behind = await take({ id: 'r1', after: firstSeq! }, (m) => m.kind === 'SYNCED');
    expect(behind.messages.map((m) => m.kind)).toEqual(['UPDATED', 'SYNCED']);
    expect(behind.messages[0]).toMatchObject({ seq: secondSeq, id: 'r1', cell: { exitCode: 7, state: 'RUNNING' } });
    const [liveSeq] = await publishAll(nats.url, [completed('r1', 8)]);
    await waitUntil(() => behind.messages.some((m) => m.seq === liveSeq && m.kind === 'UPDATED'), 'the live change');
    expect(behind.messages.at(-1)).toMatchObject({ kind: 'UPDATED', seq: liveSeq, cell: { exitCode: 8 } });
    await behind.close();

    // The query agrees with what the subscription delivered last.
    expect((await app.query(CellDocument, { id: 'r1' })).cell).toMatchObject({ exitCode: 8, lastSeq: liveSeq });
  });
});

describe('CELLGRAPH_DEDUP_WINDOW', () => {
  it('counts events, not time: a republish further back than the window is applied again', async () => {
    const original = completed('d1', 1);
    await published([started('d1'), original, completed('d1', 2), started('d-spacer'), { ...original }]);
    const small = await startTestCellgraph(nats.url, { CELLGRAPH_DEDUP_WINDOW: '2' });
    try {
      await small.source.whenReady();
      await waitUntil(() => small.projection.cursor >= app.projection.cursor, 'the small-window replica caught up');
      const wide = (await app.query(ProjectionStatusDocument)).projection;
      const narrow = (await small.query(ProjectionStatusDocument)).projection;
      // Default window: the republish is a duplicate and exit code 2 stands. Window of 2: it is
      // applied again (two other events came between), exit code back to 1.
      expect(narrow.duplicates).toBe(wide.duplicates - 1);
      expect((await app.query(CellDocument, { id: 'd1' })).cell?.exitCode).toBe(2);
      expect((await small.query(CellDocument, { id: 'd1' })).cell?.exitCode).toBe(1);
    } finally {
      await small.stop();
    }
  });
});
