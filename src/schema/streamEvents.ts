import { type StreamEvent, StreamUnavailableError } from '../events/streamEvent.js';
import { shortTypeName } from '../events/types.js';
import { requireAdmin } from './access.js';
import { builder } from './builder.js';
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
      seq: t.expose('seq', { type: 'Seq', description: 'Highest seq examined: pass it as after to read on.' }),
      hasMore: t.exposeBoolean('hasMore'),
    }),
  });

const SCAN_LIMIT = 10_000;

builder.queryField('events', (t) =>
  t.field({
    type: EventPageRef,
    description: `Raw events read back from the stream, seq > after. With types, at most ${SCAN_LIMIT} messages are examined per call; continue from the page's seq.`,
    args: {
      after: t.arg({ type: 'Seq', defaultValue: 0, required: true }),
      first: t.arg.int({ defaultValue: 100, required: true }),
      types: t.arg.stringList({ description: 'Only these types, full or short names.' }),
    },
    resolve: async (_root, { after, first, types }, ctx) => {
      // decided: raw events carry every tenant's data (and formation and rejected events belong to no tenant).
      requireAdmin(ctx, 'The raw events feed');
      pageSize({ first }, ctx);
      try {
        const page = await ctx.events.read(after, first, {
          types: types ? new Set(types.map(shortTypeName)) : undefined,
          scanLimit: types ? SCAN_LIMIT : first,
        });
        return { events: page.events, seq: page.cursor, hasMore: page.hasMore };
      } catch (error) {
        if (error instanceof StreamUnavailableError) throw streamUnavailableError();
        throw error;
      }
    },
  }),
);
