import { decodeFast } from './fastDecode.js';
import type { DecodedEvent } from './model.js';
import { parseJsonObject } from './parseBody.js';
import { decodeObjectStrict } from './strictDecode.js';

/**
 * The decoder's entry point: message bytes to a typed event, a skip or a
 * rejection. The work is split by job: parseBody (bytes to a JSON object),
 * fastDecode (the common case, cheaply), strictDecode (zod: the reference,
 * and everything unusual), buildEvent (the events both paths build), model
 * (the types).
 */

export type {
  CellAction,
  CellEvent,
  DecodedEvent,
  DroppedField,
  EventEnvelope,
  FormationEvent,
  RejectedEvent,
  SkippedEvent,
} from './model.js';
export { type ParsedBody, parseJsonObject } from './parseBody.js';
export { decodeObjectStrict } from './strictDecode.js';

/** Decodes an already-parsed JSON object into a typed event, a skip or a rejection. */
export function decodeObject(value: Record<string, unknown>): DecodedEvent {
  return decodeFast(value) ?? decodeObjectStrict(value);
}

/** Message body (bytes off the stream) to a typed event, a skip or a rejection. Never throws. */
export function decodeEvent(body: Uint8Array | string): DecodedEvent {
  const parsed = parseJsonObject(body);
  return parsed.ok ? decodeObject(parsed.value) : { kind: 'rejected', reason: parsed.reason };
}
