import { type FormationRecord, type FormationStatus } from '../projection/records.js';
import { builder } from './builder.js';
import { CellFilterInput } from './cellFilter.js';
import { CellConnectionRef, CellRecordRef, CellOrderInput, resolveCellConnection } from './cell.js';
import { FormationStatusEnum } from './enums.js';
import { FormationRef } from './formationRef.js';
import { awaitMinSeq, decodeCursor, encodeCursor, pageSize } from './pagination.js';

FormationRef.implement({
  description: 'A formation: a group of cells launched together, moving through its phases.',
  fields: (t) => ({
    id: t.expose('id', { type: 'UUID' }),
    name: t.exposeString('name', { nullable: true }),
    status: t.expose('status', { type: FormationStatusEnum }),
    document: t.expose('document', { type: 'JSON', nullable: true, description: 'The formation document, as last sent.' }),
    reason: t.exposeString('reason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true, description: 'CloudEvent time of the first event of the formation.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
    firstSeq: t.expose('firstSeq', { type: 'Seq' }),
    lastSeq: t.expose('lastSeq', { type: 'Seq' }),
    eventCount: t.exposeInt('eventCount'),
    cells: t.connection(
      {
        type: CellRecordRef,
        description: 'Cells whose formationId is this formation.',
        args: { filter: t.arg({ type: CellFilterInput }), orderBy: t.arg({ type: CellOrderInput }) },
        resolve: (formation, args, ctx) => resolveCellConnection(args, ctx, { formationId: formation.id }),
      },
      CellConnectionRef,
    ),
  }),
});

const FormationFilterInput = builder.inputType('FormationFilter', {
  fields: (t) => ({
    status: t.field({ type: FormationStatusEnum }),
    statuses: t.field({ type: [FormationStatusEnum] }),
    name: t.string(),
  }),
});

builder.queryFields((t) => ({
  formation: t.field({
    type: FormationRef,
    nullable: true,
    args: { id: t.arg({ type: 'UUID', required: true }), minSeq: t.arg({ type: 'Seq' }) },
    resolve: async (_root, { id, minSeq }, ctx) => {
      await awaitMinSeq(ctx, minSeq);
      return ctx.projection.formations.get(id.toLowerCase()) ?? null;
    },
  }),
  formations: t.connection(
    {
      type: FormationRef,
      description: 'Formations in first-seen order.',
      args: { filter: t.arg({ type: FormationFilterInput }), minSeq: t.arg({ type: 'Seq' }) },
      resolve: async (_root, args, ctx) => {
        await awaitMinSeq(ctx, args.minSeq);
        const { first, last } = pageSize(args, ctx);
        const statuses = new Set<FormationStatus>([
          ...(args.filter?.statuses ?? []),
          ...(args.filter?.status ? [args.filter.status] : []),
        ]);
        const matches = (f: FormationRecord) =>
          (statuses.size === 0 || statuses.has(f.status)) && (args.filter?.name == null || f.name === args.filter.name);
        const after = args.after ? decodeCursor(args.after, 'FORMATION') : null;
        const before = args.before ? decodeCursor(args.before, 'FORMATION') : null;
        const matching = ctx.projection.formationOrder.map((id) => ctx.projection.formations.get(id)!).filter(matches);
        const all = matching.filter(
          (f) => (after === null || f.firstSeq > (after.key as number)) && (before === null || f.firstSeq < (before.key as number)),
        );
        const size = first ?? last ?? 0;
        const nodes = first !== null ? all.slice(0, size) : all.slice(Math.max(0, all.length - size));
        const edges = nodes.map((node) => ({ cursor: encodeCursor('FORMATION', node.firstSeq, node.id), node }));
        return {
          edges,
          pageInfo: {
            hasNextPage: first !== null ? all.length > size : before !== null,
            hasPreviousPage: first !== null ? after !== null : all.length > size,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges[edges.length - 1]?.cursor ?? null,
          },
          totalCount: matching.length,
          cursor: ctx.projection.cursor,
        };
      },
    },
    {
      name: 'FormationConnection',
      fields: (c) => ({
        totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: number }).totalCount }),
        cursor: c.field({ type: 'Seq', resolve: (conn) => (conn as unknown as { cursor: number }).cursor }),
      }),
    },
    { name: 'FormationEdge' },
  ),
}));
