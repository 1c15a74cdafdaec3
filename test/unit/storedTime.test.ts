import { describe, expect, it } from 'vitest';
import { storedMillis } from '../../src/events/streamEvent.js';
import { storedNanos } from '../../src/source/eventReader.js';

// A message's storedAt must not depend on the read path: a consumer's message
// carries integer nanos, a stream get carries an RFC 3339 string.
describe('stored time', () => {
  it('reads every millisecond of a stored time back as that millisecond', () => {
    const start = Date.parse('2026-12-04T21:40:12.000Z');
    for (let ms = start; ms < start + 20_000; ms++) {
      const iso = new Date(ms).toISOString();
      expect(new Date(storedMillis(storedNanos(iso))).toISOString()).toBe(iso);
      // The same time as a consumer would carry it: the integer nanos as one double.
      expect(storedMillis(Number(BigInt(ms) * 1_000_000n))).toBe(ms);
    }
  });

  it('keeps the nanosecond fraction nats-server sends, whatever its length', () => {
    const ms = Date.parse('2026-12-04T21:40:12.123Z');
    for (const fraction of ['123', '1234', '123456', '123456789', '12345678']) {
      const nanos = storedNanos(`2026-12-04T21:40:12.${fraction}Z`);
      expect(storedMillis(nanos)).toBe(ms);
      expect(nanos).toBe(
        Number(BigInt(Date.parse('2026-12-04T21:40:12Z')) * 1_000_000n + BigInt(fraction.padEnd(9, '0'))),
      );
    }
    expect(storedMillis(storedNanos('2026-12-04T21:40:12Z'))).toBe(Date.parse('2026-12-04T21:40:12Z'));
    expect(storedMillis(storedNanos('2026-12-04T22:40:12.5+01:00'))).toBe(Date.parse('2026-12-04T21:40:12.500Z'));
  });
});
