import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CellChangesDocument, type CellChangesSubscription, type CellChangesSubscriptionVariables, type CellFieldsFragment } from '../generated/graphql.js';

export type CellChangeMessage = CellChangesSubscription['cells'];

/**
 * What a dashboard keeps: a map of cells maintained from subscription
 * messages (upsert ADDED/UPDATED, delete REMOVED), the last seq received,
 * and every message for order checks.
 */
export class CellView {
  readonly cells = new Map<string, CellFieldsFragment>();
  readonly messages: CellChangeMessage[] = [];
  lastSeq = 0;
  synced = false;
  errors: unknown[] = [];

  apply(message: CellChangeMessage): void {
    this.messages.push(message);
    if (message.seq < this.lastSeq) throw new Error(`seq went backwards: ${message.seq} after ${this.lastSeq}`);
    this.lastSeq = message.seq;
    switch (message.kind) {
      case 'ADDED':
      case 'UPDATED':
        this.cells.set(message.id!, message.cell!);
        break;
      case 'REMOVED':
        this.cells.delete(message.id!);
        break;
      case 'SYNCED':
        this.synced = true;
        break;
      default:
        break;
    }
  }

  /** The view as a sorted array, comparable with a query's nodes. */
  sorted(): CellFieldsFragment[] {
    return [...this.cells.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}

export function wsUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({ url: wsUrl(httpUrl), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true, connectionParams });
}

/**
 * A graphql-ws client whose socket the test can pause (stop reading: TCP
 * backpressure reaches the server, as with a stalled browser tab) and resume.
 */
export function pausableWsClient(httpUrl: string): { client: Client; socket(): WebSocket } {
  let current: WebSocket | undefined;
  class CapturingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      current = this;
    }
  }
  const client = createClient({ url: wsUrl(httpUrl), webSocketImpl: CapturingWebSocket, retryAttempts: 0 });
  return {
    client,
    socket() {
      if (!current) throw new Error('the client has not opened its socket yet');
      return current;
    },
  };
}

export interface Subscription<T> {
  readonly done: Promise<void>;
  stop(): void;
  results: { data?: T | null; errors?: readonly { message: string; extensions?: Record<string, unknown> }[] }[];
}

/** Subscribes with a typed document; every result goes to `onData` (and `results`). */
export function subscribe<T, V>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  onData: (data: T) => void = () => {},
): Subscription<T> {
  const results: Subscription<T>['results'] = [];
  let stop: () => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    stop = client.subscribe<T>(
      { query: print(document), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          results.push(result as never);
          if (result.data) onData(result.data as T);
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(),
      },
    );
  });
  done.catch(() => undefined);
  return { done, stop: () => stop(), results };
}

/** Subscribes to cells and keeps a CellView. */
export function watchCells(
  client: Client,
  variables: CellChangesSubscriptionVariables,
): { view: CellView; subscription: Subscription<CellChangesSubscription> } {
  const view = new CellView();
  const subscription = subscribe(client, CellChangesDocument, variables, (data) => view.apply(data.cells));
  return { view, subscription };
}
