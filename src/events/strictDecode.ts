import { z } from 'zod';
import { buildCell, buildFormation, rejected, skipped } from './buildEvent.js';
import type { CellData, Correlation, DecodedEvent, DroppedField, EventEnvelope } from './model.js';
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

/**
 * `cellId` is optional on the "other" cell types only in that such an event
 * may be about no cell; when present it is the projection key, and the
 * contract makes a broken one a rejection on every cell event.
 */
const NEVER_DROPPED = new Set(['cellId']);

/** The keys of an object schema that may be absent: exactly the fields that are dropped when they break their rule. */
function optionalKeysOf(schema: z.ZodObject): ReadonlySet<string> {
  return new Set(
    Object.entries(schema.shape)
      .filter(([key, field]) => !NEVER_DROPPED.has(key) && field.safeParse(undefined).success)
      .map(([key]) => key),
  );
}

const optionalKeys = new WeakMap<z.ZodObject, ReadonlySet<string>>();
const optionalKeysCached = (schema: z.ZodObject) =>
  optionalKeys.get(schema) ?? optionalKeys.set(schema, optionalKeysOf(schema)).get(schema)!;

type LenientParse<T> = { ok: true; data: T; dropped: readonly DroppedField[] } | { ok: false; error: z.ZodError };

/**
 * Parses with the schema; when only optional fields break their rules, drops
 * them (as if absent, one level deep into nested objects such as
 * `correlation`) and parses again. Anything else, or a second failure (a
 * required rule such as "formationId or id" that the drop exposed), rejects
 * with the first parse's issues, which name the field that was wrong.
 */
function parseDroppingBrokenOptionals<S extends z.ZodObject>(
  schema: S,
  input: Record<string, unknown>,
  prefix: string,
): LenientParse<z.infer<S>> {
  const first = schema.safeParse(input);
  if (first.success) return { ok: true, data: first.data, dropped: [] };
  const optional = optionalKeysCached(schema);
  const repaired: Record<string, unknown> = { ...input };
  const dropped: DroppedField[] = [];
  for (const issue of first.error.issues) {
    const [key, nestedKey] = issue.path;
    if (typeof key !== 'string' || !optional.has(key)) return { ok: false, error: first.error };
    const nestedSchema = schema.shape[key] instanceof z.ZodOptional ? schema.shape[key].unwrap() : undefined;
    const nested = repaired[key];
    if (
      typeof nestedKey === 'string' &&
      nestedSchema instanceof z.ZodObject &&
      isObject(nested) &&
      issue.path.length === 2
    ) {
      if (!optionalKeysCached(nestedSchema).has(nestedKey)) return { ok: false, error: first.error };
      const copy = { ...nested };
      delete copy[nestedKey];
      repaired[key] = copy;
      dropped.push({ field: `${prefix}.${key}.${nestedKey}`, reason: issue.message });
    } else {
      delete repaired[key];
      dropped.push({ field: `${prefix}.${key}`, reason: issue.message });
    }
  }
  const second = schema.safeParse(repaired);
  if (!second.success) return { ok: false, error: first.error };
  return { ok: true, data: second.data, dropped: uniqueByField(dropped) };
}

/** One entry per field: an array such as argv can break its rule at several indexes. */
function uniqueByField(dropped: DroppedField[]): DroppedField[] {
  const seen = new Set<string>();
  return dropped.filter((d) => !seen.has(d.field) && seen.add(d.field));
}

function decodeCell(envelope: EventEnvelope, event: CloudEvent): DecodedEvent {
  if (!isObject(event.data)) return rejected(`data must be a JSON object for ${envelope.type}`);
  const parsed = parseDroppingBrokenOptionals(cellDataSchemaOf(envelope.type), event.data, 'data');
  if (!parsed.ok) return rejected(describeIssues(parsed.error, 'data'));
  const dropped = [...parsed.dropped];
  // The correlation extension attribute follows the same rule as the fields in data.
  let extension: Correlation | undefined;
  if (isObject(event['correlation'])) {
    const ext = parseDroppingBrokenOptionals(correlationSchema, event['correlation'], 'correlation');
    if (ext.ok) {
      extension = ext.data;
      dropped.push(...ext.dropped);
    }
  } else if (event['correlation'] !== undefined) {
    dropped.push({ field: 'correlation', reason: 'the correlation extension attribute must be an object' });
  }
  return withDropped(buildCell(envelope, parsed.data as CellData, extension), dropped);
}

function decodeFormation(envelope: EventEnvelope, event: CloudEvent, phase: FormationPhase): DecodedEvent {
  if (!isObject(event.data)) return rejected(`data must be a JSON object for ${envelope.type}`);
  const parsed = parseDroppingBrokenOptionals(formationDataSchema, event.data, 'data');
  if (!parsed.ok) return rejected(describeIssues(parsed.error, 'data'));
  return withDropped(buildFormation(envelope, phase, parsed.data), parsed.dropped);
}

function withDropped(event: DecodedEvent, dropped: readonly DroppedField[]): DecodedEvent {
  if (dropped.length > 0 && (event.kind === 'cell' || event.kind === 'formation')) event.droppedFields = dropped;
  return event;
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
