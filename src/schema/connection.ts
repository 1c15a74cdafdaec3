// The parts every Relay connection of this API shares: its extra fields (totalCount, seq) and its page shape.
import type { builder } from './builder.js';

type Types = typeof builder.$inferSchemaTypes;
type ConnectionExtras = Types['Connection'];

/**
 * `fields` for a connection type: totalCount and the projection seq the
 * page was read at. The builder's Connection type makes every connection
 * resolver return both, so these resolvers read them without a cast.
 */
export function connectionFields(descriptions: { totalCount?: string; seq?: string } = {}) {
  return <Shape extends ConnectionExtras>(t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => ({
    totalCount: t.int({ description: descriptions.totalCount, resolve: (connection) => connection.totalCount() }),
    seq: t.field({ type: 'Seq', description: descriptions.seq, resolve: (connection) => connection.seq }),
  });
}

/** A page already read, as a connection: edges with their cursors, pageInfo, and the extras. */
export function connectionOf<T>(
  nodes: readonly T[],
  cursorOf: (node: T) => string,
  page: { hasNextPage: boolean; hasPreviousPage: boolean },
  extras: ConnectionExtras,
) {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    ...extras,
  };
}
