import { buildCell, buildFormation } from './buildEvent.js';
import type { CellData, DecodedEvent } from './model.js';
import { JSON_CONTENT_TYPE, TIME_PATTERN, UUID_PATTERN } from './schemas.js';
import {
  CELL_COMMAND_COMPLETED,
  CELL_DESTROYED,
  CELL_FAILED,
  CELL_STARTED,
  FORMATION_PREFIX,
  isFormationPhase,
  shortTypeName,
} from './types.js';

/**
 * The fast path: the common case (a well-formed cell or formation event
 * without a correlation extension attribute), checked with plain property
 * reads. The zod schemas stay the single source of truth: these checks accept
 * only values those schemas accept (the patterns are the ones schemas.ts
 * builds them from), and anything unusual returns undefined so the zod path
 * decides, and words the rejection or the dropped field. Unit tests hold the two paths equal.
 */

// z.int32()'s bounds.
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
  if (
    !optNonEmpty(data['specId']) ||
    !optNonEmpty(data['runId']) ||
    !optUuid(data['formationId']) ||
    !optString(data['tenantId'])
  )
    return undefined;
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
  return buildFormation({ id, type, time: time ?? null }, phase, {
    formationId: formationId as string | undefined,
    id: aliasId as string | undefined,
    name: name as string | undefined,
    // zod hands back a copy of a record: so does the fast path.
    document: document === undefined ? undefined : { ...(document as Record<string, unknown>) },
    reason: reason as string | undefined,
  });
}

/** The decoded event, or undefined when the zod path must decide. */
export function decodeFast(value: Record<string, unknown>): DecodedEvent | undefined {
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
