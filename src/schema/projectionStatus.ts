import type { CheckpointStatus, ReplayProgressSnapshot } from '../events/streamStatus.js';
import { DigestCache } from '../projection/digest.js';
import type { FieldDrop, Rejection } from '../projection/projection.js';
import { requireAdmin } from './access.js';
import { awaitSeq } from './awaitSeq.js';
import { builder } from './builder.js';

const digests = new DigestCache();

const ReplayProgressRef = builder.objectRef<ReplayProgressSnapshot>('ReplayProgress').implement({
  description: 'Boot replay: from the seq applied at start to the stream last seq read at boot.',
  fields: (t) => ({
    target: t.expose('target', { type: 'Seq', description: 'Stream last seq read at boot.' }),
    from: t.expose('from', {
      type: 'Seq',
      description: 'The seq the replay began from: 0, or the seq of the checkpoint loaded first.',
    }),
    done: t.exposeBoolean('done'),
    percent: t.exposeFloat('percent'),
    eventsPerSecond: t.exposeFloat('eventsPerSecond'),
    etaSeconds: t.exposeFloat('etaSeconds', { nullable: true }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

const RejectionRef = builder.objectRef<Rejection>('Rejection').implement({
  description: 'An event the projection could not use: counted, skipped, never applied.',
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq' }),
    reason: t.exposeString('reason'),
  }),
});

const DroppedFieldRef = builder.objectRef<FieldDrop>('DroppedField').implement({
  description:
    'An optional field that broke its rule and was dropped, as if absent; the event itself was applied (its state change kept).',
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq' }),
    field: t.exposeString('field', { description: 'Path of the field in the event, e.g. `data.formationId`.' }),
    reason: t.exposeString('reason'),
  }),
});

const SkippedTypeRef = builder.objectRef<{ type: string; count: number }>('SkippedType').implement({
  fields: (t) => ({ type: t.exposeString('type'), count: t.exposeInt('count') }),
});

const StateOriginEnum = builder.enumType('StateOrigin', {
  description: "Where a replica's projection came from.",
  values: {
    CHECKPOINT: { value: 'CHECKPOINT', description: 'Loaded from a checkpoint, then the rest of the stream replayed.' },
    FULL_REPLAY: { value: 'FULL_REPLAY', description: 'Replayed from the first seq of the stream.' },
  } as const,
});

type CheckpointRow = NonNullable<CheckpointStatus['lastWritten']> | NonNullable<CheckpointStatus['loadedFrom']>;

const CheckpointRef = builder.objectRef<CheckpointRow>('Checkpoint').implement({
  description: 'A checkpoint of the projection in the checkpoint bucket.',
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq', description: 'The stream seq it holds the projection at.' }),
    writtenAt: t.expose('writtenAt', { type: 'DateTime' }),
    cells: t.exposeInt('cells'),
    bytes: t.exposeInt('bytes', { description: 'Compressed size in the bucket.' }),
    durationMs: t.float({
      nullable: true,
      description: 'How long writing it took (only for one this replica wrote).',
      resolve: (c) => ('durationMs' in c ? c.durationMs : null),
    }),
    longestPauseMs: t.float({
      nullable: true,
      description: 'The longest the write held the event loop (ingest and queries wait that long at most).',
      resolve: (c) => ('longestPauseMs' in c ? c.longestPauseMs : null),
    }),
  }),
});

const CheckpointLoadRef = builder.objectRef<NonNullable<CheckpointStatus['loading']>>('CheckpointLoad').implement({
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq' }),
    cells: t.exposeInt('cells'),
    cellsLoaded: t.exposeInt('cellsLoaded'),
  }),
});

const CheckpointRefusalRef = builder.objectRef<CheckpointStatus['refused'][number]>('CheckpointRefusal').implement({
  description: 'A checkpoint (or the bucket, when seq is null) that boot could not use, and why.',
  fields: (t) => ({
    seq: t.expose('seq', { type: 'Seq', nullable: true }),
    reason: t.exposeString('reason'),
  }),
});

const CheckpointsRef = builder.objectRef<CheckpointStatus>('Checkpoints').implement({
  description: "This replica's checkpoints: where its state came from and the last one it wrote.",
  fields: (t) => ({
    bucket: t.exposeString('bucket', { nullable: true, description: 'Null when checkpoints are disabled.' }),
    origin: t.field({ type: StateOriginEnum, resolve: (c) => c.origin }),
    loadedFrom: t.field({ type: CheckpointRef, nullable: true, resolve: (c) => c.loadedFrom }),
    loading: t.field({ type: CheckpointLoadRef, nullable: true, resolve: (c) => c.loading }),
    refused: t.field({ type: [CheckpointRefusalRef], resolve: (c) => c.refused }),
    lastWritten: t.field({ type: CheckpointRef, nullable: true, resolve: (c) => c.lastWritten }),
    lastWriteError: t.exposeString('lastWriteError', { nullable: true }),
  }),
});

