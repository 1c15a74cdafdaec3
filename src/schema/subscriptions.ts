import { shortTypeName } from '../events/types.js';
import { BatchCache, BatchFeed, type CellBatch, type CellBatchMessage } from '../live/batchFeed.js';
import type { CellFeedMessage } from '../live/cellFeed.js';
import { type FeedError, isFeedError } from '../live/endReasons.js';
import type { EventFeedMessage } from '../live/eventFeed.js';
import type { CellFilter } from '../projection/cellFilter.js';
import { CellSelection, candidates, routeOf } from '../projection/cellSelection.js';
import { canSee } from '../projection/visibility.js';
import { requireAdmin } from './access.js';
import { awaitSeq } from './awaitSeq.js';
import { builder } from './builder.js';
import { CellRecordRef } from './cell.js';
import { CellFilterInput, toCellSelection } from './cellFilter.js';
import type { AppContext } from './context.js';
import { feedFailureError } from './endReasons.js';
import { apiError, ErrorCode } from './errors.js';
import { EVENT_VISIBILITY, eventAcceptOf, SCAN_LIMIT, StreamEventRef } from './streamEvents.js';

const ChangeKindEnum = builder.enumType('ChangeKind', {
  description: 'What a subscription message means. Keep a view by upserting ADDED/UPDATED and deleting REMOVED.',
  values: {
    ADDED: { description: 'The cell now matches the filter (or is in the snapshot).' },
    UPDATED: { description: 'The cell matched and still matches; `changedFields` says what changed.' },
    REMOVED: { description: 'The cell no longer matches the filter: drop it from the view.' },
    SYNCED: { description: 'Catch-up is over: the view equals the projection at `seq`. Live changes follow.' },
    BOOKMARK: {
      description:
        'Nothing pending: the view is current as of `seq`. Sent to idle subscriptions within about a second of the seq moving (never twice for one seq, never below a seq already sent), so the resume point stays fresh.',
    },
    SHUTDOWN: { description: 'The server is stopping: resume (here or on another replica) with after: seq.' },
  } as const,
});

const EventFeedKindEnum = builder.enumType('EventFeedKind', {
  values: {
    EVENT: { description: 'A stored message.' },
    BOOKMARK: {
      description: 'Nothing pending: you have every event up to `seq` (sent within about a second of the seq moving).',
    },
    SHUTDOWN: { description: 'The server is stopping: resume with after: seq.' },
  } as const,
});

const IncludeEnum = builder.enumType('SubscriptionInclude', {
  description:
    'What a cell subscription sends before SYNCED. Left out: SNAPSHOT without `after` (like a Kubernetes watch without a resource version), CHANGES with it.',
  values: {
    SNAPSHOT: { description: 'Every matching cell first (when `after` is not given), then SYNCED, then live changes.' },
    CHANGES: { description: 'Only changes: since `after` when given, else from now (SYNCED comes at once).' },
  } as const,
});

/**
 * decided: without `after` a cell subscription starts with the matching cells
 * (a naive live view must not miss the cells that existed before it
 * subscribed); with `after`, the changes since then. `include` overrides.
 */
function wantsSnapshot(include: 'SNAPSHOT' | 'CHANGES' | null | undefined, after: number | null | undefined): boolean {
  return (include ?? (after == null ? 'SNAPSHOT' : 'CHANGES')) === 'SNAPSHOT';
}

const includeArg =
  'SNAPSHOT: the matching cells first; CHANGES: only changes. Default: SNAPSHOT without `after`, CHANGES with it.';

type CellChangeMessage = Exclude<CellFeedMessage, FeedError>;
type EventMessage = Exclude<EventFeedMessage, FeedError>;

const CellChangeRef = builder.objectRef<CellChangeMessage>('CellChange').implement({
  description:
    'One message of a cells subscription. Every message carries a seq; seqs never decrease, and any of them is a valid `after` to resume from.',
  fields: (t) => ({
    kind: t.field({ type: ChangeKindEnum, resolve: (m) => m.kind }),
    seq: t.field({ type: 'Seq', resolve: (m) => m.seq }),
    id: t.string({
      nullable: true,
      description: 'The cell id, for ADDED/UPDATED/REMOVED.',
      resolve: (m) => ('cell' in m ? m.cell.id : null),
    }),
    changedFields: t.stringList({
      description:
        'Names of the CellRecord fields that changed since the last message about this cell (all fields during catch-up).',
      resolve: (m) => ('changed' in m ? [...m.changed] : []),
    }),
    cell: t.field({
      type: CellRecordRef,
      nullable: true,
      description: 'The record as of `seq` (for REMOVED: its state that stopped matching).',
      resolve: (m) => ('cell' in m ? m.cell : null),
    }),
  }),
});

