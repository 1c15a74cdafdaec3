// The Formation type, with its cells, and the queries that read formations: formation, formations.
import type { FormationRecord, FormationStatus } from '../projection/records.js';
import { canSeeFormation } from '../projection/visibility.js';
import { awaitSeq } from './awaitSeq.js';
import { builder } from './builder.js';
import { CellConnectionRef, CellOrderInput, CellRecordRef, resolveCellConnection } from './cell.js';
import { CellFilterInput } from './cellFilter.js';
import { connectionFields, connectionOf } from './connection.js';
import { FormationStatusEnum } from './enums.js';
import { FormationRef } from './formationRef.js';
import { decodeCursor, encodeCursor, pageSize } from './pagination.js';

FormationRef.implement({
  description: 'A formation: a group of cells launched together, moving through its phases.',
  fields: (t) => ({
    id: t.expose('id', { type: 'UUID' }),
    name: t.exposeString('name', { nullable: true }),
    status: t.expose('status', { type: FormationStatusEnum }),
    document: t.expose('document', {
      type: 'JSON',
      nullable: true,
      description: 'The formation document, as last sent.',
    }),
    reason: t.exposeString('reason', { nullable: true }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      nullable: true,
      description: 'CloudEvent time of the first event of the formation.',
    }),
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
      await awaitSeq(ctx, 'minSeq', minSeq);
      const formation = ctx.projection.formations.get(id.toLowerCase());
      return formation && canSeeFormation(ctx.visibility, ctx.projection, formation.id) ? formation : null;
    },
  }),
  formations: t.connection(
    {
      type: FormationRef,
      description: 'Formations in first-seen order.',
      args: { filter: t.arg({ type: FormationFilterInput }), minSeq: t.arg({ type: 'Seq' }) },
      resolve: async (_root, args, ctx) => {
        await awaitSeq(ctx, 'minSeq', args.minSeq);
        const { first, last } = pageSize(args, ctx);
        const statuses = new Set<FormationStatus>([
          ...(args.filter?.statuses ?? []),
          ...(args.filter?.status ? [args.filter.status] : []),
        ]);
        const matches = (f: FormationRecord) =>
          (statuses.size === 0 || statuses.has(f.status)) &&
          (args.filter?.name == null || f.name === args.filter.name) &&
          canSeeFormation(ctx.visibility, ctx.projection, f.id);
        const after = args.after ? decodeCursor(args.after, 'FORMATION') : null;
        const before = args.before ? decodeCursor(args.before, 'FORMATION') : null;
        const { projection } = ctx;
        const matching = projection
          .formationIdsInFirstSeenOrder()
          .map((id) => projection.formations.get(id)!)
          .filter(matches);
        const all = matching.filter(
          (f) =>
            (after === null || f.firstSeq > (after.key as number)) &&
            (before === null || f.firstSeq < (before.key as number)),
        );
        const size = first ?? last ?? 0;
        const nodes = first !== null ? all.slice(0, size) : all.slice(Math.max(0, all.length - size));
        const page = {
          hasNextPage: first !== null ? all.length > size : before !== null,
          hasPreviousPage: first !== null ? after !== null : all.length > size,
        };
        return connectionOf(nodes, (node) => encodeCursor('FORMATION', node.firstSeq, node.id), page, {
          seq: projection.cursor,
          totalCount: () => matching.length,
        });
      },
    },
    { name: 'FormationConnection', fields: connectionFields() },
    { name: 'FormationEdge' },
  ),
}));
