import { type Logger, pino } from 'pino';

export type { Logger };

/** One JSON line per event worth logging, on stdout. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { service: 'cellgraph', ...bindings }, timestamp: pino.stdTimeFunctions.isoTime });
}
