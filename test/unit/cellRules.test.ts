import { describe, expect, it } from 'vitest';
import { cloudEvent, completed, Driver, destroyed, failed, other, republish, started, uuidOf } from './fixtures.js';

/** One test per cell rule of cellos-events.md, asserting on the resulting record. */

describe('type names', () => {
  it('accepts the full dev.cellos.events. name and the short name as the same event', () => {
    const fullForm = new Driver();
    const shortForm = new Driver();
    const a = started({ cellId: 'c1', specId: 'spec-a', runId: 'run-1' });
    const b = { ...a, type: 'cell.lifecycle.v1.started' };
    expect(a.type).toBe('dev.cellos.events.cell.lifecycle.v1.started');
    expect(fullForm.apply(a).outcome).toBe('applied');
    expect(shortForm.apply(b).outcome).toBe('applied');
    expect(fullForm.cell('c1').state).toBe('running');
    expect(shortForm.cell('c1')).toEqual(fullForm.cell('c1'));
  });

  it('normalises every spelling to the short type on the decoded event', () => {
    const d = new Driver();
    const { decoded } = d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    expect(decoded).toMatchObject({ kind: 'cell', type: 'cell.command.v1.completed', action: 'commandCompleted' });
  });
});

describe('cell reducer', () => {
  it('creates a cell first seen through command.completed as pending, with its exit code', () => {
    const d = new Driver();
    const ev = completed({ cellId: 'c1', exitCode: 3, argv: ['/bin/true'], durationMs: 12 });
    d.apply(ev);
    const cell = d.cell('c1');
    expect(cell).toMatchObject({
      state: 'pending',
      exitCode: 3,
      specId: null,
      startedAt: null,
      firstSeq: 1,
      lastSeq: 1,
      eventCount: 1,
    });
    expect(d.projection.cellCountsByState()).toEqual({ pending: 1, running: 0, destroyed: 0 });
  });

  it('started sets state running, startedAt = event time, specId and runId; a later started moves a pending cell to running', () => {
    const d = new Driver();
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    const ev = started({ cellId: 'c1', specId: 'e2e-stub-echo', runId: 'run-7' });
    d.apply(ev);
    expect(d.cell('c1')).toMatchObject({
      state: 'running',
      startedAt: ev.time,
      specId: 'e2e-stub-echo',
      runId: 'run-7',
      exitCode: 0,
      firstSeq: 1,
      lastSeq: 2,
      eventCount: 2,
      updatedAt: ev.time,
    });
    expect(d.projection.cellCountsByState()).toEqual({ pending: 0, running: 1, destroyed: 0 });
  });

  it('started without runId leaves runId null', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    expect(d.cell('c1').runId).toBeNull();
  });

  it('command.completed sets exitCode and leaves a running cell running', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const before = d.cell('c1');
    d.apply(completed({ cellId: 'c1', exitCode: 42 }));
    const after = d.cell('c1');
    expect(after.state).toBe('running');
    expect(after.exitCode).toBe(42);
    expect(after.startedAt).toBe(before.startedAt);
    expect(after.destroyedAt).toBeNull();
  });

  it('a later command.completed replaces the exit code (negative int32 kept)', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(completed({ cellId: 'c1', exitCode: 1 }));
    d.apply(completed({ cellId: 'c1', exitCode: -2147483648 }));
    expect(d.cell('c1').exitCode).toBe(-2147483648);
  });

  it('destroyed sets state destroyed, destroyedAt = event time, outcome, terminalState and reason; a clean destroy keeps exitCode', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    const ev = destroyed({ cellId: 'c1', outcome: 'succeeded', terminalState: 'clean', reason: 'some_new_reason' });
    d.apply(ev);
    expect(d.cell('c1')).toMatchObject({
      state: 'destroyed',
      destroyedAt: ev.time,
      outcome: 'succeeded',
      terminalState: 'clean',
      reason: 'some_new_reason',
      exitCode: 0,
    });
    expect(d.projection.cellCountsByState()).toEqual({ pending: 0, running: 0, destroyed: 1 });
  });

  it('destroyed without terminalState/reason leaves them null', () => {
    const d = new Driver();
    d.apply(destroyed({ cellId: 'c1', outcome: 'failed' }));
    expect(d.cell('c1')).toMatchObject({
      state: 'destroyed',
      outcome: 'failed',
      terminalState: null,
      reason: null,
      startedAt: null,
    });
  });

  it('failed is a destroy with outcome failed, destroyedAt = event time and its reason', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const ev = failed({ cellId: 'c1', reason: 'vmm_crashed' });
    d.apply(ev);
    expect(d.cell('c1')).toMatchObject({
      state: 'destroyed',
      outcome: 'failed',
      destroyedAt: ev.time,
      reason: 'vmm_crashed',
    });
  });

  it('destroyed is terminal: a late started does not bring the cell back to running', () => {
    const d = new Driver();
    const first = started({ cellId: 'c1', specId: 's' });
    d.apply(first);
    const end = destroyed({ cellId: 'c1', outcome: 'succeeded', terminalState: 'clean' });
    d.apply(end);
    const late = started({ cellId: 'c1', specId: 's' });
    const { outcome } = d.apply(late);
    expect(outcome).toBe('applied');
    expect(d.cell('c1')).toMatchObject({
      state: 'destroyed',
      startedAt: first.time,
      destroyedAt: end.time,
      outcome: 'succeeded',
      lastSeq: 3,
    });
    expect(d.projection.cellCountsByState()).toEqual({ pending: 0, running: 0, destroyed: 1 });
  });

  it('destroyed is terminal: a later destroyed or failed does not rewrite how the cell ended (it only fills nulls)', () => {
    const d = new Driver();
    const end = destroyed({ cellId: 'c1', outcome: 'succeeded', terminalState: 'clean' });
    d.apply(end);
    d.apply(failed({ cellId: 'c1', reason: 'oom' }));
    d.apply(destroyed({ cellId: 'c1', outcome: 'failed', terminalState: 'forced', reason: 'ttl_exceeded' }));
    expect(d.cell('c1')).toMatchObject({
      outcome: 'succeeded',
      terminalState: 'clean',
      // decided (contract): a late event fills a field that is still null, and never overwrites one
      reason: 'oom',
      destroyedAt: end.time,
      eventCount: 3,
    });
  });

  it('a forced destroy clears exitCode', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(completed({ cellId: 'c1', exitCode: 137 }));
    expect(d.cell('c1').exitCode).toBe(137);
    d.apply(destroyed({ cellId: 'c1', outcome: 'failed', terminalState: 'forced', reason: 'ttl_exceeded' }));
    expect(d.cell('c1')).toMatchObject({
      state: 'destroyed',
      terminalState: 'forced',
      exitCode: null,
      reason: 'ttl_exceeded',
    });
  });

  it('a command.completed arriving after a forced destroy does not set exitCode', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(destroyed({ cellId: 'c1', outcome: 'failed', terminalState: 'forced' }));
    d.apply(completed({ cellId: 'c1', exitCode: 9 }));
    expect(d.cell('c1').exitCode).toBeNull();
    expect(d.cell('c1').eventCount).toBe(3);
  });

  it('a command.completed arriving after a clean destroy still sets exitCode (only forced codes are synthetic)', () => {
    const d = new Driver();
    d.apply(destroyed({ cellId: 'c1', outcome: 'succeeded', terminalState: 'clean' }));
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    expect(d.cell('c1')).toMatchObject({ state: 'destroyed', exitCode: 0 });
  });

  it('a re-published duplicate (same CloudEvent id) changes nothing and produces no delta', () => {
    const d = new Driver();
    const ev = started({ cellId: 'c1', specId: 's' });
    d.apply(ev);
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    const record = d.cell('c1');
    const dup = d.apply(republish(ev));
    expect(dup.outcome).toBe('duplicate');
    expect(dup.deltas).toEqual([]);
    expect(d.cell('c1')).toBe(record);
    expect(d.projection.counts).toEqual({ applied: 2, duplicates: 1, skipped: 0, rejected: 0 });
    expect(d.projection.cursor).toBe(3);
  });

  it('a duplicate of a destroyed event after a later event does not move lastSeq back or count twice', () => {
    const d = new Driver();
    const end = destroyed({ cellId: 'c1', outcome: 'succeeded' });
    d.apply(end);
    d.apply(other('cell.observability.v1.metrics', { cellId: 'c1' }));
    const record = d.cell('c1');
    expect(d.apply(republish(end)).deltas).toHaveLength(0);
    expect(d.cell('c1')).toBe(record);
    expect(record).toMatchObject({ lastSeq: 2, eventCount: 2 });
  });

  it('the duplicate window is counted in events: an id older than the window is applied again', () => {
    const d = new Driver({ dedupWindow: 2 });
    const ev = completed({ cellId: 'c1', exitCode: 1 });
    d.apply(ev);
    d.apply(other('cell.network.v1.dns_query', { cellId: 'c2' }));
    d.apply(other('cell.network.v1.dns_query', { cellId: 'c3' }));
    expect(d.apply(republish(ev)).outcome).toBe('applied');
    expect(d.cell('c1').eventCount).toBe(2);
  });

  it('any other cell.* type bumps lastSeq, eventCount and updatedAt only', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's', runId: 'r' }));
    d.apply(completed({ cellId: 'c1', exitCode: 5 }));
    const before = d.cell('c1');
    const ev = other('cell.observability.v1.metrics', { cellId: 'c1' }, {});
    const { outcome, seq } = d.apply(ev);
    expect(outcome).toBe('applied');
    expect(d.cell('c1')).toEqual({ ...before, lastSeq: seq, eventCount: before.eventCount + 1, updatedAt: ev.time });
  });

  it('an other cell.* type is the first sight of a cell: pending', () => {
    const d = new Driver();
    d.apply(other('cell.identity.v1.issued', { cellId: 'c9', specId: 's9' }));
    expect(d.cell('c9')).toMatchObject({ state: 'pending', specId: 's9', eventCount: 1 });
  });

  it('an other cell.* type without cellId is skipped, not applied', () => {
    const d = new Driver();
    const { outcome } = d.apply(other('cell.export.v1.completed', {}));
    expect(outcome).toBe('skipped');
    expect(d.projection.cells.size).toBe(0);
    expect(d.projection.counts.skipped).toBe(1);
  });

  it('a later event fills identity fields in but never erases them', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's', runId: 'r' }));
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    expect(d.cell('c1')).toMatchObject({ specId: 's', runId: 'r' });
  });

  it('an event without time keeps the previous updatedAt and gives a null startedAt', () => {
    const d = new Driver();
    const ev = started({ cellId: 'c1', specId: 's' });
    delete ev.time;
    d.apply(ev);
    expect(d.cell('c1')).toMatchObject({ state: 'running', startedAt: null, updatedAt: null });
  });

  it('keeps any reason string (the reason list is open)', () => {
    const d = new Driver();
    d.apply(failed({ cellId: 'c1', reason: 'kernel_cannot_mount_root_v2' }));
    expect(d.cell('c1').reason).toBe('kernel_cannot_mount_root_v2');
  });
});

