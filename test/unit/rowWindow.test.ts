import { describe, expect, it } from 'vitest';
import { rowWindow } from '../../dashboard/src/rowWindow.js';

describe('rowWindow (the dashboard table rows in view)', () => {
  it('covers exactly the rows a viewport shows, plus the overscan, clamped to the list', () => {
    for (const count of [0, 1, 5, 40, 1000, 100_000]) {
      for (const top of [0, 13, 28, 560, 2_799_972, 5_000_000]) {
        for (const height of [0, 27, 600]) {
          const { start, end } = rowWindow(count, top, height, 28, 3);
          // Every row that intersects [top, top + height) is in the window, none beyond the overscan.
          for (let index = 0; index < count; index++) {
            const shown = index * 28 < top + height && (index + 1) * 28 > top;
            if (shown) expect(index >= start && index < end, `${count} ${top} ${height} ${index}`).toBe(true);
          }
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeLessThanOrEqual(count);
          expect(start).toBeLessThanOrEqual(end);
          expect(end - start).toBeLessThanOrEqual(Math.ceil(height / 28) + 1 + 6);
        }
      }
    }
  });
});
