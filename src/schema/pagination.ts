// Relay page arguments: the page size checked against the configured caps, and opaque page cursors.
import type { AppContext } from './context.js';
import { apiError, ErrorCode, limitError } from './errors.js';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

/** The page a connection reads: first or last, checked against the caps; neither means the default size, forward. */
export function pageSize(args: PageArgs, ctx: AppContext): { first: number | null; last: number | null } {
  const max = ctx.config.CELLGRAPH_MAX_PAGE_SIZE;
  if (args.first != null && args.last != null) {
    throw apiError(ErrorCode.BAD_ARGUMENT, 'Pass either first or last, not both.');
  }
  for (const [name, value] of [
    ['first', args.first],
    ['last', args.last],
  ] as const) {
    if (value == null) continue;
    if (value < 0) throw apiError(ErrorCode.BAD_ARGUMENT, `${name} must not be negative.`);
    if (value > max) {
      throw limitError('pageSize', `${name} is ${value}, above the page size limit of ${max}.`, {
        max,
        argument: name,
      });
    }
  }
  if (args.first == null && args.last == null) return { first: ctx.config.CELLGRAPH_DEFAULT_PAGE_SIZE, last: null };
  return { first: args.first ?? null, last: args.last ?? null };
}

/** Opaque page cursors: base64url JSON, tagged with the order they belong to. */
export function encodeCursor(order: string, key: unknown, id: string): string {
  return Buffer.from(JSON.stringify([order, key, id])).toString('base64url');
}

export function decodeCursor(cursor: string, order: string): { key: number | string | null; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw apiError(
      ErrorCode.BAD_CURSOR,
      'Malformed page cursor: pass back an edge cursor or pageInfo cursor unchanged.',
    );
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    typeof parsed[2] !== 'string' ||
    !(parsed[1] === null || typeof parsed[1] === 'number' || typeof parsed[1] === 'string')
  ) {
    throw apiError(
      ErrorCode.BAD_CURSOR,
      'Malformed page cursor: pass back an edge cursor or pageInfo cursor unchanged.',
    );
  }
  if (parsed[0] !== order) {
    throw apiError(
      ErrorCode.BAD_CURSOR,
      `This cursor belongs to order ${String(parsed[0])}, not ${order}: restart paging without after/before.`,
    );
  }
  return { key: parsed[1], id: parsed[2] };
}