const ProjectionRef = builder.objectRef<{ readAt: number }>('Projection').implement({
  description:
    "State of this replica's projection and of its stream. Counts, digest, rejections and skipped types span every tenant: admin only (FORBIDDEN otherwise).",
  fields: (t) => ({
    stream: t.string({ resolve: (_p, _a, ctx) => ctx.streamName }),
    seq: t.field({ type: 'Seq', description: 'Highest seq applied.', resolve: (p) => p.readAt }),
    streamLastSeq: t.field({
      type: 'Seq',
      description: 'Last seq of the stream, as last seen.',
      resolve: (_p, _a, ctx) => ctx.sourceStatus().streamLastSeq,
    }),
    lag: t.field({
      type: 'Seq',
      description: 'streamLastSeq - seq: events stored but not applied yet.',
      resolve: (p, _a, ctx) => Math.max(0, ctx.sourceStatus().streamLastSeq - p.readAt),
    }),
    ready: t.boolean({
      description: 'Caught up with the stream last seq read at boot.',
      resolve: (_p, _a, ctx) => ctx.sourceStatus().ready,
    }),
    connected: t.boolean({ resolve: (_p, _a, ctx) => ctx.sourceStatus().connected }),
    lastError: t.string({ nullable: true, resolve: (_p, _a, ctx) => ctx.sourceStatus().lastError }),
    replay: t.field({ type: ReplayProgressRef, resolve: (_p, _a, ctx) => ctx.sourceStatus().replay }),
    checkpoints: t.field({
      type: CheckpointsRef,
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.checkpoints');
        return ctx.sourceStatus().checkpoint;
      },
    }),
    cellCount: t.int({
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.cellCount');
        return ctx.projection.cells.size;
      },
    }),
    formationCount: t.int({
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.formationCount');
        return ctx.projection.formations.size;
      },
    }),
    applied: t.int({
      description: 'Events that changed a record.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.applied');
        return ctx.projection.counts.applied;
      },
    }),
    duplicates: t.int({
      description: 'Re-published events (same CloudEvent id) dropped without effect.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.duplicates');
        return ctx.projection.counts.duplicates;
      },
    }),
    skipped: t.int({
      description: 'Valid events of types cellgraph does not project.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.skipped');
        return ctx.projection.counts.skipped;
      },
    }),
    rejected: t.int({
      description: 'Malformed events: counted and skipped.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.rejected');
        return ctx.projection.counts.rejected;
      },
    }),
    droppedFields: t.int({
      description: 'Optional fields dropped from applied events because they broke their rule.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.droppedFields');
        return ctx.projection.droppedFieldCount;
      },
    }),
    skippedTypes: t.field({
      type: [SkippedTypeRef],
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.skippedTypes');
        return [...ctx.projection.skippedByType].map(([type, count]) => ({ type, count }));
      },
    }),
    digest: t.string({
      description:
        'SHA-256 of every record and the counts. Replicas at the same seq have the same digest; compare them to prove convergence.',
      // Fields of one query resolve in the same turn of the event loop, before the next message is applied,
      // so the digest is of the projection at `seq`.
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.digest');
        return digests.get(ctx.projection);
      },
    }),
    recentRejections: t.field({
      type: [RejectionRef],
      description: 'Most recent rejections, newest first.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.recentRejections');
        return ctx.projection.recentRejections();
      },
    }),
    recentDroppedFields: t.field({
      type: [DroppedFieldRef],
      description: 'Most recent dropped fields, newest first.',
      resolve: (_p, _a, ctx) => {
        requireAdmin(ctx, 'projection.recentDroppedFields');
        return ctx.projection.recentFieldDrops();
      },
    }),
  }),
});

builder.queryField('projection', (t) =>
  t.field({
    type: ProjectionRef,
    args: { minSeq: t.arg({ type: 'Seq' }) },
    resolve: async (_root, { minSeq }, ctx) => {
      await awaitSeq(ctx, 'minSeq', minSeq);
      return { readAt: ctx.projection.cursor };
    },
  }),
);