describe('formationId and tenantId on cells', () => {
  const F = uuidOf(0xabc);

  it('takes formationId from data.formationId', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's', formationId: F }));
    expect(d.cell('c1').formationId).toBe(F);
    expect([...d.projection.cellIdsOfFormation(F)]).toEqual(['c1']);
  });

  it('takes formationId from data.correlation.formationId', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's', correlation: { formationId: F } }));
    expect(d.cell('c1').formationId).toBe(F);
  });

  it('takes formationId from a correlation extension attribute', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }, { correlation: { formationId: F, tenantId: 'acme' } }));
    expect(d.cell('c1')).toMatchObject({ formationId: F, tenantId: 'acme' });
  });

  it('prefers data.formationId over correlation, and lowercases it', () => {
    const d = new Driver();
    const other = uuidOf(0xdef);
    d.apply(started({ cellId: 'c1', specId: 's', formationId: F.toUpperCase(), correlation: { formationId: other } }));
    expect(d.cell('c1').formationId).toBe(F);
  });

  it('ignores a malformed correlation extension attribute rather than rejecting the event', () => {
    const d = new Driver();
    const { outcome } = d.apply(started({ cellId: 'c1', specId: 's' }, { correlation: { formationId: 'not-a-uuid' } }));
    expect(outcome).toBe('applied');
    expect(d.cell('c1').formationId).toBeNull();
  });

  it('a formationId arriving later links the cell and moves it in the formation index', () => {
    const d = new Driver();
    const G = uuidOf(0x123);
    d.apply(started({ cellId: 'c1', specId: 's' }));
    expect(d.cell('c1').formationId).toBeNull();
    d.apply(other('cell.policy.v1.evaluated', { cellId: 'c1', correlation: { formationId: F } }));
    expect([...d.projection.cellIdsOfFormation(F)]).toEqual(['c1']);
    d.apply(other('cell.policy.v1.evaluated', { cellId: 'c1', formationId: G }));
    expect([...d.projection.cellIdsOfFormation(F)]).toEqual([]);
    expect([...d.projection.cellIdsOfFormation(G)]).toEqual(['c1']);
  });

  it('keeps tenantId from data.correlation.tenantId', () => {
    const d = new Driver();
    d.apply(completed({ cellId: 'c1', exitCode: 0, correlation: { tenantId: 'tenant-9' } }));
    expect(d.cell('c1').tenantId).toBe('tenant-9');
  });

  it('a cell without any correlation has null formationId and tenantId', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    expect(d.cell('c1')).toMatchObject({ formationId: null, tenantId: null });
  });
});

