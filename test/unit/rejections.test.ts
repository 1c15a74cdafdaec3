import { describe, expect, it } from 'vitest';
import { cloudEvent, completed, Driver, destroyed, type Envelope, formation, started } from './fixtures.js';

/**
 * Rejected events: not JSON, not an object, or breaking a required rule.
 * Each is counted with its seq and reason, and never changes a record.
 */

type Body = Envelope | { raw: string | Uint8Array };

const valid = () => completed({ cellId: 'c1', exitCode: 0 });
const without = (key: string): Envelope => {
  const e = valid();
  delete e[key];
  return e;
};
const withAttr = (key: string, value: unknown): Envelope => ({ ...valid(), [key]: value });
const withData = (patch: Record<string, unknown>): Envelope => {
  const e = valid();
  return { ...e, data: { ...(e.data as object), ...patch } };
};

const cases: [name: string, body: () => Body, reason: RegExp][] = [
  ['not JSON', () => ({ raw: '{"specversion": "1.0", ' }), /not valid JSON/],
  ['not UTF-8', () => ({ raw: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }), /UTF-8/],
  ['a JSON array', () => ({ raw: '[1,2]' }), /not a JSON object \(got array\)/],
  ['JSON null', () => ({ raw: 'null' }), /not a JSON object \(got null\)/],
  ['a JSON number', () => ({ raw: '42' }), /not a JSON object \(got number\)/],
  ['a JSON string', () => ({ raw: '"cell"' }), /not a JSON object \(got string\)/],
  ['specversion 0.3', () => withAttr('specversion', '0.3'), /specversion/],
  [
    'datacontenttype not JSON',
    () => withAttr('datacontenttype', 'application/xml'),
    /datacontenttype must be application\/json/,
  ],
  ['datacontenttype not a string', () => withAttr('datacontenttype', 1), /datacontenttype/],
  ['specversion as a number', () => withAttr('specversion', 1.0), /specversion/],
  ['missing specversion', () => without('specversion'), /specversion/],
  ['missing id', () => without('id'), /id/],
  ['empty id', () => withAttr('id', ''), /id/],
  ['numeric id', () => withAttr('id', 7), /id/],
  ['missing source', () => without('source'), /source/],
  ['empty source', () => withAttr('source', ''), /source/],
  ['missing type', () => without('type'), /type/],
  ['empty type', () => withAttr('type', ''), /type/],
  ['time not RFC 3339', () => withAttr('time', '28/11/2026 12:00'), /time/],
  ['time without offset', () => withAttr('time', '2026-11-28T12:00:00'), /time/],
  ['time as a number', () => withAttr('time', 1764331200000), /time/],
  ['data missing on a cell type', () => without('data'), /data must be a JSON object/],
  ['data as an array', () => withAttr('data', [1]), /data must be a JSON object/],
  ['data as a string', () => withAttr('data', '{"cellId":"c1"}'), /data must be a JSON object/],
  ['missing cellId on command.completed', () => ({ ...valid(), data: { exitCode: 0 } }), /data\.cellId/],
  ['empty cellId', () => withData({ cellId: '' }), /data\.cellId/],
  ['exitCode as a string "0"', () => withData({ exitCode: '0' }), /data\.exitCode/],
  ['exitCode 2^31', () => withData({ exitCode: 2 ** 31 }), /data\.exitCode/],
  ['exitCode below int32', () => withData({ exitCode: -(2 ** 31) - 1 }), /data\.exitCode/],
  ['exitCode 1.5', () => withData({ exitCode: 1.5 }), /data\.exitCode/],
  ['exitCode missing', () => ({ ...valid(), data: { cellId: 'c1' } }), /data\.exitCode/],
  ['destroyed with outcome "ok"', () => destroyed({ cellId: 'c1', outcome: 'ok' } as never), /data\.outcome/],
  ['destroyed without outcome', () => destroyed({ cellId: 'c1' } as never), /data\.outcome/],
  ['formation without formationId or id', () => formation('created', { name: 'f' }), /formationId/],
  ['formation with formationId not a UUID', () => formation('created', { formationId: 'f-1' }), /data\.formationId/],
  [
    'legacy formation type without data',
    () => ({ ...cloudEvent('io.cellos.formation.v1.created', undefined) }),
    /data must be a JSON object/,
  ],
];

describe('rejected events', () => {
  it.each(cases)('rejects %s: counted with seq and reason, record unchanged', (_name, body, reason) => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }));
    const record = d.cell('c1');
    const result = d.apply(body());
    expect(result.outcome).toBe('rejected');
    expect(result.deltas).toEqual([]);
    expect(result.decoded.kind).toBe('rejected');
    expect(d.cell('c1')).toBe(record);
    expect(d.projection.cells.size).toBe(1);
    expect(d.projection.formations.size).toBe(0);
    expect(d.projection.cursor).toBe(result.seq);
    expect(d.projection.counts).toEqual({ applied: 1, duplicates: 0, skipped: 0, rejected: 1 });
    const [rejection] = d.projection.recentRejections();
    expect(rejection?.seq).toBe(result.seq);
    expect(rejection?.reason).toMatch(reason);
  });

  it('a rejected event does not poison its id: the valid event with the same id still applies', () => {
    const d = new Driver();
    const good = completed({ cellId: 'c1', exitCode: 4 });
    expect(d.apply({ ...good, data: { cellId: 'c1', exitCode: '4' } }).outcome).toBe('rejected');
    expect(d.apply(good).outcome).toBe('applied');
    expect(d.cell('c1').exitCode).toBe(4);
  });

  it('keeps extension attributes and unknown data fields without requiring them', () => {
    const d = new Driver();
    const ev = started({ cellId: 'c1', specId: 's', extraField: { nested: true } } as never, {
      traceparent: '00-abc',
      subject: 'c1',
    });
    expect(d.apply(ev).outcome).toBe('applied');
  });

  it('accepts datacontenttype application/json with parameters, in any case', () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON']) {
      const d = new Driver();
      expect(d.apply(withAttr('datacontenttype', type)).outcome).toBe('applied');
      expect(d.cell('c1').exitCode).toBe(0);
    }
  });

  it('accepts an absent time (optional in the spec)', () => {
    const d = new Driver();
    const ev = valid();
    delete ev.time;
    expect(d.apply(ev).outcome).toBe('applied');
  });

  it('accepts RFC 3339 times with an offset and with nanoseconds, kept as sent', () => {
    const d = new Driver();
    d.apply(started({ cellId: 'c1', specId: 's' }, { time: '2026-11-28T15:37:14.123456789+01:00' }));
    expect(d.cell('c1').startedAt).toBe('2026-11-28T15:37:14.123456789+01:00');
  });

  it('Projection.reject (undecodable body) counts and advances the cursor', () => {
    const d = new Driver();
    d.projection.reject(3, 'message exceeds max_payload');
    expect(d.projection.cursor).toBe(3);
    expect(d.projection.counts.rejected).toBe(1);
    expect(d.projection.recentRejections()).toEqual([{ seq: 3, reason: 'message exceeds max_payload' }]);
  });

  it('recent rejections are newest first and bounded', () => {
    const d = new Driver({ recentRejections: 3 });
    for (let i = 0; i < 5; i++) d.apply({ raw: `garbage ${i}` });
    expect(d.projection.counts.rejected).toBe(5);
    expect(d.projection.recentRejections().map((r) => r.seq)).toEqual([5, 4, 3]);
  });
});
