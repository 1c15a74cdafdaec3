import type { z } from 'zod';
import { buildCell, buildFormation, rejected, skipped } from './buildEvent.js';
import type { CellData, DecodedEvent, EventEnvelope } from './model.js';
import {
  type CloudEvent,
  cellCommandCompletedDataSchema,
  cellDestroyedDataSchema,
  cellFailedDataSchema,
  cellOtherDataSchema,
  cellStartedDataSchema,
  cloudEventSchema,
  correlationSchema,
  formationDataSchema,
} from './schemas.js';
import {
  CELL_COMMAND_COMPLETED,
  CELL_DESTROYED,
  CELL_FAILED,
  CELL_STARTED,
  FORMATION_PREFIX,
  type FormationPhase,
  isFormationPhase,
  shortTypeName,
} from './types.js';

/**
 * The zod path: decodes a parsed JSON object with the schemas alone. It is
 * the reference the fast path must agree with, and the one that words every
 * rejection.
 */

const MAX_REASON_LENGTH = 300;

function describeIssues(error: z.ZodError, prefix: string): string {
  const text = error.issues
    .slice(0, 3)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH)}…` : text;
}

const isObject = (data: unknown): data is Record<string, unknown> =>
  data !== undefined && data !== null && typeof data === 'object' && !Array.isArray(data);

function cellDataSchemaOf(type: string) {
  return type === CELL_STARTED
    ? cellStartedDataSchema
    : type === CELL_COMMAND_COMPLETED
      ? cellCommandCompletedDataSchema
      : type === CELL_DESTROYED
        ? cellDestroyedDataSchema
        : type === CELL_FAILED
          ? cellFailedDataSchema
          : cellOtherDataSchema;
}

function decodeCell(envelope: EventEnvelope, event: CloudEvent): DecodedEvent {
  if (!isObject(event.data)) return rejected(`data must be a JSON object for ${envelope.type}`);
  const parsed = cellDataSchemaOf(envelope.type).safeParse(event.data);
  if (!parsed.success) return rejected(describeIssues(parsed.error, 'data'));
  // Extension attributes are optional and unvalidated by producers: a
  // malformed one is ignored rather than costing us a valid event.
  const extension = correlationSchema.safeParse(event['correlation']);
  return buildCell(envelope, parsed.data as CellData, extension.success ? extension.data : undefined);
}

function decodeFormation(envelope: EventEnvelope, event: CloudEvent, phase: FormationPhase): DecodedEvent {
  if (!isObject(event.data)) return rejected(`data must be a JSON object for ${envelope.type}`);
  const parsed = formationDataSchema.safeParse(event.data);
  if (!parsed.success) return rejected(describeIssues(parsed.error, 'data'));
  return buildFormation(envelope, phase, parsed.data);
}

/** Decodes an already-parsed JSON object with the zod schemas alone: the reference the fast path must agree with. */
export function decodeObjectStrict(value: Record<string, unknown>): DecodedEvent {
  const envelopeResult = cloudEventSchema.safeParse(value);
  if (!envelopeResult.success) return rejected(describeIssues(envelopeResult.error, ''));
  const event = envelopeResult.data;
  const type = shortTypeName(event.type);
  const envelope: EventEnvelope = { id: event.id, type, time: event.time ?? null };

  if (type.startsWith(FORMATION_PREFIX)) {
    const phase = type.slice(FORMATION_PREFIX.length);
    if (isFormationPhase(phase)) return decodeFormation(envelope, event, phase);
    return skipped(type, `unknown formation phase "${phase}"`);
  }
  if (type.startsWith('cell.')) return decodeCell(envelope, event);
  return skipped(type, 'unknown event type');
}
