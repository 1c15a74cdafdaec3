import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Projection } from '../../src/projection/projection.js';
import { Ingestor } from '../../src/source/ingest.js';

/**
 * README: rejected events are "logged with seq and reason (at most 20 per
 * 10 s, then a count)", so a flood of garbage cannot flood the log.
 */

interface Line {
  msg: string;
  seq?: number;
  reason?: string;
  suppressed?: number;
}

function capture(): { lines: Line[]; ingestor: Ingestor } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  // pino writes synchronously to a plain Writable, so each line is there once ingest() returns.
  const logger = pino({ level: 'warn' }, sink);
  return { lines, ingestor: new Ingestor(new Projection(), () => {}, logger) };
}

let seq = 0;
const garbage = () => ({
  seq: ++seq,
  subject: 'cellos.events.test',
  data: new TextEncoder().encode('not json'),
  info: { timestampNanos: 0 },
});

afterEach(() => {
  vi.useRealTimers();
});

describe('rejected-event log', () => {
  it('logs the first 20 of a window with seq and reason, then only a count when the next window opens', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-28T12:00:00Z'));
    const { lines, ingestor } = capture();
    const first = seq + 1;
    for (let i = 0; i < 25; i++) ingestor.ingest(garbage());
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => l.msg === 'rejected event' && /JSON/.test(l.reason ?? ''))).toBe(true);
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => first + i));

    // Still inside the 10 s window: nothing more.
    vi.setSystemTime(Date.parse('2026-11-28T12:00:09Z'));
    ingestor.ingest(garbage());
    expect(lines).toHaveLength(20);

    // A new window: the count of the ones not logged (5 + 1), then individual lines again.
    vi.setSystemTime(Date.parse('2026-11-28T12:00:10.500Z'));
    ingestor.ingest(garbage());
    expect(lines.slice(20)).toMatchObject([
      { msg: 'rejected events and dropped fields not logged individually', suppressed: 6 },
      { msg: 'rejected event', seq },
    ]);
  });
});
