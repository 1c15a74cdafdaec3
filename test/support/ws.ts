import { createClient, type Client, type FormattedExecutionResult as ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** The graphql-ws URL of a cellgraph base URL (http://host:port). */
export function wsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/graphql`;
}

export interface TestWsClient {
  client: Client;
  /** Resolves with the close code once the socket closes. */
  closed: Promise<number>;
  /** Resolves once connection_ack arrived; rejects with the close code if the socket closes first. */
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

/** Runs one operation to completion and returns every result it produced (or the error it failed with). */
export function runWs<T = Record<string, unknown>>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
  take = Infinity,
): Promise<{ results: ExecutionResult<T, unknown>[]; error?: unknown }> {
  return new Promise((resolve) => {
    const results: ExecutionResult<T, unknown>[] = [];
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      unsubscribe();
      resolve(error === undefined ? { results } : { results, error });
    };
    const unsubscribe = client.subscribe<T>(
      { query, ...(variables ? { variables } : {}) },
      {
        next: (result) => {
          results.push(result);
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
