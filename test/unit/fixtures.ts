import { type DecodedEvent, decodeEvent } from '../../src/events/decode.js';
import type {
  CellCommandCompletedData,
  CellDestroyedData,
  CellFailedData,
  CellOtherData,
  CellStartedData,
  FormationData,
} from '../../src/events/schemas.js';
import { type FormationPhase, FULL_TYPE_PREFIX } from '../../src/events/types.js';
import { type ApplyOutcome, Projection, type ProjectionOptions } from '../../src/projection/projection.js';
import type { CellDelta, CellRecord, Delta, FormationRecord } from '../../src/projection/records.js';

/**
 * Pure builders for unit tests: CloudEvents whose `data` is typed by the
 * zod-inferred shapes the decoder accepts, and a projection driver that
 * feeds them through the real decode (bytes → event) like the ingest does.
 */

let serial = 0;
const EPOCH = Date.parse('2026-11-28T12:00:00Z');

/** A distinct, increasing RFC 3339 time per call. */
export function nextTime(): string {
  serial += 1;
  return new Date(EPOCH + serial * 1000).toISOString();
}

export type Envelope = Record<string, unknown> & { id: string; type: string; time?: string; data?: unknown };

/** A valid CloudEvent; `type` is used as given (short, full or legacy spelling). */
export function cloudEvent(type: string, data: unknown, extra: Record<string, unknown> = {}): Envelope {
  serial += 1;
  return {
    specversion: '1.0',
    id: `urn:cellos:event:unit-${serial}`,
    source: 'cellos-supervisor://unit',
    type,
    time: new Date(EPOCH + serial * 1000).toISOString(),
    datacontenttype: 'application/json',
    data,
    ...extra,
  };
}

const full = (short: string) => FULL_TYPE_PREFIX + short;

export const started = (data: CellStartedData, extra?: Record<string, unknown>) =>
  cloudEvent(full('cell.lifecycle.v1.started'), data, extra);
export const completed = (data: CellCommandCompletedData, extra?: Record<string, unknown>) =>
  cloudEvent(full('cell.command.v1.completed'), data, extra);
export const destroyed = (data: CellDestroyedData, extra?: Record<string, unknown>) =>
  cloudEvent(full('cell.lifecycle.v1.destroyed'), data, extra);
export const failed = (data: CellFailedData, extra?: Record<string, unknown>) =>
  cloudEvent(full('cell.lifecycle.v1.failed'), data, extra);
export const other = (shortType: string, data: CellOtherData, extra?: Record<string, unknown>) =>
  cloudEvent(full(shortType), data, extra);
export const formation = (phase: FormationPhase, data: Omit<FormationData, never>, extra?: Record<string, unknown>) =>
  cloudEvent(full(`cell.formation.v1.${phase}`), data, extra);

/** Same event re-published by a retrying producer: same id, same body. */
export const republish = (event: Envelope): Envelope => structuredClone(event);

/** Copies of `event` with its data patched, or with one data key gone, for probing a decoder's checks. */
export function dataEdits(event: Record<string, unknown>) {
  const data = event['data'] as Record<string, unknown>;
  return {
    withData: (patch: Record<string, unknown>) => ({ ...event, data: { ...data, ...patch } }),
    without: (key: string) => {
      const copy = { ...data };
      delete copy[key];
      return { ...event, data: copy };
    },
  };
}

export interface Applied {
  seq: number;
  outcome: ApplyOutcome | 'stale';
  decoded: DecodedEvent;
  deltas: Delta[];
}

/** Feeds bodies to a real Projection at consecutive seqs, as the ingest does. */
export class Driver {
  readonly projection: Projection;
  seq = 0;

  constructor(options?: ProjectionOptions) {
    this.projection = new Projection(options);
  }

  /** Applies an event object (serialized to JSON) or a raw body at the next seq. */
  apply(event: Envelope | { raw: string | Uint8Array }): Applied {
    return this.applyAt(this.seq + 1, event);
  }

  applyAt(seq: number, event: Envelope | { raw: string | Uint8Array }): Applied {
    if (seq > this.seq) this.seq = seq;
    const body =
      'raw' in event && (typeof event.raw === 'string' || event.raw instanceof Uint8Array)
        ? event.raw
        : JSON.stringify(event);
    const decoded = decodeEvent(typeof body === 'string' ? new TextEncoder().encode(body) : body);
    const deltas: Delta[] = [];
    const outcome = this.projection.apply(seq, decoded, deltas);
    return { seq, outcome, decoded, deltas };
  }

  applyAll(events: Envelope[]): Applied[] {
    return events.map((e) => this.apply(e));
  }

  cell(id: string): CellRecord {
    const cell = this.projection.cells.get(id);
    if (!cell) throw new Error(`no cell ${id}`);
    return cell;
  }

  formation(id: string): FormationRecord {
    const f = this.projection.formations.get(id);
    if (!f) throw new Error(`no formation ${id}`);
    return f;
  }
}

/** Deterministic RFC 4122-shaped UUID (lowercase) from a number. */
export function uuidOf(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

/** Cell deltas of each applied event, in order. */
export function cellDeltas(driver: Driver, events: Parameters<Driver['apply']>[0][]): CellDelta[] {
  return events.flatMap((event) => driver.apply(event).deltas.filter((d): d is CellDelta => d.entity === 'cell'));
}

/** Up to `count` messages of a feed, stopping early when it ends. */
export async function drain<T>(feed: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const result = await feed.next();
    if (result.done) break;
    out.push(result.value);
  }
  return out;
}
