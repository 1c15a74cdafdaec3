import { describe, expect, it } from 'vitest';
import { completed, Driver, destroyed, failed, other, started, uuidOf } from './fixtures.js';

/**
 * The contract's decision on late events: after a cell is destroyed (by
 * `destroyed` or `failed`), a later event of that cell only fills fields that
 * are still null (specId, runId, formationId, tenantId, reason,
 * terminalState; exitCode unless the destroy was forced). It never
 * overwrites a value, never changes state, outcome, destroyedAt or startedAt,
 * and still counts as an event of the cell.
 */

const cellId = 'c1';
const F1 = uuidOf(1);
const F2 = uuidOf(2);

describe('late events after a destroy', () => {
  it("the contract's example: failed{boot_failed} then destroyed{failed, forced, oom}", () => {
    const d = new Driver();
    const end = failed({ cellId, reason: 'boot_failed' });
    d.apply(end);
    const late = d.apply(destroyed({ cellId, outcome: 'failed', terminalState: 'forced', reason: 'oom' }));
    expect(d.cell(cellId)).toMatchObject({
      state: 'destroyed',
      outcome: 'failed',
      reason: 'boot_failed',
      terminalState: 'forced',
      exitCode: null,
      destroyedAt: end.time,
      lastSeq: late.seq,
      eventCount: 2,
    });
  });

  it('a late started fills the identity fields that are null, and nothing else', () => {
    const d = new Driver();
    const end = destroyed({ cellId, outcome: 'succeeded', terminalState: 'clean' });
    d.apply(end);
    const late = started({ cellId, specId: 's', runId: 'r', formationId: F1, tenantId: 't' });
    const result = d.apply(late);
    expect(d.cell(cellId)).toMatchObject({
      state: 'destroyed',
      startedAt: null,
      destroyedAt: end.time,
      specId: 's',
      runId: 'r',
      formationId: F1,
      tenantId: 't',
      updatedAt: late.time,
      lastSeq: result.seq,
      eventCount: 2,
    });
    expect(d.projection.cellIdsOfFormation(F1).has(cellId)).toBe(true);
  });

  it('a late event never overwrites an identity field that has a value', () => {
    const d = new Driver();
    d.apply(started({ cellId, specId: 's1', runId: 'r1', formationId: F1, tenantId: 't1' }));
    d.apply(destroyed({ cellId, outcome: 'succeeded' }));
    d.apply(started({ cellId, specId: 's2', runId: 'r2', formationId: F2, tenantId: 't2' }));
    d.apply(other('cell.observability.v1.metrics', { cellId, specId: 's3', correlation: { formationId: F2 } }));
    expect(d.cell(cellId)).toMatchObject({ specId: 's1', runId: 'r1', formationId: F1, tenantId: 't1', eventCount: 4 });
    expect(d.projection.cellIdsOfFormation(F2).size).toBe(0);
  });

  it('a late command.completed fills a null exitCode after a clean destroy, but never replaces one', () => {
    const d = new Driver();
    d.apply(destroyed({ cellId, outcome: 'succeeded', terminalState: 'clean' }));
    d.apply(completed({ cellId, exitCode: 0 }));
    expect(d.cell(cellId).exitCode).toBe(0);
    d.apply(completed({ cellId, exitCode: 9 }));
    expect(d.cell(cellId).exitCode).toBe(0);
  });

  it('a late command.completed never sets exitCode after a forced destroy (its code is synthetic)', () => {
    const d = new Driver();
    d.apply(destroyed({ cellId, outcome: 'failed', terminalState: 'forced' }));
    d.apply(completed({ cellId, exitCode: 137 }));
    expect(d.cell(cellId).exitCode).toBeNull();
  });

  it('a late destroyed fills terminalState and reason but keeps outcome and destroyedAt', () => {
    const d = new Driver();
    const end = destroyed({ cellId, outcome: 'succeeded' });
    d.apply(end);
    d.apply(destroyed({ cellId, outcome: 'failed', terminalState: 'clean', reason: 'oom' }));
    expect(d.cell(cellId)).toMatchObject({
      outcome: 'succeeded',
      destroyedAt: end.time,
      terminalState: 'clean',
      reason: 'oom',
    });
  });

  it('a late failed fills a null reason only', () => {
    const d = new Driver();
    d.apply(destroyed({ cellId, outcome: 'succeeded', reason: 'done' }));
    d.apply(failed({ cellId, reason: 'oom' }));
    expect(d.cell(cellId)).toMatchObject({ outcome: 'succeeded', reason: 'done' });
    const d2 = new Driver();
    d2.apply(destroyed({ cellId, outcome: 'succeeded' }));
    d2.apply(failed({ cellId, reason: 'oom' }));
    expect(d2.cell(cellId)).toMatchObject({ outcome: 'succeeded', reason: 'oom' });
  });

  it('an exitCode set before a non-forced destroy survives a late forced destroy (values are never overwritten)', () => {
    const d = new Driver();
    d.apply(completed({ cellId, exitCode: 2 }));
    d.apply(failed({ cellId, reason: 'boot_failed' }));
    d.apply(destroyed({ cellId, outcome: 'failed', terminalState: 'forced' }));
    expect(d.cell(cellId)).toMatchObject({ exitCode: 2, terminalState: 'forced', outcome: 'failed' });
  });

  it('a late event still produces a delta (lastSeq, eventCount, updatedAt), naming only what changed', () => {
    const d = new Driver();
    d.apply(started({ cellId, specId: 's' }));
    d.apply(destroyed({ cellId, outcome: 'succeeded' }));
    const result = d.apply(started({ cellId, specId: 'other', runId: 'r' }));
    expect(result.deltas).toHaveLength(1);
    const changed = result.deltas[0]!.changed;
    expect(changed).toContain('runId');
    expect(changed).toContain('lastSeq');
    expect(changed).not.toContain('specId');
    expect(changed).not.toContain('state');
  });
});
