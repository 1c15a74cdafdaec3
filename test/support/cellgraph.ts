// The tests' cellgraph: in process on a free port against a given NATS, typed requests to it, and waiting on it.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { type Cellgraph, startCellgraph } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/util/logger.js';
import { throwHandlerFailure } from './failures.js';
import { httpStatus } from './http.js';

export interface GraphQLResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface TestCellgraph extends Cellgraph {
  /** POST a typed document to /graphql; returns status and body. */
  request<T, V>(
    document: TypedDocumentNode<T, V>,
    variables?: V,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: GraphQLResponse<T> }>;
  /** POST a typed document and return its data, failing on any error. */
  query<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T>;
}

/** An in-process cellgraph on a free port against the given NATS; env overrides config; `logger` replaces stdout's. */
export async function startTestCellgraph(
  natsUrl: string,
  env: Record<string, string> = {},
  logger?: Logger,
): Promise<TestCellgraph> {
  const config = loadConfig({
    CELLGRAPH_NATS_URL: natsUrl,
    CELLGRAPH_PORT: '0',
    CELLGRAPH_LOG_LEVEL: process.env['CELLGRAPH_TEST_LOG_LEVEL'] ?? 'silent',
    ...env,
  });
  const app = await startCellgraph(config, natsUrl, logger ?? testLogger(config.CELLGRAPH_LOG_LEVEL));
  // With a token configured, the helpers authenticate with the first one unless told otherwise.
  const auth: Record<string, string> = config.CELLGRAPH_TOKEN
    ? { authorization: `Bearer ${config.CELLGRAPH_TOKEN[0]}` }
    : {};
  const request: TestCellgraph['request'] = async (document, variables, headers = {}) => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...auth, ...headers },
      body: JSON.stringify({ query: print(document), variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLResponse<never> };
  };
  return Object.assign(app, {
    request,
    async query<T, V>(document: TypedDocumentNode<T, V>, variables?: V): Promise<T> {
      const { body } = await request(document, variables);
      if (body.errors?.length || !body.data) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
  });
}

let instances = 0;

/**
 * stdout's logger, or, with CELLGRAPH_TEST_LOG_FILE set, one appending to that file, each cellgraph of the run
 * named by an `instance` number (to read a failed fault test's logs apart from vitest's output).
 */
function testLogger(level: string): Logger {
  const file = process.env['CELLGRAPH_TEST_LOG_FILE'];
  if (!file) return createLogger(level);
  instances += 1;
  return pino(
    { level, base: { instance: `${process.pid}-${instances}` }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: file, append: true, sync: true }),
  );
}

/**
 * Polls `check` until it returns true (no fixed sleeps): fails with `what` after `timeoutMs`,
 * or at once with an assertion that failed inside a subscription handler meanwhile.
 */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await check();
    throwHandlerFailure();
    if (done) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
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

/** Makes stop() safe to call twice (a test stops it, the cleanup stops it again). */
export function stopOnce<T extends { stop(): Promise<void> }>(app: T): T {
  let stopping: Promise<void> | undefined;
  const stop = app.stop.bind(app);
  app.stop = () => (stopping ??= stop());
  return app;
}

/** A cellgraph for the running test only: stopped when it finishes, before the NATS the test started earlier; the test may stop it first. */
export async function cellgraphForTest(
  natsUrl: string,
  env: Record<string, string> = {},
  logger?: Logger,
): Promise<TestCellgraph> {
  const app = stopOnce(await startTestCellgraph(natsUrl, env, logger));
  onTestFinished(() => app.stop());
  return app;
}

/** Calls `fn` once, synchronously, when the projection applies a seq >= `seq` (for faults at a precise point). */
export function atSeq(app: TestCellgraph, seq: number, fn: () => void): void {
  let fired = false;
  const off = app.clock.onAdvance((current) => {
    if (fired || current < seq) return;
    fired = true;
    off();
    fn();
  });
}
