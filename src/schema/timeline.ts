// CellRecord.events and Formation.events: a record's own applied events, read back from the stream.
import { StreamUnavailableError } from '../events/streamEvent.js';
import type { CellRecord, FormationRecord } from '../projection/records.js';
import { canSee, canSeeFormation } from '../projection/visibility.js';
import { builder } from './builder.js';
import { CellRecordRef } from './cell.js';
import type { AppContext } from './context.js';
import { streamUnavailableError } from './endReasons.js';
import { apiError, ErrorCode } from './errors.js';
import { FormationRef } from './formationRef.js';
import { pageSize } from './pagination.js';
import { EventPageRef } from './streamEvents.js';

const TIMELINE_RULES =
  'Oldest first, seq > after. Only events the projection applied to this record: a rejected event is not in it, ' +
  'and neither is a re-published duplicate (same CloudEvent id, dropped by the dedup window), so a full timeline has ' +
  'eventCount events. An event the stream no longer holds (max age, deleted) is left out of its page. ' +
  'Continue with after: the page seq.';

/**
 * A page of a record's timeline: the seqs come from the projection's
 * timeline log at once (one consistent cursor), then the messages are read
 * back from the stream.
 */
async function readTimeline(
  record: CellRecord | FormationRecord,
  args: { after: number; first: number },
  ctx: AppContext,
) {
  const { first } = pageSize({ first: args.first }, ctx);
  const { seqs, hasMore } = ctx.projection.timelineOf(record, args.after, first ?? 0);
  try {
    const events = seqs.length === 0 ? [] : await ctx.events.readSeqs(seqs);
    return { events, seq: seqs.at(-1) ?? args.after, hasMore };
  } catch (error) {
    if (error instanceof StreamUnavailableError) throw streamUnavailableError();
    throw error;
  }
}

builder.objectField(CellRecordRef, 'events', (t) =>
  t.field({
    type: EventPageRef,
    description: `The cell's own events, read back from the stream, with their seq. ${TIMELINE_RULES}`,
    args: {
      after: t.arg({ type: 'Seq', defaultValue: 0, required: true }),
      first: t.arg.int({ defaultValue: 100, required: true }),
    },
    resolve: (cell, args, ctx) => {
      // A caller reaches only cells it may see; checked again because the events carry the cell's data.
      if (!canSee(ctx.visibility, cell)) throw apiError(ErrorCode.FORBIDDEN, "Another tenant's cell.");
      return readTimeline(cell, args, ctx);
    },
  }),
);

builder.objectField(FormationRef, 'events', (t) =>
  t.field({
    type: EventPageRef,
    description: `The formation's own events (cell.formation.v1.*), read back from the stream, with their seq. ${TIMELINE_RULES}`,
    args: {
      after: t.arg({ type: 'Seq', defaultValue: 0, required: true }),
      first: t.arg.int({ defaultValue: 100, required: true }),
    },
    resolve: (formation, args, ctx) => {
      if (!canSeeFormation(ctx.visibility, ctx.projection, formation.id))
        throw apiError(ErrorCode.FORBIDDEN, 'A formation of another tenant.');
      return readTimeline(formation, args, ctx);
    },
  }),
);
