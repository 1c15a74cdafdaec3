import { describe, expect, it } from 'vitest';
import { FULL_TYPE_PREFIX } from '../../src/events/types.js';
import { TimelineLog } from '../../src/projection/timelineLog.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { cloudEvent, Driver, type Envelope } from './fixtures.js';

const T = FULL_TYPE_PREFIX;

describe('timeline log', () => {
  it('links each entry to its record: reads oldest first, after a seq, a page at a time', () => {
    const log = new TimelineLog();
    // Two records interleaved, with gaps in the seqs (other messages of the stream).
    log.append(3, null); // a
    log.append(4, null); // b
    log.append(9, 3); // a
    log.append(10, 4); // b
    log.append(200_000, 9); // a
    expect(log.read(200_000, 0, 10)).toEqual({ seqs: [3, 9, 200_000], hasMore: false });
    expect(log.read(10, 0, 10)).toEqual({ seqs: [4, 10], hasMore: false });
    expect(log.read(200_000, 0, 2)).toEqual({ seqs: [3, 9], hasMore: true });
    expect(log.read(200_000, 9, 2)).toEqual({ seqs: [200_000], hasMore: false });
    expect(log.read(200_000, 200_000, 2)).toEqual({ seqs: [], hasMore: false });
    expect(log.indexOf(5)).toBe(-1);
    expect(log.indexOf(200_001)).toBe(-1);
    expect(() => log.append(200_000, null)).toThrow(/ascending/);
    expect(() => log.append(200_001, 5)).toThrow(/no entry/);
  });

  it('grows past a chunk and keeps seqs beyond 2^32 exact', () => {
    const log = new TimelineLog();
    const base = 2 ** 33;
    for (let i = 0; i < 70_000; i++) log.append(base + i * 2, i === 0 ? null : base + (i - 1) * 2);
    expect(log.length).toBe(70_000);
    const all = log.read(base + 69_999 * 2, 0, 100_000).seqs;
    expect(all).toHaveLength(70_000);
    expect(all[65_536]).toBe(base + 65_536 * 2);
    expect(log.indexOf(base + 2)).toBe(1);
  });
});

describe('projection timelines', () => {
  it("a cell's timeline holds its applied events only: not rejected ones, not re-published duplicates", () => {
    const driver = new Driver();
    const started = cloudEvent(`${T}cell.lifecycle.v1.started`, { cellId: 'a', specId: 's' });
    const seqs = {
      started: driver.apply(started).seq,
      other: driver.apply(cloudEvent(`${T}cell.lifecycle.v1.started`, { cellId: 'b', specId: 's' })).seq,
      duplicate: driver.apply(started).seq,
      rejected: driver.apply(cloudEvent(`${T}cell.command.v1.completed`, { cellId: 'a', exitCode: 'x' })).seq,
      completed: driver.apply(cloudEvent(`${T}cell.command.v1.completed`, { cellId: 'a', exitCode: 0 })).seq,
      destroyed: driver.apply(cloudEvent(`${T}cell.lifecycle.v1.destroyed`, { cellId: 'a', outcome: 'succeeded' })).seq,
      late: driver.apply(cloudEvent(`${T}cell.lifecycle.v1.started`, { cellId: 'a', specId: 'late' })).seq,
    };
    const cell = driver.cell('a');
    const timeline = driver.projection.timelineOf(cell, 0, 100);
    expect(timeline.seqs).toEqual([seqs.started, seqs.completed, seqs.destroyed, seqs.late]);
    expect(timeline.seqs).toHaveLength(cell.eventCount);
    expect(driver.projection.timelineOf(driver.cell('b'), 0, 100).seqs).toEqual([seqs.other]);
  });

  it('equals, for every cell and formation of a simulated history, the seqs applied to it (reference)', () => {
    const driver = new Driver({ dedupWindow: 1000 });
    const expected = new Map<string, number[]>();
    for (const { event } of takeEvents(5000, { seed: 4, duplicateRate: 0.05, formationShare: 0.5 })) {
      const applied = driver.apply(event as Envelope);
      if (applied.outcome !== 'applied') continue;
      const decoded = applied.decoded;
      const key =
        decoded.kind === 'cell'
          ? `c:${decoded.cellId}`
          : decoded.kind === 'formation'
            ? `f:${decoded.formationId}`
            : '';
      expected.set(key, [...(expected.get(key) ?? []), applied.seq]);
    }
    expect(driver.projection.counts.duplicates).toBeGreaterThan(0);
    const { projection } = driver;
    const actual = new Map<string, number[]>();
    for (const cell of projection.cells.values()) actual.set(`c:${cell.id}`, projection.timelineOf(cell, 0, 1e9).seqs);
    for (const f of projection.formations.values()) actual.set(`f:${f.id}`, projection.timelineOf(f, 0, 1e9).seqs);
    expect(actual).toEqual(expected);
    expect(projection.formations.size).toBeGreaterThan(0);
  });

  it('a reset empties the timelines', () => {
    const driver = new Driver();
    driver.apply(cloudEvent(`${T}cell.lifecycle.v1.started`, { cellId: 'a', specId: 's' }));
    driver.projection.reset();
    expect(driver.projection.timeline.length).toBe(0);
  });
});
