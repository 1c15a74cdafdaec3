// What only an admin may read: fields that reveal every tenant at once.
import type { AppContext } from './context.js';
import { apiError, ErrorCode } from './errors.js';

/**
 * Throws FORBIDDEN for a tenant caller. Used on fields whose value spans
 * every tenant (the projection's digest, counts and rejections, live
 * subscription stats): a tenant still reads cursor, lag and readiness.
 */
export function requireAdmin(ctx: AppContext, what: string): void {
  if (!ctx.visibility.all) throw apiError(ErrorCode.FORBIDDEN, `${what} is only available to admin callers.`);
}
