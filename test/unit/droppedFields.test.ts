import { describe, expect, it } from 'vitest';
import type { CellRecord } from '../../src/projection/records.js';
import { completed, Driver, destroyed, type Envelope, failed, formation, other, started, uuidOf } from './fixtures.js';

/**
 * The contract's decision on optional fields: one that breaks its rule is
 * dropped, as if absent, counted and visible with its seq, and never costs
 * the event (the state change it carries is kept).
 */

const FORMATION = uuidOf(1);
const cellId = 'c1';
// `as never`: these bodies deliberately break the types the schemas infer.
const bad = <T>(data: T) => data as never;

type Case = [
  name: string,
  event: () => Envelope,
  field: string,
  expected: Partial<CellRecord> & { kind?: 'formation' },
];

const cellCases: Case[] = [
  [
    'started with an empty specId',
    () => started(bad({ cellId, specId: '' })),
    'data.specId',
    { state: 'running', specId: null },
  ],
  [
    'started with a numeric specId',
    () => started(bad({ cellId, specId: 5 })),
    'data.specId',
    { state: 'running', specId: null },
  ],
  ['started without specId (not a drop: optional)', () => started({ cellId }), '', { state: 'running', specId: null }],
  [
    'started with an empty runId',
    () => started(bad({ cellId, specId: 's', runId: '' })),
    'data.runId',
    { state: 'running', runId: null, specId: 's' },
  ],
  [
    'started{formationId: "fleet-a"} (the case seen in production)',
    () => started(bad({ cellId, specId: 's', formationId: 'fleet-a' })),
    'data.formationId',
    { state: 'running', formationId: null, specId: 's' },
  ],
  [
    'started with a numeric tenantId',
    () => started(bad({ cellId, specId: 's', tenantId: 7 })),
    'data.tenantId',
    { state: 'running', tenantId: null },
  ],
  [
    'started with correlation not an object',
    () => started(bad({ cellId, specId: 's', correlation: 'x' })),
    'data.correlation',
    { state: 'running' },
  ],
  [
    'started with correlation.formationId not a UUID (the valid tenantId beside it is kept)',
    () => started(bad({ cellId, specId: 's', correlation: { formationId: 'nope', tenantId: 't1' } })),
    'data.correlation.formationId',
    { state: 'running', formationId: null, tenantId: 't1' },
  ],
  [
    'started with correlation.tenantId not a string',
    () => started(bad({ cellId, specId: 's', correlation: { tenantId: 9 } })),
    'data.correlation.tenantId',
    { state: 'running', tenantId: null },
  ],
  [
    'started with a correlation extension attribute not an object',
    () => started({ cellId, specId: 's' }, { correlation: 'nope' }),
    'correlation',
    { state: 'running' },
  ],
  [
    'started with a correlation extension attribute whose formationId is not a UUID',
    () => started({ cellId, specId: 's' }, { correlation: { formationId: 'x', tenantId: 't2' } }),
    'correlation.formationId',
    { state: 'running', formationId: null, tenantId: 't2' },
  ],
  [
    'completed{durationMs: -1}: exitCode kept',
    () => completed(bad({ cellId, exitCode: 3, durationMs: -1 })),
    'data.durationMs',
    { exitCode: 3 },
  ],
  [
    'completed with argv not a string array',
    () => completed(bad({ cellId, exitCode: 0, argv: ['sh', 1] })),
    'data.argv',
    { exitCode: 0 },
  ],
  [
    'completed with argv a string',
    () => completed(bad({ cellId, exitCode: 0, argv: 'sh' })),
    'data.argv',
    { exitCode: 0 },
  ],
  [
    'completed with spawnError not a string',
    () => completed(bad({ cellId, exitCode: 1, spawnError: false })),
    'data.spawnError',
    { exitCode: 1 },
  ],
  [
    'destroyed{specId: ""}: the cell still ends',
    () => destroyed(bad({ cellId, specId: '', outcome: 'succeeded' })),
    'data.specId',
    { state: 'destroyed', outcome: 'succeeded', specId: null },
  ],
  [
    'destroyed with terminalState "killed"',
    () => destroyed(bad({ cellId, outcome: 'failed', terminalState: 'killed', reason: 'oom' })),
    'data.terminalState',
    { state: 'destroyed', outcome: 'failed', terminalState: null, reason: 'oom' },
  ],
  [
    'destroyed with a numeric reason',
    () => destroyed(bad({ cellId, outcome: 'failed', reason: 7 })),
    'data.reason',
    { state: 'destroyed', outcome: 'failed', reason: null },
  ],
  [
    'failed with a numeric reason',
    () => failed(bad({ cellId, reason: 7 })),
    'data.reason',
    { state: 'destroyed', outcome: 'failed', reason: null },
  ],
  [
    'another cell event with an empty runId',
    () => other('cell.observability.v1.metrics', bad({ cellId, runId: '' })),
    'data.runId',
    { eventCount: 1 },
  ],
];

