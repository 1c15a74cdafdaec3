// The CellRecord type, its connection, and the queries that read cells: cell, cells, cellCounts.
import { type CellCounts, countCells, countCellsBy } from '../projection/cellCount.js';
import { type CellOrder, DEFAULT_CELL_ORDER, orderKeyOf } from '../projection/cellOrder.js';
import { readCellPage } from '../projection/cellPage.js';
import { type CellRecord, cellDurationMs } from '../projection/records.js';
import { canSee } from '../projection/visibility.js';
import { awaitSeq } from './awaitSeq.js';
import { builder } from './builder.js';
import { type CellFilterArg, CellFilterInput, toCellSelection } from './cellFilter.js';
import { connectionFields, connectionOf } from './connection.js';
import type { AppContext } from './context.js';
import { CellOrderFieldEnum, CellOutcomeEnum, CellStateEnum, OrderDirectionEnum, TerminalStateEnum } from './enums.js';
import { apiError, ErrorCode } from './errors.js';
import { FormationRef } from './formationRef.js';
import { decodeCursor, encodeCursor, type PageArgs, pageSize } from './pagination.js';

export const CellRecordRef = builder.objectRef<CellRecord>('CellRecord');

CellRecordRef.implement({
  description:
    "Projected view of an execution cell, as cellos-server's CellRecord, plus what dashboards want next to it. Rebuilt from the event log on every start.",
  fields: (t) => ({
    id: t.exposeString('id', { description: 'data.cellId of the cell events: the projection key.' }),
    specId: t.exposeString('specId', {
      nullable: true,
      description:
        'data.specId: the execution-cell-spec id. Null until an event carrying it arrives (a cell first seen before its started event).',
    }),
    runId: t.exposeString('runId', { nullable: true, description: 'Supervisor run id (data.runId), when sent.' }),
    state: t.expose('state', { type: CellStateEnum }),
    status: t.string({
      description: 'Lowercase mirror of state, for pre-ARCH-001 clients.',
      resolve: (cell) => cell.state,
    }),
    formationId: t.expose('formationId', {
      type: 'UUID',
      nullable: true,
      description: 'From data.formationId or a correlation.formationId, when producers send one.',
    }),
    formation: t.field({
      type: FormationRef,
      nullable: true,
      resolve: (cell, _args, ctx) =>
        cell.formationId ? (ctx.projection.formations.get(cell.formationId) ?? null) : null,
    }),
    tenantId: t.exposeString('tenantId', { nullable: true, description: 'correlation.tenantId, when sent.' }),
    startedAt: t.expose('startedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'CloudEvent time of the started event.',
    }),
    destroyedAt: t.expose('destroyedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'CloudEvent time of the destroyed (or failed) event.',
    }),
    outcome: t.expose('outcome', { type: CellOutcomeEnum, nullable: true }),
    exitCode: t.exposeInt('exitCode', {
      nullable: true,
      description: 'From cell.command.v1.completed only; cleared by a forced destroy (its code would be synthetic).',
    }),
    terminalState: t.expose('terminalState', { type: TerminalStateEnum, nullable: true }),
    reason: t.exposeString('reason', {
      nullable: true,
      description: 'snake_case reason of a destroy or failure (oom, ttl_exceeded, ...).',
    }),
    durationMs: t.float({
      nullable: true,
      description: 'destroyedAt - startedAt in milliseconds, when both are known.',
      resolve: (cell) => cellDurationMs(cell),
    }),
    firstSeq: t.expose('firstSeq', { type: 'Seq', description: 'Seq of the first event that mentioned the cell.' }),
    lastSeq: t.expose('lastSeq', {
      type: 'Seq',
      description: 'Seq of the event that last changed this record: its version.',
    }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'CloudEvent time of the last event applied.',
    }),
    eventCount: t.exposeInt('eventCount', {
      description: 'Distinct events applied to this cell (re-published duplicates not counted).',
    }),
  }),
});

export const CellOrderInput = builder.inputType('CellOrder', {
  fields: (t) => ({
    field: t.field({ type: CellOrderFieldEnum, required: true, defaultValue: 'FIRST_SEEN' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'ASC' }),
  }),
});

