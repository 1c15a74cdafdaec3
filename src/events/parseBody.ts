/** Message bytes to a JSON object, or the reason they are not one: the first step of every decode. */

/** Parses bytes into a JSON object, or says why it is not one. */
export type ParsedBody = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

// fatal: a body that is not UTF-8 is rejected, rather than decoded with replacement characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

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