describe('dropped optional fields (cell events)', () => {
  it.each(cellCases)(
    '%s: applied, field dropped as if absent, counted with its seq',
    (_name, event, field, expected) => {
      const d = new Driver();
      const result = d.apply(event());
      expect(result.outcome).toBe('applied');
      expect(d.cell(cellId)).toMatchObject(expected);
      expect(d.projection.counts.rejected).toBe(0);
      if (field === '') {
        expect(d.projection.droppedFieldCount).toBe(0);
        return;
      }
      expect(d.projection.droppedFieldCount).toBe(1);
      const [drop] = d.projection.recentFieldDrops();
      expect(drop).toMatchObject({ seq: result.seq, field });
      expect(drop?.reason.length).toBeGreaterThan(0);
    },
  );

  it('a dropped field never erases the value the cell already has', () => {
    const d = new Driver();
    d.apply(started({ cellId, specId: 's1', runId: 'r1', formationId: FORMATION, tenantId: 't1' }));
    d.apply(completed(bad({ cellId, exitCode: 0, specId: '', runId: 5, formationId: 'fleet-a', tenantId: [] })));
    expect(d.cell(cellId)).toMatchObject({
      specId: 's1',
      runId: 'r1',
      formationId: FORMATION,
      tenantId: 't1',
      exitCode: 0,
    });
    expect(d.projection.droppedFieldCount).toBe(4);
    expect(
      d.projection
        .recentFieldDrops()
        .map((x) => x.field)
        .sort(),
    ).toEqual(['data.formationId', 'data.runId', 'data.specId', 'data.tenantId']);
  });

  it('required rules still reject: a broken optional field does not rescue a missing exitCode', () => {
    const d = new Driver();
    const result = d.apply(completed(bad({ cellId, durationMs: -1 })));
    expect(result.outcome).toBe('rejected');
    expect(d.projection.recentRejections()[0]?.reason).toMatch(/data\.exitCode/);
    expect(d.projection.droppedFieldCount).toBe(0);
  });

  it('cellId is never dropped: a broken one rejects any cell event, other types included', () => {
    const d = new Driver();
    expect(d.apply(other('cell.network.v1.dns_query', bad({ cellId: '' }))).outcome).toBe('rejected');
    expect(d.apply(started(bad({ cellId: 42, specId: 's' }))).outcome).toBe('rejected');
    expect(d.projection.recentRejections().map((r) => r.reason)).toEqual([
      expect.stringMatching(/data\.cellId/),
      expect.stringMatching(/data\.cellId/),
    ]);
  });

  it('a duplicate of an event with a dropped field is not counted twice', () => {
    const d = new Driver();
    const event = started(bad({ cellId, specId: 's', runId: '' }));
    d.apply(event);
    expect(d.apply(structuredClone(event)).outcome).toBe('duplicate');
    expect(d.projection.droppedFieldCount).toBe(1);
  });

  it('recent dropped fields are newest first and bounded, and reset with the projection', () => {
    const d = new Driver({ recentRejections: 2 });
    for (let i = 0; i < 4; i++) d.apply(started(bad({ cellId: `c${i}`, specId: '' })));
    expect(d.projection.droppedFieldCount).toBe(4);
    expect(d.projection.recentFieldDrops().map((x) => x.seq)).toEqual([4, 3]);
    d.projection.reset();
    expect(d.projection.droppedFieldCount).toBe(0);
    expect(d.projection.recentFieldDrops()).toEqual([]);
  });
});

describe('dropped optional fields (formation events)', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['name not a string', { formationId: FORMATION, name: 5 }, 'data.name'],
    ['document not an object', { formationId: FORMATION, document: [1] }, 'data.document'],
    ['reason not a string', { formationId: FORMATION, reason: false }, 'data.reason'],
    ['id alias not a UUID beside a valid formationId', { formationId: FORMATION, id: 'f-1' }, 'data.id'],
    ['formationId not a UUID beside a valid id alias', { formationId: 'f-1', id: FORMATION }, 'data.formationId'],
  ];
  it.each(cases)('%s: applied without it', (_name, data, field) => {
    const d = new Driver();
    const result = d.apply(formation('running', bad(data)));
    expect(result.outcome).toBe('applied');
    expect(d.formation(FORMATION).status).toBe('RUNNING');
    expect(d.projection.recentFieldDrops()).toEqual([expect.objectContaining({ seq: result.seq, field })]);
  });

  it('a formation with no usable formationId or id is still rejected, naming the broken field', () => {
    const d = new Driver();
    expect(d.apply(formation('created', bad({ formationId: 'f-1', name: 5 }))).outcome).toBe('rejected');
    expect(d.projection.recentRejections()[0]?.reason).toMatch(/data\.formationId/);
  });
});