const CellCountsRef = builder.objectRef<CellCounts & { seq: number }>('CellCounts').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    pending: t.int({ resolve: (c) => c.byState.pending }),
    running: t.int({ resolve: (c) => c.byState.running }),
    destroyed: t.int({ resolve: (c) => c.byState.destroyed }),
    succeeded: t.int({ description: 'Destroyed with outcome succeeded.', resolve: (c) => c.byOutcome.succeeded }),
    failed: t.int({ description: 'Destroyed with outcome failed.', resolve: (c) => c.byOutcome.failed }),
    seq: t.expose('seq', { type: 'Seq', description: 'Projection seq (highest applied) the counts were read at.' }),
  }),
});

/**
 * Cells of the projection as a Relay connection, shared by Query.cells and
 * Formation.cells. The filter is compiled once, for the page and for
 * totalCount (counted only if selected).
 */
export function resolveCellConnection(
  args: PageArgs & { filter?: CellFilterArg | null; orderBy?: CellOrder | null },
  ctx: AppContext,
  scope: { formationId?: string } = {},
) {
  const { first, last } = pageSize(args, ctx);
  const selection = toCellSelection(args.filter, ctx.visibility, scope);
  const order = args.orderBy ?? DEFAULT_CELL_ORDER;
  const orderName = `${order.field}:${order.direction}`;
  const page = readCellPage(ctx.projection, {
    filter: selection,
    order,
    first,
    last,
    after: args.after ? decodeCursor(args.after, orderName) : null,
    before: args.before ? decodeCursor(args.before, orderName) : null,
  });
  const cursorOf = (cell: CellRecord) => {
    const key = orderKeyOf(cell, order);
    return encodeCursor(orderName, key.key, key.id);
  };
  return connectionOf(page.cells, cursorOf, page, {
    seq: ctx.projection.cursor,
    totalCount: () => countCells(ctx.projection, selection),
  });
}

/** One connection type for every list of cells (Query.cells, Formation.cells): a client's fragments fit both. */
export const CellConnectionRef = builder.connectionObject(
  {
    type: CellRecordRef,
    name: 'CellConnection',
    fields: connectionFields({
      totalCount: 'How many cells match the filter (all pages).',
      seq: 'Projection seq (highest applied) this page was read at. Subscribe with after: seq for a gap-free handoff.',
    }),
  },
  { name: 'CellEdge' },
);

builder.queryFields((t) => ({
  cell: t.field({
    type: CellRecordRef,
    nullable: true,
    description: 'One cell by id, or null when no event has mentioned it.',
    args: {
      id: t.arg.string({ required: true }),
      minSeq: t.arg({
        type: 'Seq',
        description: 'Wait (bounded) until this replica has applied this seq; CURSOR_AHEAD otherwise.',
      }),
    },
    resolve: async (_root, { id, minSeq }, ctx) => {
      if (id.length === 0 || id.length > 512)
        throw apiError(ErrorCode.BAD_ARGUMENT, 'id must be a non-empty string of at most 512 characters.');
      await awaitSeq(ctx, 'minSeq', minSeq);
      const cell = ctx.projection.cells.get(id);
      // Another tenant's cell is null, exactly like an unknown id: no existence oracle.
      return cell && canSee(ctx.visibility, cell) ? cell : null;
    },
  }),
  cells: t.connection(
    {
      type: CellRecordRef,
      description: `Cells matching a filter, as a Relay connection. Page size defaults to 100, at most 1000.`,
      args: {
        filter: t.arg({ type: CellFilterInput }),
        orderBy: t.arg({ type: CellOrderInput }),
        minSeq: t.arg({
          type: 'Seq',
          description: 'Wait (bounded) until this replica has applied this seq; CURSOR_AHEAD otherwise.',
        }),
      },
      resolve: async (_root, args, ctx) => {
        await awaitSeq(ctx, 'minSeq', args.minSeq);
        return resolveCellConnection(args, ctx);
      },
    },
    CellConnectionRef,
  ),
  cellCounts: t.field({
    type: CellCountsRef,
    description: 'How many cells match, by state and outcome.',
    args: { filter: t.arg({ type: CellFilterInput }), minSeq: t.arg({ type: 'Seq' }) },
    resolve: async (_root, { filter, minSeq }, ctx) => {
      await awaitSeq(ctx, 'minSeq', minSeq);
      return {
        ...countCellsBy(ctx.projection, toCellSelection(filter, ctx.visibility)),
        seq: ctx.projection.cursor,
      };
    },
  }),
}));