const CellChangeBatchRef = builder.objectRef<CellBatch>('CellChangeBatch').implement({
  description:
    'Several messages of a cells subscription at once, in order: everything pending for this subscriber when the batch was taken, up to maxBatch. Same guarantees as `cells`, message by message.',
  fields: (t) => ({
    seq: t.field({
      type: 'Seq',
      description: 'The seq of the last change in the batch: a valid resume point (`after`).',
      resolve: (b) => b.seq,
    }),
    changes: t.field({ type: [CellChangeRef], resolve: (b) => b.changes }),
  }),
});

/** One cache for the process: batches of identical messages are one object (see batchFeed.ts). */
const batchCache = new BatchCache();
const MAX_BATCH = 10_000;

const EventFeedMessageRef = builder.objectRef<EventMessage>('EventFeedMessage').implement({
  fields: (t) => ({
    kind: t.field({ type: EventFeedKindEnum, resolve: (m) => m.kind }),
    seq: t.field({ type: 'Seq', resolve: (m) => m.seq }),
    event: t.field({ type: StreamEventRef, nullable: true, resolve: (m) => (m.kind === 'EVENT' ? m.event : null) }),
  }),
});

/**
 * The shared-log group of a cell subscription (live/groupLog.ts): the key
 * must stand for everything that decides which changes a subscriber gets,
 * that is the compiled filter and, once callers see different cells, the
 * caller's visibility. Computed here only, so that is one place to extend.
 * Subscribers with the same document and variables always land in the same
 * group; different documents with the same filter share one too.
 */
function liveGroup(filter: CellFilter | { cell: string } | null, ctx: AppContext): string {
  // Callers that see different tenants never share a log (nor, in sharedSubscriptions.ts, an execution).
  return `${ctx.visibility.key}\u0000${JSON.stringify(filter)}`;
}

/**
 * Catch-up options of a cells subscription. A tenant caller's catch-up only
 * considers cells it may see, so a changes-since-`after` catch-up never
 * sends another tenant's cell (as REMOVED); an admin's considers every cell.
 */
function catchUpOf(
  ctx: AppContext,
  selection: CellSelection,
  after: number | null | undefined,
  include: 'SNAPSHOT' | 'CHANGES' | null | undefined,
) {
  const options = {
    after,
    snapshot: wantsSnapshot(include, after),
    group: liveGroup(selection.filter, ctx),
    route: routeOf(selection),
  };
  if (ctx.visibility.all) return options;
  return { ...options, candidates: candidates(ctx.projection, new CellSelection(null, ctx.visibility)) };
}

/**
 * A subscription with a catch-up waits for its admission (LiveHub.catchUpTurn:
 * the catch-ups asked for in one turn are taken together), and the hub may
 * have begun shutting down meanwhile.
 */
async function admitted(
  ctx: AppContext,
  after: number | null | undefined,
  include: 'SNAPSHOT' | 'CHANGES' | null | undefined,
): Promise<void> {
  if (after == null && !wantsSnapshot(include, after)) return;
  await ctx.hub.catchUpTurn();
  ensureAccepting(ctx);
}

function ensureAccepting(ctx: AppContext): void {
  if (!ctx.hub.accepting)
    throw apiError(ErrorCode.SHUTTING_DOWN, 'The server is shutting down: subscribe on another replica.');
}

/** Unwraps a feed message for the field; a failure becomes the GraphQL error of the last message. */
function deliver<T extends { kind: string }>(message: T | FeedError): T {
  if (isFeedError(message)) throw feedFailureError(message.reason);
  return message;
}

const afterArg = 'Resume point: the last seq you received. Catch-up covers every change after it.';

builder.subscriptionType({
  description:
    'Live views with gap-free resume: every message carries the stream seq; resubscribe with after: <last seq> to continue, here or on another replica.',
});

