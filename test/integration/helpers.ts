import { connect } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { GraphQLResponse, TestCellgraph } from '../support/cellgraph.js';
import { waitUntil } from '../support/cellgraph.js';

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

export async function httpStatus(url: string): Promise<number> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Waits until /readyz answers 200. */
export async function waitReady(app: { url: string }, timeoutMs = 30_000): Promise<void> {
  await waitUntil(async () => (await httpStatus(`${app.url}/readyz`)) === 200, '/readyz 200', timeoutMs);
}

/** Waits until the projection cursor reaches `seq`. */
export async function waitCursor(app: TestCellgraph, seq: number, timeoutMs = 30_000): Promise<void> {
  await waitUntil(() => app.projection.cursor >= seq, `cursor ${seq} (at ${app.projection.cursor})`, timeoutMs);
}

/** A JetStream manager on its own connection; close() when done. */
export async function withJsm<T>(url: string, fn: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try {
    return await fn(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** The error codes of a GraphQL response. */
export const codesOf = (body: GraphQLResponse<unknown>): unknown[] => (body.errors ?? []).map((e) => e.extensions?.['code']);

/** Makes stop() safe to call twice (a test stops it, the cleanup stops it again). */
export function stopOnce<T extends { stop(): Promise<void> }>(app: T): T {
  let stopping: Promise<void> | undefined;
  const stop = app.stop.bind(app);
  app.stop = () => (stopping ??= stop());
  return app;
}
