import {
  type GraphQLField,
  type GraphQLSchema,
  getNamedType,
  isLeafType,
  isNonNullType,
  isObjectType,
  parse,
  validate,
} from 'graphql';

/** The two reads the query benchmark loads, as GraphQL documents and as bare endpoint paths. */

export const CELL_FIELDS = `id specId runId state status formationId tenantId startedAt destroyedAt outcome exitCode terminalState reason durationMs firstSeq lastSeq updatedAt eventCount`;

export const CELLS_QUERY = `query BenchCells { cells(first: 50) { seq pageInfo { hasNextPage endCursor } edges { cursor node { ${CELL_FIELDS} } } } }`;

export const CELL_QUERY = `query BenchCell($id: String!) { cell(id: $id) { ${CELL_FIELDS} } }`;

/** A cell's timeline as a client shows it: every event read back from the stream, with the stored body. */
export const TIMELINE_FIRST = 100;
export const TIMELINE_QUERY = `query BenchTimeline($id: String!) { cell(id: $id) { id events(first: ${TIMELINE_FIRST}) { seq hasMore events { seq subject storedAt type event } } } }`;

/**
 * Checks that the bare endpoint answers both documents with cellgraph's very
 * bytes (no compression on either side), for the page and for every id
 * given: a baseline that answers something else bounds nothing. Throws with
 * the first difference.
 */
export async function checkSameBytes(graphqlUrl: string, bareUrl: string, ids: readonly string[]): Promise<number> {
  const { graphql, bare } = fetchers(graphqlUrl, bareUrl);
  return firstDifference([
    ['cells(first: 50)', graphql({ query: CELLS_QUERY }), bare('/cells?first=50')],
    ...ids.map(
      (id) =>
        [
          `cell(id: ${id})`,
          graphql({ query: CELL_QUERY, variables: { id } }),
          bare(`/cell?id=${encodeURIComponent(id)}`),
        ] as [string, Promise<string>, Promise<string>],
    ),
  ]);
}

/** The same check for TIMELINE_QUERY against the bare timeline endpoint (bareTimeline.ts). */
export async function checkSameTimelineBytes(
  graphqlUrl: string,
  bareUrl: string,
  ids: readonly string[],
): Promise<number> {
  const { graphql, bare } = fetchers(graphqlUrl, bareUrl);
  return firstDifference(
    ids.map(
      (id) =>
        [
          `timeline of ${id}`,
          graphql({ query: TIMELINE_QUERY, variables: { id } }),
          bare(`/timeline?id=${encodeURIComponent(id)}&first=${TIMELINE_FIRST}`),
        ] as [string, Promise<string>, Promise<string>],
    ),
  );
}

function fetchers(graphqlUrl: string, bareUrl: string) {
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'accept-encoding': 'identity' };
  return {
    graphql: async (body: unknown) =>
      (await fetch(graphqlUrl, { method: 'POST', headers, body: JSON.stringify(body) })).text(),
    bare: async (path: string) => (await fetch(`${bareUrl}${path}`, { headers })).text(),
  };
}

/** Throws with the first pair whose answers differ; returns how many pairs were compared. */
async function firstDifference(pairs: [string, Promise<string>, Promise<string>][]): Promise<number> {
  for (const [what, a, b] of pairs) {
    const [mine, theirs] = await Promise.all([a, b]);
    if (mine === theirs) continue;
    let at = 0;
    while (mine[at] === theirs[at]) at++;
    throw new Error(
      `bare ${what} answers other bytes than cellgraph at offset ${at}: ${JSON.stringify(theirs.slice(at, at + 80))} vs ${JSON.stringify(mine.slice(at, at + 80))}`,
    );
  }
  return pairs.length;
}

export type LoadKind =
  | 'graphql-cells'
  | 'graphql-cell'
  | 'bare-cells'
  | 'bare-cell'
  | 'graphql-timeline'
  | 'bare-timeline';

/** What a dashboard subscribes to: every change of every cell, with the record as the query benchmark reads it. */
export const FANOUT_SUBSCRIPTION = `subscription BenchFanout { cells(include: CHANGES) { kind seq id changedFields cell { ${CELL_FIELDS} } } }`;

/** The same, batched: every change pending for the subscriber in one message (`Subscription.cellBatches`). */
export const FANOUT_BATCH_SUBSCRIPTION = `subscription BenchFanoutBatches { cellBatches(include: CHANGES, maxBatch: 500) { seq changes { kind seq id changedFields cell { ${CELL_FIELDS} } } } }`;

/** FANOUT_BATCH_SUBSCRIPTION when the schema has `Subscription.cellBatches`, else null. */
export function fanoutBatchSubscription(schema: GraphQLSchema): string | null {
  if (!schema.getSubscriptionType()?.getFields()['cellBatches']) return null;
  return validate(schema, parse(FANOUT_BATCH_SUBSCRIPTION)).length === 0 ? FANOUT_BATCH_SUBSCRIPTION : null;
}

/**
 * The fan-out benchmark's subscription: FANOUT_SUBSCRIPTION when the schema
 * accepts it, else one made from whatever `Subscription.cells`
 * the schema has (it is being built while this benchmark is): every leaf
 * field to depth 3, no arguments beyond the optional ones. Returns null while
 * the schema has no `Subscription.cells`, so the benchmark reports the
 * subject as missing instead of failing. Set BENCH_FANOUT_QUERY to override.
 */
export function fanoutSubscription(schema: GraphQLSchema): string | null {
  if (process.env['BENCH_FANOUT_QUERY']) return process.env['BENCH_FANOUT_QUERY'];
  const field = schema.getSubscriptionType()?.getFields()['cells'];
  if (!field) return null;
  if (validate(schema, parse(FANOUT_SUBSCRIPTION)).length === 0) return FANOUT_SUBSCRIPTION;
  if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) return null;
  return `subscription BenchFanout { cells ${selection(field, 3) ?? ''} }`;
}

function selection(field: GraphQLField<unknown, unknown>, depth: number): string | null {
  const type = getNamedType(field.type);
  if (isLeafType(type)) return '';
  if (depth === 0 || !isObjectType(type)) return isObjectType(type) ? null : '{ __typename }';
  const parts: string[] = [];
  for (const child of Object.values(type.getFields())) {
    if (child.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const sub = selection(child, depth - 1);
    if (sub !== null) parts.push(`${child.name} ${sub}`.trim());
  }
  return parts.length ? `{ ${parts.join(' ')} }` : null;
}
