// CellRecord.events and Formation.events against a real stream: what a timeline holds, its pages, and what it leaves out.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CellTimelineDocument, FormationTimelineDocument, type TimelinePageFragment } from '../generated/graphql.js';
import { cellgraphForTest, type TestCellgraph, waitCursor } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

const nats = useNats();

/** Publishes and waits until `app` applied all of it; returns each item's seq. */
async function publish(app: TestCellgraph, items: Parameters<typeof publishAll>[1]): Promise<number[]> {
  const seqs = await publishAll(nats.url, items);
  await waitCursor(app, seqs.at(-1)!);
  return seqs;
}

/** Every page of a cell's timeline, `first` at a time, following each page's seq. */
async function allPages(app: TestCellgraph, id: string, first: number): Promise<TimelinePageFragment[]> {
  const pages: TimelinePageFragment[] = [];
  let after = 0;
  for (;;) {
    const { cell } = await app.query(CellTimelineDocument, { id, after, first });
    pages.push(cell!.events);
    if (!cell!.events.hasMore) return pages;
    after = cell!.events.seq;
  }
}

describe('cell and formation timelines', () => {
  it("a cell's lifecycle, oldest first with seqs; its rejected event and a re-published duplicate are not in it", async () => {
    const app = await cellgraphForTest(nats.url);
    const id = `timeline-${randomUUID()}`;
    const started = cloudEvent('cell.lifecycle.v1.started', { cellId: id, specId: 'spec-t' });
    const items = {
      started,
      other: cloudEvent('cell.lifecycle.v1.started', { cellId: `${id}-other`, specId: 'spec-t' }),
      duplicate: started,
      rejected: cloudEvent('cell.command.v1.completed', { cellId: id, exitCode: 'not a number' }),
      completed: cloudEvent('cell.command.v1.completed', { cellId: id, exitCode: 0 }),
      observed: cloudEvent('cell.observability.v1.metrics', { cellId: id, cpu: 0.5 }),
      destroyed: cloudEvent('cell.lifecycle.v1.destroyed', { cellId: id, outcome: 'succeeded' }),
    };
    const names = Object.keys(items) as (keyof typeof items)[];
    const seqs = await publish(app, Object.values(items));
    const seqOf = Object.fromEntries(names.map((name, i) => [name, seqs[i]!])) as Record<keyof typeof items, number>;
    expect(app.projection.recentRejections().map((r) => r.seq)).toContain(seqOf.rejected);

    const { cell } = await app.query(CellTimelineDocument, { id });
    const applied = ['started', 'completed', 'observed', 'destroyed'] as const;
    expect(cell!.events.events.map((e) => e.seq)).toEqual(applied.map((name) => seqOf[name]));
    expect(cell!.events.events.map((e) => (e.event as { id: string }).id)).toEqual(applied.map((n) => items[n].id));
    expect(cell!.events.events.map((e) => e.type)).toEqual([
      'cell.lifecycle.v1.started',
      'cell.command.v1.completed',
      'cell.observability.v1.metrics',
      'cell.lifecycle.v1.destroyed',
    ]);
    expect(cell!.events.events.every((e) => e.problem === null && e.subject.startsWith('cellos.events.'))).toBe(true);
    expect(cell!.events.events).toHaveLength(cell!.eventCount);
    expect(cell!.events).toMatchObject({ seq: cell!.lastSeq, hasMore: false });

    // Later events of the cell join the end; reading on from the page's seq gives only them.
    const [late] = await publish(app, [cloudEvent('cell.lifecycle.v1.started', { cellId: id, specId: 'late' })]);
    const next = await app.query(CellTimelineDocument, { id, after: cell!.events.seq });
    expect(next.cell!.events.events.map((e) => e.seq)).toEqual([late]);
  });

  it('pages with first and after: every page in order, together the whole timeline, the last says hasMore false', async () => {
    const app = await cellgraphForTest(nats.url);
    const id = `paged-${randomUUID()}`;
    const events = [
      cloudEvent('cell.lifecycle.v1.started', { cellId: id, specId: 's' }),
      ...Array.from({ length: 6 }, (_, i) => cloudEvent('cell.observability.v1.metrics', { cellId: id, n: i })),
      cloudEvent('cell.lifecycle.v1.destroyed', { cellId: id, outcome: 'failed', reason: 'oom' }),
    ];
    // Another cell's events between each: a page must never cross into them.
    const seqs = await publish(
      app,
      events.flatMap((e) => [e, cloudEvent('cell.observability.v1.metrics', { cellId: `${id}-noise` })]),
    );
    const own = seqs.filter((_, i) => i % 2 === 0);
    const pages = await allPages(app, id, 3);
    expect(pages.map((p) => p.events.length)).toEqual([3, 3, 2]);
    expect(pages.map((p) => p.hasMore)).toEqual([true, true, false]);
    expect(pages.flatMap((p) => p.events.map((e) => e.seq))).toEqual(own);
    expect(pages.map((p) => p.seq)).toEqual([own[2], own[5], own[7]]);
    const whole = await app.query(CellTimelineDocument, { id, first: 1000 });
    expect(pages.flatMap((p) => p.events)).toEqual(whole.cell!.events.events);
  });

  it("a formation's timeline: its own events, not its cells'", async () => {
    const app = await cellgraphForTest(nats.url);
    const formationId = randomUUID();
    const seqs = await publish(app, [
      cloudEvent('cell.formation.v1.created', { formationId, name: 'tl' }),
      cloudEvent('cell.lifecycle.v1.started', { cellId: `f-${formationId}`, specId: 's', formationId }),
      cloudEvent('cell.formation.v1.launching', { formationId }),
      cloudEvent('cell.formation.v1.running', { formationId }),
      cloudEvent('cell.formation.v1.running', { formationId: 'not-a-uuid' }),
      cloudEvent('cell.formation.v1.completed', { formationId }),
    ]);
    const { formation } = await app.query(FormationTimelineDocument, { id: formationId });
    expect(formation!.events.events.map((e) => e.seq)).toEqual([seqs[0], seqs[2], seqs[3], seqs[5]]);
    expect(formation!.events.events.map((e) => e.type)).toEqual([
      'cell.formation.v1.created',
      'cell.formation.v1.launching',
      'cell.formation.v1.running',
      'cell.formation.v1.completed',
    ]);
    expect(formation!.events.events).toHaveLength(formation!.eventCount);
  });

  it('a page above the size limit is refused with LIMIT_EXCEEDED, not a 500', async () => {
    const app = await cellgraphForTest(nats.url, { CELLGRAPH_MAX_PAGE_SIZE: '10' });
    const id = `limit-${randomUUID()}`;
    await publish(app, [cloudEvent('cell.lifecycle.v1.started', { cellId: id, specId: 's' })]);
    const { status, body } = await app.request(CellTimelineDocument, { id, first: 11 });
    expect(status).toBe(200);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'pageSize' });
  });
});
