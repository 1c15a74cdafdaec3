/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment CellPageFields on CellRecord {\n  id\n  specId\n  runId\n  state\n  status\n  outcome\n  terminalState\n  reason\n  exitCode\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  durationMs\n  updatedAt\n  firstSeq\n  lastSeq\n  eventCount\n}\n\nsubscription CellWatch($id: String!, $after: Seq) {\n  cell(id: $id, after: $after) {\n    kind\n    seq\n    cell {\n      ...CellPageFields\n    }\n  }\n}\n\nquery CellEvents($id: String!, $after: Seq!, $first: Int!) {\n  cell(id: $id) {\n    id\n    events(after: $after, first: $first) {\n      seq\n      hasMore\n      events {\n        seq\n        type\n        storedAt\n      }\n    }\n  }\n}": typeof types.CellPageFieldsFragmentDoc,
    "fragment CellRow on CellRecord {\n  id\n  state\n  outcome\n  specId\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  exitCode\n  firstSeq\n  lastSeq\n}\n\nsubscription CellBatches($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {\n  cellBatches(filter: $filter, after: $after, include: $include) {\n    seq\n    changes {\n      kind\n      seq\n      id\n      cell {\n        ...CellRow\n      }\n    }\n  }\n}": typeof types.CellRowFragmentDoc,
    "query Formations {\n  formations(first: 100) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        status\n        createdAt\n        updatedAt\n        cells(first: 10) {\n          totalCount\n          edges {\n            node {\n              id\n              state\n              outcome\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nquery FormationDetail($id: UUID!) {\n  formation(id: $id) {\n    id\n    name\n    status\n    reason\n    createdAt\n    updatedAt\n    eventCount\n    firstSeq\n    lastSeq\n    cells(first: 500) {\n      totalCount\n      edges {\n        node {\n          ...CellRow\n        }\n      }\n    }\n  }\n}": typeof types.FormationsDocument,
    "query Overview {\n  projection {\n    connected\n    ready\n    streamLastSeq\n    lag\n    replay {\n      done\n      percent\n      eventsPerSecond\n      etaSeconds\n    }\n  }\n  cellCounts {\n    total\n    pending\n    running\n    destroyed\n    succeeded\n    failed\n  }\n}": typeof types.OverviewDocument,
};
const documents: Documents = {
    "fragment CellPageFields on CellRecord {\n  id\n  specId\n  runId\n  state\n  status\n  outcome\n  terminalState\n  reason\n  exitCode\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  durationMs\n  updatedAt\n  firstSeq\n  lastSeq\n  eventCount\n}\n\nsubscription CellWatch($id: String!, $after: Seq) {\n  cell(id: $id, after: $after) {\n    kind\n    seq\n    cell {\n      ...CellPageFields\n    }\n  }\n}\n\nquery CellEvents($id: String!, $after: Seq!, $first: Int!) {\n  cell(id: $id) {\n    id\n    events(after: $after, first: $first) {\n      seq\n      hasMore\n      events {\n        seq\n        type\n        storedAt\n      }\n    }\n  }\n}": types.CellPageFieldsFragmentDoc,
    "fragment CellRow on CellRecord {\n  id\n  state\n  outcome\n  specId\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  exitCode\n  firstSeq\n  lastSeq\n}\n\nsubscription CellBatches($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {\n  cellBatches(filter: $filter, after: $after, include: $include) {\n    seq\n    changes {\n      kind\n      seq\n      id\n      cell {\n        ...CellRow\n      }\n    }\n  }\n}": types.CellRowFragmentDoc,
    "query Formations {\n  formations(first: 100) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        status\n        createdAt\n        updatedAt\n        cells(first: 10) {\n          totalCount\n          edges {\n            node {\n              id\n              state\n              outcome\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nquery FormationDetail($id: UUID!) {\n  formation(id: $id) {\n    id\n    name\n    status\n    reason\n    createdAt\n    updatedAt\n    eventCount\n    firstSeq\n    lastSeq\n    cells(first: 500) {\n      totalCount\n      edges {\n        node {\n          ...CellRow\n        }\n      }\n    }\n  }\n}": types.FormationsDocument,
    "query Overview {\n  projection {\n    connected\n    ready\n    streamLastSeq\n    lag\n    replay {\n      done\n      percent\n      eventsPerSecond\n      etaSeconds\n    }\n  }\n  cellCounts {\n    total\n    pending\n    running\n    destroyed\n    succeeded\n    failed\n  }\n}": types.OverviewDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CellPageFields on CellRecord {\n  id\n  specId\n  runId\n  state\n  status\n  outcome\n  terminalState\n  reason\n  exitCode\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  durationMs\n  updatedAt\n  firstSeq\n  lastSeq\n  eventCount\n}\n\nsubscription CellWatch($id: String!, $after: Seq) {\n  cell(id: $id, after: $after) {\n    kind\n    seq\n    cell {\n      ...CellPageFields\n    }\n  }\n}\n\nquery CellEvents($id: String!, $after: Seq!, $first: Int!) {\n  cell(id: $id) {\n    id\n    events(after: $after, first: $first) {\n      seq\n      hasMore\n      events {\n        seq\n        type\n        storedAt\n      }\n    }\n  }\n}"): typeof import('./graphql').CellPageFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment CellRow on CellRecord {\n  id\n  state\n  outcome\n  specId\n  formationId\n  tenantId\n  startedAt\n  destroyedAt\n  exitCode\n  firstSeq\n  lastSeq\n}\n\nsubscription CellBatches($filter: CellFilter, $after: Seq, $include: SubscriptionInclude!) {\n  cellBatches(filter: $filter, after: $after, include: $include) {\n    seq\n    changes {\n      kind\n      seq\n      id\n      cell {\n        ...CellRow\n      }\n    }\n  }\n}"): typeof import('./graphql').CellRowFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Formations {\n  formations(first: 100) {\n    totalCount\n    edges {\n      node {\n        id\n        name\n        status\n        createdAt\n        updatedAt\n        cells(first: 10) {\n          totalCount\n          edges {\n            node {\n              id\n              state\n              outcome\n            }\n          }\n        }\n      }\n    }\n  }\n}\n\nquery FormationDetail($id: UUID!) {\n  formation(id: $id) {\n    id\n    name\n    status\n    reason\n    createdAt\n    updatedAt\n    eventCount\n    firstSeq\n    lastSeq\n    cells(first: 500) {\n      totalCount\n      edges {\n        node {\n          ...CellRow\n        }\n      }\n    }\n  }\n}"): typeof import('./graphql').FormationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Overview {\n  projection {\n    connected\n    ready\n    streamLastSeq\n    lag\n    replay {\n      done\n      percent\n      eventsPerSecond\n      etaSeconds\n    }\n  }\n  cellCounts {\n    total\n    pending\n    running\n    destroyed\n    succeeded\n    failed\n  }\n}"): typeof import('./graphql').OverviewDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
