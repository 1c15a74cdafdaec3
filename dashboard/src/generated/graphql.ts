/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** All given conditions must hold. */
export type CellFilter = {
  destroyedAt?: TimeRange | null | undefined;
  formationId?: string | null | undefined;
  /** Only these cell ids. */
  ids?: Array<string> | null | undefined;
  outcome?: CellOutcome | null | undefined;
  runId?: string | null | undefined;
  specId?: string | null | undefined;
  startedAt?: TimeRange | null | undefined;
  state?: CellState | null | undefined;
  /** Any of these states. */
  states?: Array<CellState> | null | undefined;
  tenantId?: string | null | undefined;
};

export type CellOutcome =
  | 'FAILED'
  | 'SUCCEEDED';

/** Lifecycle state of an execution cell. */
export type CellState =
  /** Destroyed or failed. Terminal: nothing brings a destroyed cell back. */
  | 'DESTROYED'
  /** Seen through an event other than started; not started yet (never sent by an event). */
  | 'PENDING'
  /** A started event arrived. */
  | 'RUNNING';

/** What a subscription message means. Keep a view by upserting ADDED/UPDATED and deleting REMOVED. */
export type ChangeKind =
  /** The cell now matches the filter (or is in the snapshot). */
  | 'ADDED'
  /** Nothing pending: the view is current as of `seq`. Sent to idle subscriptions within about a second of the seq moving (never twice for one seq, never below a seq already sent), so the resume point stays fresh. */
  | 'BOOKMARK'
  /** The cell no longer matches the filter: drop it from the view. */
  | 'REMOVED'
  /** The server is stopping: resume (here or on another replica) with after: seq. */
  | 'SHUTDOWN'
  /** Catch-up is over: the view equals the projection at `seq`. Live changes follow. */
  | 'SYNCED'
  /** The cell matched and still matches; `changedFields` says what changed. */
  | 'UPDATED';

/** Formation phase. COMPLETED and FAILED are terminal. */
export type FormationStatus =
  | 'COMPLETED'
  | 'DEGRADED'
  | 'FAILED'
  | 'LAUNCHING'
  | 'PENDING'
  | 'RUNNING';

/** What a cell subscription sends before SYNCED. Left out: SNAPSHOT without `after` (like a Kubernetes watch without a resource version), CHANGES with it. */
export type SubscriptionInclude =
  /** Only changes: since `after` when given, else from now (SYNCED comes at once). */
  | 'CHANGES'
  /** Every matching cell first (when `after` is not given), then SYNCED, then live changes. */
  | 'SNAPSHOT';

/** How a cell ended: clean, or forced (its exit code, if any, is synthetic and cleared). */
export type TerminalState =
  | 'CLEAN'
  | 'FORCED';

/** Inclusive time range; leave an end out to keep it open. */
export type TimeRange = {
  from?: string | null | undefined;
  to?: string | null | undefined;
};

export type CellPageFieldsFragment = { id: string, specId: string | null, runId: string | null, state: CellState, status: string, outcome: CellOutcome | null, terminalState: TerminalState | null, reason: string | null, exitCode: number | null, formationId: string | null, tenantId: string | null, startedAt: string | null, destroyedAt: string | null, durationMs: number | null, updatedAt: string | null, firstSeq: number, lastSeq: number, eventCount: number };

export type CellWatchSubscriptionVariables = Exact<{
  id: string;
  after?: number | null | undefined;
}>;


export type CellWatchSubscription = { cell: { kind: ChangeKind, seq: number, cell: { id: string, specId: string | null, runId: string | null, state: CellState, status: string, outcome: CellOutcome | null, terminalState: TerminalState | null, reason: string | null, exitCode: number | null, formationId: string | null, tenantId: string | null, startedAt: string | null, destroyedAt: string | null, durationMs: number | null, updatedAt: string | null, firstSeq: number, lastSeq: number, eventCount: number } | null } };

export type CellEventsQueryVariables = Exact<{
  id: string;
  after: number;
  first: number;
}>;


export type CellEventsQuery = { cell: { id: string, events: { seq: number, hasMore: boolean, events: Array<{ seq: number, type: string | null, storedAt: string }> } } | null };

export type CellRowFragment = { id: string, state: CellState, outcome: CellOutcome | null, specId: string | null, formationId: string | null, tenantId: string | null, startedAt: string | null, destroyedAt: string | null, exitCode: number | null, firstSeq: number, lastSeq: number };

export type CellBatchesSubscriptionVariables = Exact<{
  filter?: CellFilter | null | undefined;
  after?: number | null | undefined;
  include: SubscriptionInclude;
}>;


export type CellBatchesSubscription = { cellBatches: { seq: number, changes: Array<{ kind: ChangeKind, seq: number, id: string | null, cell: { id: string, state: CellState, outcome: CellOutcome | null, specId: string | null, formationId: string | null, tenantId: string | null, startedAt: string | null, destroyedAt: string | null, exitCode: number | null, firstSeq: number, lastSeq: number } | null }> } };

export type FormationsQueryVariables = Exact<{ [key: string]: never; }>;


