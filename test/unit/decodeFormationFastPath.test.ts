import { describe, expect, it } from 'vitest';
import { decodeObject, decodeObjectStrict } from '../../src/events/decode.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { dataEdits } from './fixtures.js';

const UUID = '0b8e4c2a-5a3f-4d7e-9c1b-2f6a8e9d0c3b';

/** Variations of a formation event that poke at every check of the formation fast path. */
function* mutations(event: Record<string, unknown>): Generator<Record<string, unknown>> {
  const { withData, without } = dataEdits(event);
  yield event;
  yield { ...event, time: undefined };
  yield { ...event, time: 'yesterday' };
  yield { ...event, type: String(event['type']).replace(/\.[a-z]+$/, '.exploded') };
  yield { ...event, correlation: { formationId: UUID } };
  yield { ...event, data: null };
  yield { ...event, data: [] };
  yield without('formationId');
  yield { ...without('formationId'), data: { ...(without('formationId')['data'] as object), id: UUID } };
  yield withData({ id: UUID });
  yield withData({ id: 'not-a-uuid' });
  yield withData({ formationId: 'not-a-uuid' });
  yield withData({ formationId: UUID.toUpperCase() });
  yield withData({ formationId: 7 });
  yield withData({ name: 3 });
  yield withData({ name: undefined });
  yield withData({ reason: 'quota' });
  yield withData({ reason: false });
  yield withData({ document: { cells: 2, nested: { a: [1] } } });
  yield withData({ document: {} });
  yield withData({ document: [] });
  yield withData({ document: null });
  yield withData({ document: 'doc' });
  yield withData({ document: JSON.parse('{"__proto__": {"x": 1}, "a": 1}') });
  yield withData({ document: JSON.parse('{"constructor": 1}') });
  yield withData({ document: Object.create(null) });
  yield withData({ extra: { nested: true } });
}

describe('decode fast path for formation events', () => {
  it('agrees with the zod schemas on simulated formation events and their mutations', () => {
    let compared = 0;
    let formations = 0;
    for (const { event } of takeEvents(6000, { seed: 5, concurrentCells: 40 })) {
      if (!String(event['type']).includes('formation')) continue;
      for (const variant of mutations(event)) {
        const expected = decodeObjectStrict(variant);
        expect(decodeObject(variant)).toStrictEqual(expected);
        compared += 1;
        if (expected.kind === 'formation') formations += 1;
      }
    }
    expect(compared).toBeGreaterThan(1_000);
    expect(formations).toBeGreaterThan(300);
  });
});
