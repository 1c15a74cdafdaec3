// A cellgraph logger whose JSON lines are kept in memory, so a test can read what was logged (and what never was).
import { pino } from 'pino';
import type { Logger } from '../../src/util/logger.js';

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line logged so far, parsed. */
  entries(): Record<string, unknown>[];
  /** Everything logged so far, as written. */
  text(): string;
}

/** A logger at `level` (default `trace`: everything cellgraph can say) writing into memory. */
export function captureLogs(level = 'trace'): CapturedLogs {
  const lines: string[] = [];
  const logger = pino(
    { level, base: { service: 'cellgraph' } },
    {
      write(line: string) {
        lines.push(line);
      },
    },
  );
  return {
    logger,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join(''),
  };
}