export type FormationsQuery = { formations: { totalCount: number, edges: Array<{ node: { id: string, name: string | null, status: FormationStatus, createdAt: string | null, updatedAt: string | null, cells: { totalCount: number, edges: Array<{ node: { id: string, state: CellState, outcome: CellOutcome | null } }> } } }> } };

export type FormationDetailQueryVariables = Exact<{
  id: string;
}>;


export type FormationDetailQuery = { formation: { id: string, name: string | null, status: FormationStatus, reason: string | null, createdAt: string | null, updatedAt: string | null, eventCount: number, firstSeq: number, lastSeq: number, cells: { totalCount: number, edges: Array<{ node: { id: string, state: CellState, outcome: CellOutcome | null, specId: string | null, formationId: string | null, tenantId: string | null, startedAt: string | null, destroyedAt: string | null, exitCode: number | null, firstSeq: number, lastSeq: number } }> } } | null };

export type OverviewQueryVariables = Exact<{ [key: string]: never; }>;


export type OverviewQuery = { projection: { connected: boolean, ready: boolean, streamLastSeq: number, lag: number, replay: { done: boolean, percent: number, eventsPerSecond: number, etaSeconds: number | null } }, cellCounts: { total: number, pending: number, running: number, destroyed: number, succeeded: number, failed: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const CellPageFieldsFragmentDoc = new TypedDocumentString(`
    fragment CellPageFields on CellRecord {
  id
  specId
  runId
  state
  status
  outcome
  terminalState
  reason
  exitCode
  formationId
  tenantId
  startedAt
  destroyedAt
  durationMs
  updatedAt
  firstSeq
  lastSeq
  eventCount
}
    `, {"fragmentName":"CellPageFields"}) as unknown as TypedDocumentString<CellPageFieldsFragment, unknown>;
export const CellRowFragmentDoc = new TypedDocumentString(`
    fragment CellRow on CellRecord {
  id
  state
  outcome
  specId
  formationId
  tenantId
  startedAt
  destroyedAt
  exitCode
  firstSeq
  lastSeq
}
    `, {"fragmentName":"CellRow"}) as unknown as TypedDocumentString<CellRowFragment, unknown>;
export const CellWatchDocument = new TypedDocumentString(`
    subscription CellWatch($id: String!, $after: Seq) {
  cell(id: $id, after: $after) {
    kind
    seq
    cell {
      ...CellPageFields
    }
  }
}
    fragment CellPageFields on CellRecord {
  id
  specId
  runId
  state
  status
  outcome
  terminalState
  reason
  exitCode
  formationId
  tenantId
  startedAt
  destroyedAt
  durationMs
  updatedAt
  firstSeq
  lastSeq
  eventCount
}`) as unknown as TypedDocumentString<CellWatchSubscription, CellWatchSubscriptionVariables>;
export const CellEventsDocument = new TypedDocumentString(`
    query CellEvents($id: String!, $after: Seq!, $first: Int!) {
  cell(id: $id) {
    id
    events(after: $after, first: $first) {
      seq
      hasMore
      events {
        seq
        type
        storedAt
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CellEventsQuery, CellEventsQueryVariables>;
export const CellBatchesDocument = new TypedDocumentString(`
    subscription CellBatches($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {
  cellBatches(filter: $filter, after: $after, include: $include) {
    seq
    changes {
      kind
      seq
      id
      cell {
        ...CellRow
      }
    }
  }
}
    fragment CellRow on CellRecord {
  id
  state
  outcome
  specId
  formationId
  tenantId
  startedAt
  destroyedAt
  exitCode
  firstSeq
  lastSeq
}`) as unknown as TypedDocumentString<CellBatchesSubscription, CellBatchesSubscriptionVariables>;
export const FormationsDocument = new TypedDocumentString(`
    query Formations {
  formations(first: 100) {
    totalCount
    edges {
      node {
        id
        name
        status
        createdAt
        updatedAt
        cells(first: 10) {
          totalCount
          edges {
            node {
              id
              state
              outcome
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<FormationsQuery, FormationsQueryVariables>;
export const FormationDetailDocument = new TypedDocumentString(`
    query FormationDetail($id: UUID!) {
  formation(id: $id) {
    id
    name
    status
    reason
    createdAt
    updatedAt
    eventCount
    firstSeq
    lastSeq
    cells(first: 500) {
      totalCount
      edges {
        node {
          ...CellRow
        }
      }
    }
  }
}
    fragment CellRow on CellRecord {
  id
  state
  outcome
  specId
  formationId
  tenantId
  startedAt
  destroyedAt
  exitCode
  firstSeq
  lastSeq
}`) as unknown as TypedDocumentString<FormationDetailQuery, FormationDetailQueryVariables>;
export const OverviewDocument = new TypedDocumentString(`
    query Overview {
  projection {
    connected
    ready
    streamLastSeq
    lag
    replay {
      done
      percent
      eventsPerSecond
      etaSeconds
    }
  }
  cellCounts {
    total
    pending
    running
    destroyed
    succeeded
    failed
  }
}
    `) as unknown as TypedDocumentString<OverviewQuery, OverviewQueryVariables>;