import { describe, expect, it } from 'vitest';
import { decodeObject, decodeObjectStrict } from '../../src/events/decode.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { dataEdits } from './fixtures.js';

/** Deterministic variations of an event that poke at every check of the fast path. */
function* mutations(event: Record<string, unknown>): Generator<Record<string, unknown>> {
  const { withData, without } = dataEdits(event);
  yield event;
  yield { ...event, specversion: '0.3' };
  yield { ...event, id: '' };
  yield { ...event, id: 7 };
  yield { ...event, source: '' };
  yield { ...event, type: '' };
  yield { ...event, time: undefined };
  yield { ...event, time: '2026-02-29T10:00:00Z' };
  yield { ...event, time: '2028-02-29T10:00:00.123+02:00' };
  yield { ...event, time: '2026-11-31T10:00:00Z' };
  yield { ...event, time: '2026-11-28 10:00:00' };
  yield { ...event, datacontenttype: 3 };
  yield { ...event, subject: null };
  yield { ...event, correlation: { formationId: '0b8e4c2a-5a3f-4d7e-9c1b-2f6a8e9d0c3b', tenantId: 't1' } };
  yield { ...event, correlation: 'nope' };
  yield { ...event, data: null };
  yield { ...event, data: [] };
  yield { ...event, data: undefined };
  yield without('cellId');
  yield without('specId');
  yield withData({ cellId: '' });
  yield withData({ cellId: 5 });
  yield withData({ specId: '' });
  yield withData({ runId: '' });
  yield withData({ formationId: 'not-a-uuid' });
  yield withData({ formationId: '0B8E4C2A-5A3F-4D7E-9C1B-2F6A8E9D0C3B' });
  yield withData({ tenantId: 4 });
  yield withData({ tenantId: 'tenant-a', correlation: { tenantId: 'tenant-b' } });
  yield withData({ correlation: { formationId: 'bad' } });
  yield withData({ correlation: [] });
  yield withData({ correlation: null });
  yield withData({ exitCode: 1.5 });
  yield withData({ exitCode: 2 ** 31 });
  yield withData({ exitCode: -(2 ** 31) });
  yield withData({ exitCode: '0' });
  yield without('exitCode');
  yield withData({ argv: ['a', 1] });
  yield withData({ argv: 'sh' });
  yield withData({ durationMs: -1 });
  yield withData({ spawnError: false });
  yield withData({ outcome: 'crashed' });
  yield without('outcome');
  yield withData({ terminalState: 'gone' });
  yield withData({ terminalState: undefined });
  yield withData({ reason: 3 });
  yield withData({ reason: 'oom', extra: { nested: true } });
}

describe('decode fast path', () => {
  it('agrees with the zod schemas on simulated events and their mutations', () => {
    let compared = 0;
    let fast = 0;
    for (const { event } of takeEvents(1200, { seed: 11, concurrentCells: 40 })) {
      for (const variant of mutations(event)) {
        const expected = decodeObjectStrict(variant);
        expect(decodeObject(variant)).toStrictEqual(expected);
        compared += 1;
        if (expected.kind === 'cell') fast += 1;
      }
    }
    expect(compared).toBeGreaterThan(50_000);
    expect(fast).toBeGreaterThan(5_000);
  });

  it('takes the cheap path for well-formed cell events of every kind', () => {
    const kinds = new Set<string>();
    for (const { event } of takeEvents(2000, { seed: 3 })) {
      const decoded = decodeObject(event);
      if (decoded.kind === 'cell') kinds.add(decoded.action);
    }
    expect([...kinds].sort()).toEqual(['commandCompleted', 'destroyed', 'failed', 'started', 'touched']);
  });
});
