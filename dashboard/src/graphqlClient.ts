import { type Client, createClient } from 'graphql-ws/client';
import type { TypedDocumentString } from './generated/graphql';

/**
 * The dashboard's only way to the server: the public GraphQL API. Queries as
 * a POST over fetch, subscriptions over graphql-ws on the same /graphql path.
 * The WebSocket client never retries on its own: a lost socket ends the
 * subscription with an error, and the caller resumes it with `after` (a silent
 * re-subscribe with the first variables would replay a snapshot over a view
 * that may have lost cells meanwhile).
 */

/** A GraphQL error (or a transport failure) with the server's `extensions.code` when there is one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface Sink<T> {
  next(data: T): void;
  error(error: ApiError): void;
  complete(): void;
}

interface GraphQLErrorLike {
  message: string;
  extensions?: { code?: string };
}

function toApiError(value: unknown): ApiError {
  if (value instanceof ApiError) return value;
  if (Array.isArray(value) && value.length) {
    const first = value[0] as GraphQLErrorLike;
    return new ApiError(first.message, first.extensions?.code);
  }
  if (typeof CloseEvent !== 'undefined' && value instanceof CloseEvent) {
    const code = value.code === 4401 ? 'UNAUTHENTICATED' : value.code === 4403 ? 'FORBIDDEN' : 'SOCKET_CLOSED';
    return new ApiError(`socket closed (${value.code}${value.reason ? `: ${value.reason}` : ''})`, code);
  }
  if (value instanceof Error) return new ApiError(value.message, undefined);
  return new ApiError('connection lost', 'SOCKET_CLOSED');
}

export class GraphqlClient {
  private ws: Client | undefined;
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  state: ConnectionState = 'disconnected';

  constructor(
    private readonly endpoint: string,
    private token: string,
  ) {}

  /** A new token applies to every request from now on; open sockets are closed so they reconnect with it. */
  setToken(token: string): void {
    this.token = token;
    this.ws?.dispose();
    this.ws = undefined;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async query<R, V>(document: TypedDocumentString<R, V>, variables?: V): Promise<R> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (this.token) headers['authorization'] = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
      });
    } catch (error) {
      throw new ApiError(`cannot reach the server: ${(error as Error).message}`, 'NETWORK');
    }
    const body = (await response.json().catch(() => undefined)) as
      | { data?: R | null; errors?: GraphQLErrorLike[] }
      | undefined;
    if (body?.errors?.length) throw toApiError(body.errors);
    if (!response.ok || !body?.data) throw new ApiError(`HTTP ${response.status}`, `HTTP_${response.status}`);
    return body.data;
  }

  subscribe<R, V>(document: TypedDocumentString<R, V>, variables: V, sink: Sink<R>): () => void {
    return this.socket().subscribe<R>(
      { query: document.toString(), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors?.length) sink.error(toApiError(result.errors));
          else if (result.data) sink.next(result.data);
        },
        error: (error) => sink.error(toApiError(error)),
        complete: () => sink.complete(),
      },
    );
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  private socket(): Client {
    if (this.ws) return this.ws;
    const url = new URL(this.endpoint, location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = this.token;
    const client: Client = createClient({
      url: url.href,
      lazy: true,
      retryAttempts: 0,
      connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
      on: {
        connecting: () => this.ws === client && this.setState('connecting'),
        connected: () => this.ws === client && this.setState('connected'),
        closed: () => this.ws === client && this.setState('disconnected'),
      },
    });
    this.ws = client;
    return client;
  }
}
