import { describe, expect, it } from 'vitest';
import { DroppedFieldsStatusDocument } from '../generated/graphql.js';
import { cellgraphForTest, waitCursor } from '../support/cellgraph.js';
import { natsForTest } from '../support/nats.js';
import { parsePrometheus } from '../support/prometheus.js';
import { cloudEvent, createStream, publishAll } from '../support/publish.js';

/**
 * The three events seen rejected in the field, over a real stream: each now
 * applies with its broken optional field dropped, and the drop is visible
 * (GraphQL, /metrics) with its seq.
 */
describe('optional fields that break their rule', () => {
  it('are dropped, counted and visible with their seq; the state change they came with is kept', async () => {
    const nats = await natsForTest();
    await createStream(nats.url);
    const seqs = await publishAll(nats.url, [
      cloudEvent('cell.lifecycle.v1.started', { cellId: 'fleet-cell', specId: 's', formationId: 'fleet-a' }),
      cloudEvent('cell.command.v1.completed', { cellId: 'fleet-cell', exitCode: 3, durationMs: -1 }),
      cloudEvent('cell.lifecycle.v1.destroyed', { cellId: 'fleet-cell', specId: '', outcome: 'failed' }),
    ]);
    const app = await cellgraphForTest(nats.url);
    await waitCursor(app, seqs.at(-1)!);

    const { cell, projection } = await app.query(DroppedFieldsStatusDocument, { cellId: 'fleet-cell' });
    expect(cell).toEqual({
      id: 'fleet-cell',
      state: 'DESTROYED',
      specId: 's',
      formationId: null,
      outcome: 'FAILED',
      exitCode: 3,
    });
    expect(projection.rejected).toBe(0);
    expect(projection.droppedFields).toBe(3);
    expect(projection.recentDroppedFields.map(({ seq, field }) => ({ seq, field }))).toEqual([
      { seq: seqs[2], field: 'data.specId' },
      { seq: seqs[1], field: 'data.durationMs' },
      { seq: seqs[0], field: 'data.formationId' },
    ]);
    for (const drop of projection.recentDroppedFields) expect(drop.reason).not.toBe('');

    const metrics = parsePrometheus(await (await fetch(`${app.url}/metrics`)).text());
    expect(metrics.value('cellgraph_event_fields_dropped_total')).toBe(3);
    expect(metrics.value('cellgraph_events_total', { outcome: 'rejected' })).toBe(0);
  });
});
