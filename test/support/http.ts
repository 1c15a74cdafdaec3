// Plain HTTP against a cellgraph, for what the typed helpers cannot send or do not check: invalid documents, status codes, error codes.
import type { GraphQLResponse } from './cellgraph.js';

/** POST a query string that cannot be a typed document (it is meant to fail validation). */
export async function rawRequest(
  baseUrl: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{ status: number; body: GraphQLResponse<unknown> }> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<unknown> };
}

/** The status of a GET, or 0 when nothing answers (a server not up yet is an answer too). */
export async function httpStatus(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** The error codes of a GraphQL response. */
export const codesOf = (body: GraphQLResponse<unknown>): unknown[] =>
  (body.errors ?? []).map((e) => e.extensions?.['code']);
