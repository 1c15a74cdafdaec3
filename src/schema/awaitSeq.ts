// Waits (bounded) for the projection to reach a seq a client names: minSeq on queries, after on subscriptions.
import type { AppContext } from './context.js';
import { apiError, ErrorCode } from './errors.js';

/**
 * Returns once this replica has applied `seq`. A client that read from a
 * replica further ahead would otherwise see the past here; past the
 * configured wait it fails with CURSOR_AHEAD, naming the argument and the
 * seq reached, so the client can retry or go elsewhere.
 */
export async function awaitSeq(
  ctx: AppContext,
  argument: 'minSeq' | 'after',
  seq: number | null | undefined,
): Promise<void> {
  if (seq == null || seq <= ctx.projection.cursor) return;
  if (await ctx.clock.waitFor(seq, ctx.config.CELLGRAPH_MIN_SEQ_WAIT_MS)) return;
  throw apiError(
    ErrorCode.CURSOR_AHEAD,
    `This replica has applied up to seq ${ctx.projection.cursor}, behind the requested ${argument} ${seq}. Retry, or ask another replica.`,
    { seq: ctx.projection.cursor, [argument]: seq },
  );
}
