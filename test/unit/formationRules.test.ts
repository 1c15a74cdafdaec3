import { describe, expect, it } from 'vitest';
import { FORMATION_PHASES } from '../../src/events/types.js';
import { cloudEvent, Driver, formation, republish, uuidOf } from './fixtures.js';

const F = uuidOf(0xf00);

const STATUS: Record<(typeof FORMATION_PHASES)[number], string> = {
  created: 'PENDING',
  launching: 'LAUNCHING',
  running: 'RUNNING',
  degraded: 'DEGRADED',
  completed: 'COMPLETED',
  failed: 'FAILED',
};

describe('formation reducer', () => {
  it.each(FORMATION_PHASES)('phase %s sets its status', (phase) => {
    const d = new Driver();
    d.apply(formation(phase, { formationId: F }));
    expect(d.formation(F).status).toBe(STATUS[phase]);
  });

  it('walks created → launching → running → degraded → completed, keeping name, document and reason', () => {
    const d = new Driver();
    const created = formation('created', { formationId: F, name: 'nightly', document: { cells: 3 } });
    d.apply(created);
    const seen: string[] = [d.formation(F).status];
    for (const phase of ['launching', 'running'] as const) {
      d.apply(formation(phase, { formationId: F }));
      seen.push(d.formation(F).status);
    }
    d.apply(formation('degraded', { formationId: F, reason: 'vmm_crashed' }));
    seen.push(d.formation(F).status);
    const last = formation('completed', { formationId: F });
    d.apply(last);
    seen.push(d.formation(F).status);
    expect(seen).toEqual(['PENDING', 'LAUNCHING', 'RUNNING', 'DEGRADED', 'COMPLETED']);
    expect(d.formation(F)).toMatchObject({
      id: F,
      name: 'nightly',
      document: { cells: 3 },
      reason: 'vmm_crashed',
      createdAt: created.time,
      updatedAt: last.time,
      firstSeq: 1,
      lastSeq: 5,
      eventCount: 5,
    });
  });

  it.each(['completed', 'failed'] as const)('%s is terminal: a late phase does not reopen the formation', (end) => {
    const d = new Driver();
    d.apply(formation('running', { formationId: F }));
    d.apply(formation(end, { formationId: F, reason: end === 'failed' ? 'boot_failed' : undefined }));
    const { outcome } = d.apply(formation('running', { formationId: F, reason: 'late' }));
    expect(outcome).toBe('applied');
    expect(d.formation(F)).toMatchObject({
      status: STATUS[end],
      reason: end === 'failed' ? 'boot_failed' : null,
      eventCount: 3,
      lastSeq: 3,
    });
  });

  it('accepts the legacy io.cellos.formation.v1.<phase> type as the same event', () => {
    const legacy = new Driver();
    const modern = new Driver();
    const ev = formation('launching', { formationId: F, name: 'n' });
    legacy.apply({ ...ev, type: 'io.cellos.formation.v1.launching' });
    modern.apply(ev);
    expect(legacy.formation(F).status).toBe('LAUNCHING');
    expect(legacy.formation(F)).toEqual(modern.formation(F));
  });

  it('accepts the short cell.formation.v1.<phase> type', () => {
    const d = new Driver();
    d.apply(cloudEvent('cell.formation.v1.degraded', { formationId: F }));
    expect(d.formation(F).status).toBe('DEGRADED');
  });

  it('accepts id as an alias of formationId', () => {
    const d = new Driver();
    d.apply(formation('created', { id: F, name: 'aliased' }));
    expect(d.formation(F)).toMatchObject({ id: F, name: 'aliased', status: 'PENDING' });
  });

  it('lowercases the formation id, so both spellings are one formation', () => {
    const d = new Driver();
    d.apply(formation('created', { formationId: F.toUpperCase() }));
    d.apply(formation('running', { formationId: F }));
    expect(d.projection.formations.size).toBe(1);
    expect(d.formation(F).status).toBe('RUNNING');
  });

  it('a duplicate formation event changes nothing and produces no delta', () => {
    const d = new Driver();
    const ev = formation('created', { formationId: F });
    d.apply(ev);
    d.apply(formation('running', { formationId: F }));
    const record = d.formation(F);
    const dup = d.apply(republish(ev));
    expect(dup.outcome).toBe('duplicate');
    expect(dup.deltas).toEqual([]);
    expect(d.formation(F)).toBe(record);
  });

  it('deltas name the changed formation fields', () => {
    const d = new Driver();
    const first = d.apply(formation('created', { formationId: F, name: 'n' }));
    expect(first.deltas[0]).toMatchObject({ entity: 'formation', before: null, seq: 1 });
    expect([...first.deltas[0]!.changed].sort()).toEqual(
      [
        'id',
        'name',
        'status',
        'document',
        'reason',
        'createdAt',
        'firstSeq',
        'lastSeq',
        'updatedAt',
        'eventCount',
      ].sort(),
    );
    const next = d.apply(formation('launching', { formationId: F }));
    expect([...next.deltas[0]!.changed].sort()).toEqual(['eventCount', 'lastSeq', 'status', 'updatedAt']);
  });

  it('keeps formations in first-seen order', () => {
    const d = new Driver();
    const ids = [uuidOf(3), uuidOf(1), uuidOf(2)];
    for (const id of ids) d.apply(formation('created', { formationId: id }));
    d.apply(formation('running', { formationId: ids[0]! }));
    expect(d.projection.formationIdsInFirstSeenOrder()).toEqual(ids);
  });
});
