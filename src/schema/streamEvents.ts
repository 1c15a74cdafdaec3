import { type StreamEvent, StreamUnavailableError } from '../events/streamEvent.js';
import { shortTypeName } from '../events/types.js';
import { canSeeEvent } from '../projection/visibility.js';
import { builder } from './builder.js';
import type { AppContext } from './context.js';
import { streamUnavailableError } from './endReasons.js';
import { pageSize } from './pagination.js';

export const StreamEventRef = builder.objectRef<StreamEvent>('StreamEvent').implement({
  description: 'One message of the stream, as stored, with its seq.',
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq' }),
    subject: t.exposeString('subject'),
    storedAt: t.expose('storedAt', { type: 'DateTime', description: 'When JetStream stored it.' }),
    type: t.exposeString('type', {
      nullable: true,
      description: 'Short type name (cell.lifecycle.v1.started), whatever spelling was sent.',
    }),
    event: t.expose('event', {
      type: 'JSON',
      nullable: true,
      description: 'The CloudEvent as sent; null when the body is not a JSON object.',
    }),
    problem: t.exposeString('problem', {
      nullable: true,
      description: 'Why the projection rejected or skipped it; null when applied.',
    }),
  }),
});

export const EventPageRef = builder
  .objectRef<{ events: StreamEvent[]; seq: number; hasMore: boolean }>('EventPage')
  .implement({
    fields: (t) => ({
      events: t.expose('events', { type: [StreamEventRef] }),
      seq: t.expose('seq', {
        type: 'Seq',
        description:
          "Highest seq examined: pass it as after to read on. Seqs are the stream's global positions, shared by every tenant.",
      }),
      hasMore: t.exposeBoolean('hasMore', {
        description: 'The stream holds messages past seq (not necessarily ones this caller may read).',
      }),
    }),
  });

export const SCAN_LIMIT = 10_000;

/**
 * The events a caller may read, or undefined for an admin (no filter at
 * all). A tenant reads the events of its visible cells and formations, as
 * they are when read (projection/visibility.ts, canSeeEvent).
 */
export function eventAcceptOf(ctx: AppContext): ((event: StreamEvent) => boolean) | undefined {
  const { visibility, projection } = ctx;
  if (visibility.all) return undefined;
  return (event) => canSeeEvent(visibility, projection, event.owner);
}

export const EVENT_VISIBILITY =
  "A tenant caller gets only the events of cells it sees (the cell's tenantId when read) and of formations holding one of those cells; " +
  'a message that names no cell or formation (rejected, skipped) is admin-only.';

builder.queryField('events', (t) =>
  t.field({
    type: EventPageRef,
    description: `Raw events read back from the stream, seq > after. ${EVENT_VISIBILITY} With types, or for a tenant caller, at most ${SCAN_LIMIT} messages are examined per call (a page may hold fewer than first events); continue from the page's seq.`,
    args: {
      after: t.arg({ type: 'Seq', defaultValue: 0, required: true }),
      first: t.arg.int({ defaultValue: 100, required: true }),
      types: t.arg.stringList({ description: 'Only these types, full or short names.' }),
    },
    resolve: async (_root, { after, first, types }, ctx) => {
      pageSize({ first }, ctx);
      const accept = eventAcceptOf(ctx);
      try {
        // The page's seq is the highest seq examined, visible or not: seqs are global stream positions (a tenant
        // also reads the projection's seq), so it tells how far the stream goes, never whose the skipped events are.
        const page = await ctx.events.read(after, first, {
          types: types ? new Set(types.map(shortTypeName)) : undefined,
          accept,
          // A tenant's read stops at the projection's cursor: past it, a cell may not exist yet (its first event
          // unapplied), and a page must not move the caller's resume point over events it will be allowed to read.
          until: accept ? ctx.projection.cursor : undefined,
          scanLimit: types || accept ? SCAN_LIMIT : first,
        });
        return { events: page.events, seq: page.cursor, hasMore: page.hasMore };
      } catch (error) {
        if (error instanceof StreamUnavailableError) throw streamUnavailableError();
        throw error;
      }
    },
  }),
);