describe('unknown types, stale seqs, cursor and counts', () => {
  it('skips an unknown type: counted by type, cursor advances, nothing changes', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const record = d.cell('c1');
    const a = d.apply(cloudEvent('com.example.something.v1.happened', { cellId: 'c1' }));
    const b = d.apply(cloudEvent('dev.cellos.events.envelope.v1.signed', { payload: 'x' }));
    const c = d.apply(cloudEvent('com.example.something.v1.happened', {}));
    for (const r of [a, b, c]) {
      expect(r.outcome).toBe('skipped');
      expect(r.deltas).toEqual([]);
    }
    expect(d.cell('c1')).toBe(record);
    expect(d.projection.cursor).toBe(4);
    expect(d.projection.counts).toEqual({ applied: 1, duplicates: 0, skipped: 3, rejected: 0 });
    expect(Object.fromEntries(d.projection.skippedByType)).toEqual({
      'com.example.something.v1.happened': 2,
      'envelope.v1.signed': 1,
    });
  });

  it('skips an unknown formation phase', () => {
    const d = new Driver();
    const { outcome } = d.apply(cloudEvent('io.cellos.formation.v1.exploded', { formationId: uuidOf(1) }));
    expect(outcome).toBe('skipped');
    expect(d.projection.formations.size).toBe(0);
  });

  it('ignores an event at or below the cursor (redelivery is harmless)', () => {
    const d = new Driver();
    d.applyAt(5, started({ cellId: 'c1', specId: 's' }));
    const record = d.cell('c1');
    const again = d.applyAt(5, destroyed({ cellId: 'c1', outcome: 'failed' }));
    const older = d.applyAt(3, completed({ cellId: 'c1', exitCode: 1 }));
    expect(again.outcome).toBe('stale');
    expect(older.outcome).toBe('stale');
    expect(again.deltas).toEqual([]);
    expect(d.cell('c1')).toBe(record);
    expect(d.projection.cursor).toBe(5);
    expect(d.projection.counts).toEqual({ applied: 1, duplicates: 0, skipped: 0, rejected: 0 });
  });

  it('the cursor follows gaps in seq, and each record carries the seq of its last change', () => {
    const d = new Driver();
    d.applyAt(10, started({ cellId: 'a', specId: 's' }));
    d.applyAt(11, started({ cellId: 'b', specId: 's' }));
    d.applyAt(20, completed({ cellId: 'a', exitCode: 0 }));
    expect(d.projection.cursor).toBe(20);
    expect(d.cell('a')).toMatchObject({ firstSeq: 10, lastSeq: 20, eventCount: 2 });
    expect(d.cell('b')).toMatchObject({ firstSeq: 11, lastSeq: 11, eventCount: 1 });
    expect(d.projection.cellIdsInFirstSeenOrder()).toEqual(['a', 'b']);
  });

  it('applied + duplicates + skipped + rejected equals the number of seqs seen', () => {
    const d = new Driver();
    const s = started({ cellId: 'a', specId: 's' });
    d.apply(s);
    d.apply(republish(s));
    d.apply(cloudEvent('x.unknown', {}));
    d.apply({ raw: 'not json' });
    d.apply(completed({ cellId: 'a', exitCode: 0 }));
    const { applied, duplicates, skipped, rejected } = d.projection.counts;
    expect({ applied, duplicates, skipped, rejected }).toEqual({ applied: 2, duplicates: 1, skipped: 1, rejected: 1 });
    expect(applied + duplicates + skipped + rejected).toBe(d.projection.cursor);
  });
});

