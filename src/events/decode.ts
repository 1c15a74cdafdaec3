import type { z } from 'zod';
import {
  type CloudEvent,
  cellCommandCompletedDataSchema,
  cellDestroyedDataSchema,
  cellFailedDataSchema,
  cellOtherDataSchema,
  cellStartedDataSchema,
  cloudEventSchema,
  correlationSchema,
  eventTimeSchema,
  formationDataSchema,
  JSON_CONTENT_TYPE,
  uuidSchema,
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

/** What every decoded event keeps of its envelope. */
export interface EventEnvelope {
  /** CloudEvent id: the idempotency key for duplicates re-published by the producer. */
  id: string;
  /** Short type name (`cell.lifecycle.v1.started`), whatever spelling was on the wire. */
  type: string;
  time: string | null;
}

export type CellAction = 'started' | 'commandCompleted' | 'destroyed' | 'failed' | 'touched';

export interface CellEvent extends EventEnvelope {
  kind: 'cell';
  action: CellAction;
  cellId: string;
  specId?: string;
  runId?: string;
  formationId?: string;
  tenantId?: string;
  exitCode?: number;
  outcome?: 'succeeded' | 'failed';
  terminalState?: 'clean' | 'forced';
  reason?: string;
}

export interface FormationEvent extends EventEnvelope {
  kind: 'formation';
  phase: FormationPhase;
  formationId: string;
  name?: string;
  document?: Record<string, unknown>;
  reason?: string;
}

/** Valid CloudEvent that cellgraph does not project (unknown type, cell event without a cell). */
export interface SkippedEvent {
  kind: 'skipped';
  type: string;
  reason: string;
}

/** Not an event we can trust: counted with its reason, never applied. */
export interface RejectedEvent {
  kind: 'rejected';
  reason: string;
}

export type DecodedEvent = CellEvent | FormationEvent | SkippedEvent | RejectedEvent;

const utf8 = new TextDecoder('utf-8', { fatal: true });
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

function rejected(reason: string): RejectedEvent {
  return { kind: 'rejected', reason };
}

/** Parses bytes into a JSON object, or says why it is not one. */
export type ParsedBody = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

export function parseJsonObject(body: Uint8Array | string): ParsedBody {
  let text: string;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `body is not valid JSON: ${(error as Error).message.slice(0, 120)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
    return { ok: false, reason: `body is not a JSON object (got ${got})` };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** What a cell event's data holds once validated (by zod, or by the fast path below). */
type CellData = {
  cellId?: string;
  specId?: string;
  runId?: string;
  formationId?: string;
  tenantId?: string;
  correlation?: { formationId?: string; tenantId?: string };
  exitCode?: number;
  outcome?: 'succeeded' | 'failed';
  terminalState?: 'clean' | 'forced';
  reason?: string;
};

function cellActionOf(type: string): CellAction {
  return type === CELL_STARTED
    ? 'started'
    : type === CELL_COMMAND_COMPLETED
      ? 'commandCompleted'
      : type === CELL_DESTROYED
        ? 'destroyed'
        : type === CELL_FAILED
          ? 'failed'
          : 'touched';
}

/** The one place a CellEvent is built from validated data, for both decode paths. */
function buildCell(
  envelope: EventEnvelope,
  data: CellData,
  extension: { formationId?: string; tenantId?: string } | undefined,
): DecodedEvent {
  if (data.cellId === undefined) return { kind: 'skipped', type: envelope.type, reason: 'cell event without cellId' };
  const action = cellActionOf(envelope.type);
  // One literal, keys in the order the spread of the envelope gave them: same object, no spread per event.
  const cell: CellEvent = {
    kind: 'cell',
    action,
    id: envelope.id,
    type: envelope.type,
    time: envelope.time,
    cellId: data.cellId,
  };
  if (data.specId !== undefined) cell.specId = data.specId;
  if (data.runId !== undefined) cell.runId = data.runId;
  const formationId = data.formationId ?? data.correlation?.formationId ?? extension?.formationId;
  if (formationId !== undefined) cell.formationId = formationId.toLowerCase();
  const tenantId = data.tenantId ?? data.correlation?.tenantId ?? extension?.tenantId;
  if (tenantId !== undefined) cell.tenantId = tenantId;
  if (action === 'commandCompleted') cell.exitCode = data.exitCode;
  if (action === 'destroyed') {
    cell.outcome = data.outcome;
    if (data.terminalState !== undefined) cell.terminalState = data.terminalState;
  }
  if ((action === 'destroyed' || action === 'failed') && data.reason !== undefined) cell.reason = data.reason;
  return cell;
}

function decodeCell(envelope: EventEnvelope, event: CloudEvent): DecodedEvent {
  const schema =
    envelope.type === CELL_STARTED
      ? cellStartedDataSchema
      : envelope.type === CELL_COMMAND_COMPLETED
        ? cellCommandCompletedDataSchema
        : envelope.type === CELL_DESTROYED
          ? cellDestroyedDataSchema
          : envelope.type === CELL_FAILED
            ? cellFailedDataSchema
            : cellOtherDataSchema;
  if (event.data === undefined || event.data === null || typeof event.data !== 'object' || Array.isArray(event.data)) {
    return rejected(`data must be a JSON object for ${envelope.type}`);
  }
  const parsed = schema.safeParse(event.data);
  if (!parsed.success) return rejected(describeIssues(parsed.error, 'data'));
  // Extension attributes are optional and unvalidated by producers: a
  // malformed one is ignored rather than costing us a valid event.
  const extension = correlationSchema.safeParse(event['correlation']);
  return buildCell(envelope, parsed.data as CellData, extension.success ? extension.data : undefined);
}

function decodeFormation(envelope: EventEnvelope, event: CloudEvent, phase: FormationPhase): DecodedEvent {
  if (event.data === undefined || event.data === null || typeof event.data !== 'object' || Array.isArray(event.data)) {
    return rejected(`data must be a JSON object for ${envelope.type}`);
  }
  const parsed = formationDataSchema.safeParse(event.data);
  if (!parsed.success) return rejected(describeIssues(parsed.error, 'data'));
  const data = parsed.data;
  const formation: FormationEvent = {
    kind: 'formation',
    ...envelope,
    phase,
    formationId: (data.formationId ?? data.id)!.toLowerCase(),
  };
  if (data.name !== undefined) formation.name = data.name;
  if (data.document !== undefined) formation.document = data.document;
  if (data.reason !== undefined) formation.reason = data.reason;
  return formation;
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
    return { kind: 'skipped', type, reason: `unknown formation phase "${phase}"` };
  }
  if (type.startsWith('cell.')) return decodeCell(envelope, event);
  return { kind: 'skipped', type, reason: 'unknown event type' };
}

// Fast path. The zod schemas stay the single source of truth: the checks
// below accept only values those schemas accept (the patterns are the
// schemas' own), and anything unusual falls back to decodeObjectStrict,
// which also words the rejection. A unit test holds the two paths equal.
const TIME_PATTERN = (eventTimeSchema._zod.def as { pattern: RegExp }).pattern;
const UUID_PATTERN = (uuidSchema._zod.def as { pattern: RegExp }).pattern;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown) => v === undefined || typeof v === 'string';
const optNonEmpty = (v: unknown) => v === undefined || (typeof v === 'string' && v.length > 0);
const optUuid = (v: unknown) => v === undefined || (typeof v === 'string' && UUID_PATTERN.test(v));

/** Validated cell data, or undefined when zod must decide. */
function fastCellData(type: string, data: Record<string, unknown>): CellData | undefined {
  const cellId = data['cellId'];
  if (
    cellId === undefined
      ? type === CELL_STARTED || type === CELL_COMMAND_COMPLETED || type === CELL_DESTROYED || type === CELL_FAILED
      : !(typeof cellId === 'string' && cellId.length > 0)
  ) {
    return undefined;
  }
  const specId = data['specId'];
  if (type === CELL_STARTED ? !(typeof specId === 'string' && specId.length > 0) : !optNonEmpty(specId))
    return undefined;
  if (!optNonEmpty(data['runId']) || !optUuid(data['formationId']) || !optString(data['tenantId'])) return undefined;
  const correlation = data['correlation'];
  if (
    correlation !== undefined &&
    !(isPlainObject(correlation) && optUuid(correlation['formationId']) && optString(correlation['tenantId']))
  ) {
    return undefined;
  }
  if (type === CELL_COMMAND_COMPLETED) {
    const exitCode = data['exitCode'];
    if (!(typeof exitCode === 'number' && Number.isInteger(exitCode) && exitCode >= INT32_MIN && exitCode <= INT32_MAX))
      return undefined;
    const argv = data['argv'];
    if (argv !== undefined && !(Array.isArray(argv) && argv.every((a) => typeof a === 'string'))) return undefined;
    const durationMs = data['durationMs'];
    if (durationMs !== undefined && !(typeof durationMs === 'number' && Number.isFinite(durationMs) && durationMs >= 0))
      return undefined;
    if (!optString(data['spawnError'])) return undefined;
  } else if (type === CELL_DESTROYED) {
    const outcome = data['outcome'];
    if (outcome !== 'succeeded' && outcome !== 'failed') return undefined;
    const terminalState = data['terminalState'];
    if (terminalState !== undefined && terminalState !== 'clean' && terminalState !== 'forced') return undefined;
    if (!optString(data['reason'])) return undefined;
  } else if (type === CELL_FAILED) {
    if (!optString(data['reason'])) return undefined;
  }
  return data as CellData;
}

const optPlainRecord = (v: unknown) =>
  // zod copies a record key by key (skipping `__proto__`) and looks at `constructor`: objects with either key are left to it.
  v === undefined ||
  (isPlainObject(v) &&
    Object.getPrototypeOf(v) === Object.prototype &&
    !Object.hasOwn(v, '__proto__') &&
    !Object.hasOwn(v, 'constructor'));

/** A well-formed formation event (what formationDataSchema accepts), or undefined when zod must decide. */
function fastFormation(
  id: string,
  type: string,
  time: string | undefined,
  data: Record<string, unknown>,
): DecodedEvent | undefined {
  const phase = type.slice(FORMATION_PREFIX.length);
  if (!isFormationPhase(phase)) return undefined;
  const formationId = data['formationId'];
  const aliasId = data['id'];
  const name = data['name'];
  const document = data['document'];
  const reason = data['reason'];
  if (!optUuid(formationId) || !optUuid(aliasId) || (formationId === undefined && aliasId === undefined))
    return undefined;
  if (!optString(name) || !optString(reason) || !optPlainRecord(document)) return undefined;
  const formation: FormationEvent = {
    kind: 'formation',
    id,
    type,
    time: time ?? null,
    phase,
    formationId: ((formationId ?? aliasId) as string).toLowerCase(),
  };
  if (name !== undefined) formation.name = name as string;
  if (document !== undefined) formation.document = { ...(document as Record<string, unknown>) };
  if (reason !== undefined) formation.reason = reason as string;
  return formation;
}

/** The common case (a well-formed cell or formation event without a correlation extension attribute), checked cheaply. */
function decodeFast(value: Record<string, unknown>): DecodedEvent | undefined {
  const id = value['id'];
  const source = value['source'];
  const rawType = value['type'];
  const time = value['time'];
  if (
    value['specversion'] !== '1.0' ||
    typeof id !== 'string' ||
    id.length === 0 ||
    typeof source !== 'string' ||
    source.length === 0 ||
    typeof rawType !== 'string' ||
    rawType.length === 0 ||
    !(time === undefined || (typeof time === 'string' && TIME_PATTERN.test(time))) ||
    !(
      value['datacontenttype'] === undefined ||
      (typeof value['datacontenttype'] === 'string' && JSON_CONTENT_TYPE.test(value['datacontenttype']))
    ) ||
    !optString(value['subject']) ||
    value['correlation'] !== undefined
  ) {
    return undefined;
  }
  const type = shortTypeName(rawType);
  if (!type.startsWith('cell.')) return undefined;
  const data = value['data'];
  if (!isPlainObject(data)) return undefined;
  if (type.startsWith(FORMATION_PREFIX)) return fastFormation(id, type, time as string | undefined, data);
  const cellData = fastCellData(type, data);
  if (cellData === undefined) return undefined;
  return buildCell({ id, type, time: (time as string | undefined) ?? null }, cellData, undefined);
}

/** Decodes an already-parsed JSON object into a typed event, a skip or a rejection. */
export function decodeObject(value: Record<string, unknown>): DecodedEvent {
  return decodeFast(value) ?? decodeObjectStrict(value);
}

/** Message body (bytes off the stream) to a typed event, a skip or a rejection. Never throws. */
export function decodeEvent(body: Uint8Array | string): DecodedEvent {
  const parsed = parseJsonObject(body);
  return parsed.ok ? decodeObject(parsed.value) : rejected(parsed.reason);
}
