/**
 * CloudEvent `type` names as CellOS writes them, and their normalisation to
 * one short form. Producers use the full `dev.cellos.events.` prefix, older
 * tools the short name, and formation events also exist under a legacy
 * `io.cellos.formation.v1.` prefix: all three are the same event to us.
 */
export const FULL_TYPE_PREFIX = 'dev.cellos.events.';
export const LEGACY_FORMATION_PREFIX = 'io.cellos.formation.v1.';

export const CELL_STARTED = 'cell.lifecycle.v1.started';
export const CELL_COMMAND_COMPLETED = 'cell.command.v1.completed';
export const CELL_DESTROYED = 'cell.lifecycle.v1.destroyed';
export const CELL_FAILED = 'cell.lifecycle.v1.failed';
export const FORMATION_PREFIX = 'cell.formation.v1.';

export const FORMATION_PHASES = ['created', 'launching', 'running', 'degraded', 'completed', 'failed'] as const;
export type FormationPhase = (typeof FORMATION_PHASES)[number];

/** Short name (`cell.lifecycle.v1.started`) of any accepted spelling of a type. */
export function shortTypeName(type: string): string {
  if (type.startsWith(FULL_TYPE_PREFIX)) return type.slice(FULL_TYPE_PREFIX.length);
  if (type.startsWith(LEGACY_FORMATION_PREFIX)) return FORMATION_PREFIX + type.slice(LEGACY_FORMATION_PREFIX.length);
  return type;
}

export function fullTypeName(shortName: string): string {
  return FULL_TYPE_PREFIX + shortName;
}

export function isFormationPhase(phase: string): phase is FormationPhase {
  return (FORMATION_PHASES as readonly string[]).includes(phase);
}