builder.subscriptionFields((t) => ({
  cells: t.field({
    type: CellChangeRef,
    description:
      'Changes to the cells matching a filter: catch-up (without after: every matching cell; with after: the changes since then), SYNCED, then live changes and idle BOOKMARKs.',
    args: {
      filter: t.arg({ type: CellFilterInput }),
      include: t.arg({ type: IncludeEnum, description: includeArg }),
      after: t.arg({ type: 'Seq', description: afterArg }),
    },
    subscribe: async (_root, { filter, include, after }, ctx) => {
      ensureAccepting(ctx);
      const selection = toCellSelection(filter, ctx.visibility);
      await awaitSeq(ctx, 'after', after);
      await admitted(ctx, after, include);
      return ctx.hub.subscribeCells(selection.matches, catchUpOf(ctx, selection, after, include));
    },
    resolve: (message: CellFeedMessage) => deliver(message),
  }),
  cellBatches: t.field({
    type: CellChangeBatchRef,
    description:
      'The `cells` subscription delivered in batches: each message carries every change pending for this subscriber (up to maxBatch), fewer and fuller frames for busy dashboards. Resume with after: <seq of the last batch>.',
    args: {
      filter: t.arg({ type: CellFilterInput }),
      include: t.arg({ type: IncludeEnum, description: includeArg }),
      after: t.arg({ type: 'Seq', description: afterArg }),
      maxBatch: t.arg.int({
        defaultValue: 500,
        required: true,
        description: `Most changes in one batch, 1 to ${MAX_BATCH}.`,
      }),
    },
    subscribe: async (_root, { filter, include, after, maxBatch }, ctx) => {
      ensureAccepting(ctx);
      if (maxBatch < 1 || maxBatch > MAX_BATCH)
        throw apiError(ErrorCode.BAD_ARGUMENT, `maxBatch must be between 1 and ${MAX_BATCH}.`);
      const selection = toCellSelection(filter, ctx.visibility);
      await awaitSeq(ctx, 'after', after);
      await admitted(ctx, after, include);
      return new BatchFeed(
        ctx.hub.subscribeCells(selection.matches, catchUpOf(ctx, selection, after, include)),
        maxBatch,
        batchCache,
        ctx.hub,
      );
    },
    resolve: (message: CellBatchMessage) => deliver(message),
  }),
  cell: t.field({
    type: CellChangeRef,
    description:
      'Changes to one cell: its current record (if it exists) or the changes since after, SYNCED, then live changes.',
    args: {
      id: t.arg.string({ required: true }),
      after: t.arg({ type: 'Seq', description: afterArg }),
    },
    subscribe: async (_root, { id, after }, ctx) => {
      ensureAccepting(ctx);
      if (id.length === 0 || id.length > 512)
        throw apiError(ErrorCode.BAD_ARGUMENT, 'id must be a non-empty string of at most 512 characters.');
      await awaitSeq(ctx, 'after', after);
      const found = ctx.projection.cells.get(id);
      // Another tenant's cell looks exactly like one no event has mentioned yet.
      const current = found && canSee(ctx.visibility, found) ? found : undefined;
      const { visibility } = ctx;
      return ctx.hub.subscribeCells((cell) => cell.id === id && canSee(visibility, cell), {
        after,
        snapshot: true,
        candidates: current ? [current] : [],
        group: liveGroup({ cell: id }, ctx),
        route: { field: 'id', values: [id] },
      });
    },
    resolve: (message: CellFeedMessage) => deliver(message),
  }),
  events: t.field({
    type: EventFeedMessageRef,
    description: `The raw event feed: stored events with seq > after read back from the stream, then live events, and idle BOOKMARKs. A subscriber that falls too far behind gets LAGGED with the last delivered seq. ${EVENT_VISIBILITY} A live event is judged when it is applied, a stored one when it is read back.`,
    args: {
      after: t.arg({ type: 'Seq', description: 'Events with seq > after. Default: from now.' }),
      types: t.arg.stringList({ description: 'Only these types, full or short names.' }),
    },
    subscribe: async (_root, { after, types }, ctx) => {
      ensureAccepting(ctx);
      await awaitSeq(ctx, 'after', after);
      const start = after ?? ctx.projection.cursor;
      const typeSet = types ? new Set(types.map(shortTypeName)) : null;
      const accept = eventAcceptOf(ctx);
      // The feed filters what it takes (history and live); the read skips the rest so a page is full of readable ones.
      return ctx.hub.subscribeEvents(
        start,
        typeSet,
        (from, first, until) => ctx.events.read(from, first, { accept, until, scanLimit: accept ? SCAN_LIMIT : first }),
        accept ?? null,
      );
    },
    resolve: (message: EventFeedMessage) => deliver(message),
  }),
}));

const LiveStatsRef = builder.objectRef<ReturnType<AppContext['hub']['stats']>>('LiveStats').implement({
  description: 'Subscriptions on this replica and their queues.',
  fields: (t) => ({
    cellSubscriptions: t.exposeInt('cellSubscriptions'),
    eventSubscriptions: t.exposeInt('eventSubscriptions'),
    queuedMessages: t.exposeInt('queuedMessages', { description: 'Messages waiting in all subscription queues.' }),
    maxQueueDepth: t.exposeInt('maxQueueDepth', {
      description: 'Largest queue of one subscription (bounded by the cells it watches).',
    }),
    coalesced: t.exposeInt('coalesced', {
      description: 'Cell changes merged into a pending one for a slow subscriber.',
    }),
    lagged: t.exposeInt('lagged', { description: 'Raw event subscriptions ended with LAGGED.' }),
  }),
});

builder.queryField('live', (t) =>
  t.field({
    type: LiveStatsRef,
    description: 'Admin only: subscriptions of every tenant.',
    resolve: (_root, _args, ctx) => {
      requireAdmin(ctx, 'live');
      return ctx.hub.stats();
    },
  }),
);