describe('delta changed fields', () => {
  const sorted = (fields: readonly string[]) => [...fields].sort();

  it('first sight names every field', () => {
    const d = new Driver();
    const { deltas, seq } = d.apply(started({ cellId: 'c1', specId: 's' }));
    expect(deltas).toHaveLength(1);
    const delta = deltas[0]!;
    expect(delta).toMatchObject({ entity: 'cell', seq, before: null });
    expect(sorted(delta.changed)).toEqual(
      sorted([
        'id',
        'specId',
        'runId',
        'state',
        'formationId',
        'tenantId',
        'startedAt',
        'destroyedAt',
        'outcome',
        'exitCode',
        'terminalState',
        'reason',
        'firstSeq',
        'lastSeq',
        'updatedAt',
        'eventCount',
        'status',
        'durationMs',
        'formation',
      ]),
    );
  });

  it('started after pending names state, status, startedAt, durationMs and the identity fields it set', () => {
    const d = new Driver();
    d.apply(completed({ cellId: 'c1', exitCode: 0 }));
    const { deltas } = d.apply(started({ cellId: 'c1', specId: 's', runId: 'r' }));
    expect(deltas[0]!.before).toMatchObject({ state: 'pending' });
    expect(deltas[0]!.after).toMatchObject({ state: 'running' });
    expect(sorted(deltas[0]!.changed)).toEqual(
      sorted(['specId', 'runId', 'state', 'status', 'startedAt', 'durationMs', 'lastSeq', 'eventCount', 'updatedAt']),
    );
  });

  it('command.completed names exitCode (and the version fields) only', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const { deltas } = d.apply(completed({ cellId: 'c1', exitCode: 2 }));
    expect(sorted(deltas[0]!.changed)).toEqual(sorted(['exitCode', 'lastSeq', 'eventCount', 'updatedAt']));
  });

  it('a forced destroy names exitCode among the changes', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(completed({ cellId: 'c1', exitCode: 2 }));
    const { deltas } = d.apply(destroyed({ cellId: 'c1', outcome: 'failed', terminalState: 'forced', reason: 'oom' }));
    expect(sorted(deltas[0]!.changed)).toEqual(
      sorted([
        'state',
        'status',
        'destroyedAt',
        'durationMs',
        'outcome',
        'terminalState',
        'reason',
        'exitCode',
        'lastSeq',
        'eventCount',
        'updatedAt',
      ]),
    );
  });

  it('a formation link names formationId and formation', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const { deltas } = d.apply(other('cell.observability.v1.metrics', { cellId: 'c1', formationId: uuidOf(5) }));
    expect(sorted(deltas[0]!.changed)).toEqual(
      sorted(['formationId', 'formation', 'lastSeq', 'eventCount', 'updatedAt']),
    );
  });

  it('a late started on a destroyed cell changes only the version fields', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    d.apply(destroyed({ cellId: 'c1', outcome: 'succeeded' }));
    const { deltas } = d.apply(started({ cellId: 'c1', specId: 's' }));
    expect(sorted(deltas[0]!.changed)).toEqual(sorted(['lastSeq', 'eventCount', 'updatedAt']));
  });
});
