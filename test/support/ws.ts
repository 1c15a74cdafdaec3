import { type Client, createClient, type FormattedExecutionResult as ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { reportHandlerFailure } from './failures.js';

/**
 * graphql-ws `on.error`: an Error here was thrown by our own code inside the client's message
 * handling (a failed `expect` in a `next` handler), which graphql-ws only answers with a 4004 close.
 * Socket-level errors arrive as ws ErrorEvents, not Errors, and stay the close code's business.
 */
export function surfaceHandlerErrors(error: unknown): void {
  if (error instanceof Error) reportHandlerFailure(error);
}

/** The graphql-ws URL of a cellgraph base URL (http://host:port). */
export function wsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/graphql`;
}

export interface TestWsClient {
  client: Client;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  /**
   * Resolves once connection_ack arrived; rejects with the close code if the socket closes first,
   * or with what a handler threw (the test's next `waitUntil` throws it too).
   */
  connected: Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A real graphql-ws client on the `ws` package. No retries and lazy: false,
 * so a refused connection shows up as its close code instead of a retry loop.
 */
export function connectWs(
  baseUrl: string,
  options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {},
): TestWsClient {
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  let resolveConnected!: () => void;
  let rejectConnected!: (error: Error) => void;
  const connected = new Promise<void>((resolve, reject) => {
    resolveConnected = resolve;
    rejectConnected = reject;
  });
  connected.catch(() => undefined);
  const headers = options.headers;
  const Impl = headers
    ? class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers });
        }
      }
    : WebSocket;
  const client = createClient({
    url: wsUrl(baseUrl),
    webSocketImpl: Impl,
    lazy: false,
    retryAttempts: 0,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
    on: {
      error: (error) => {
        surfaceHandlerErrors(error);
        if (error instanceof Error) rejectConnected(error);
      },
      connected: () => resolveConnected(),
      closed: (event) => {
        const code = (event as { code?: number }).code ?? 0;
        rejectConnected(new Error(`closed with ${code}`));
        resolveClosed(code);
      },
    },
    onNonLazyError: () => undefined,
  });
  return {
    client,
    closed,
    connected,
    async dispose() {
      await client.dispose();
    },
  };
}

/**
 * The close code of a socket the server should refuse, or 'acknowledged' as soon as the server
 * accepted it instead: a wrongly accepted connection fails the test at once, not on a timeout.
 */
export function refusal(ws: TestWsClient): Promise<number | 'acknowledged'> {
  return Promise.race([
    ws.closed,
    ws.connected.then(
      () => 'acknowledged' as const,
      () => ws.closed,
    ),
  ]);
}

/**
 * Runs one operation to completion and returns every result it produced (or the error it failed with).
 * `check` sees each result as it arrives; if it throws, the promise rejects with that at once and the
 * operation is stopped, instead of graphql-ws closing the socket and the test waiting for a timeout.
 */
export function runWs<T = Record<string, unknown>>(
  client: Client,
  /** The document's text, or a whole payload (a persisted query: `query: ''` and `extensions`). */
  query: string | { query: string; extensions?: Record<string, unknown> },
  variables?: Record<string, unknown>,
  take = Infinity,
  check: (result: ExecutionResult<T, unknown>) => void = () => {},
): Promise<{ results: ExecutionResult<T, unknown>[]; error?: unknown }> {
  return new Promise((resolve, reject) => {
    const results: ExecutionResult<T, unknown>[] = [];
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      unsubscribe();
      resolve(error === undefined ? { results } : { results, error });
    };
    const unsubscribe = client.subscribe<T>(
      { ...(typeof query === 'string' ? { query } : query), ...(variables ? { variables } : {}) },
      {
        next: (result) => {
          if (done) return;
          results.push(result);
          try {
            check(result);
          } catch (error) {
            done = true;
            unsubscribe();
            reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
            return;
          }
          if (results.length >= take) finish();
        },
        error: (error) => finish(error ?? new Error('unknown error')),
        complete: () => finish(),
      },
    );
  });
}

/** A raw socket speaking graphql-transport-ws, for what the client library would never send. */
export function rawWs(baseUrl: string): Promise<{ socket: WebSocket; closed: Promise<number>; messages: unknown[] }> {
  const socket = new WebSocket(wsUrl(baseUrl), 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, closed, messages }));
    socket.once('error', reject);
  });
}
