import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  CellChangesDocument,
  type CellChangesSubscription,
  type CellChangesSubscriptionVariables,
  type CellFieldsFragment,
} from '../generated/graphql.js';
import { reportHandlerFailure } from './failures.js';
import { surfaceHandlerErrors } from './ws.js';

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
  /** GraphQL and transport errors of the subscriptions feeding this view (given as their `onErrors`). */
  readonly errors: unknown[] = [];
  readonly recordErrors = (errors: readonly unknown[]): void => {
    this.errors.push(...errors);
  };

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
  return createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams,
    on: { error: surfaceHandlerErrors },
  });
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
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: CapturingWebSocket,
    retryAttempts: 0,
    on: { error: surfaceHandlerErrors },
  });
  return {
    client,
    socket() {
      if (!current) throw new Error('the client has not opened its socket yet');
      return current;
    },
  };
}

/** A GraphQL error as it arrives over the wire. */
export interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
}

export interface Subscription<T> {
  /** Resolves on complete; rejects on a transport error or when `onData` throws (with what it threw). */
  readonly done: Promise<void>;
  stop(): void;
  /** Every result, error-only ones included (a terminal LAGGED, CURSOR_AHEAD, ... arrives as one). */
  results: { data?: T | null; errors?: readonly WireError[] }[];
  /** Every GraphQL error of every result, then the terminal error (validation errors, a close) if any. */
  errors: unknown[];
}

/**
 * Subscribes with a typed document; every result goes to `results`, its data to `onData`, its errors to
 * `onErrors`. An exception in either callback (a failed `expect`) stops the subscription, rejects `done`
 * with it, and is reported so the test's next `waitUntil` fails with it at once: graphql-ws would
 * otherwise turn it into a 4004 close of the whole socket and the test into a timeout.
 */
export function subscribe<T, V>(
  client: Client,
  document: TypedDocumentNode<T, V>,
  variables: V,
  onData: (data: T) => void = () => {},
  onErrors: (errors: readonly unknown[]) => void = () => {},
): Subscription<T> {
  const results: Subscription<T>['results'] = [];
  const errors: unknown[] = [];
  let unsubscribe: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  let failed = false;
  const guarded = (callback: () => void) => {
    if (failed) return;
    try {
      callback();
    } catch (error) {
      failed = true;
      unsubscribe();
      fail(reportHandlerFailure(error));
    }
  };
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    unsubscribe = client.subscribe<T>(
      { query: print(document), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          results.push(result as Subscription<T>['results'][number]);
          const resultErrors = result.errors ?? [];
          errors.push(...resultErrors);
          guarded(() => {
            if (result.data) onData(result.data as T);
            if (resultErrors.length) onErrors(resultErrors);
          });
        },
        error: (error) => {
          // A validation error arrives here as an array of GraphQL errors, not as a result.
          const terminal: readonly unknown[] = Array.isArray(error) ? error : [error];
          errors.push(...terminal);
          guarded(() => onErrors(terminal));
          reject(error instanceof Error ? error : new Error(describeTerminal(error)));
        },
        complete: () => resolve(),
      },
    );
  });
  done.catch(() => undefined);
  return { done, stop: () => unsubscribe(), results, errors };
}

/** A CloseEvent stringifies as {}: name its code and reason instead. */
function describeTerminal(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'number') {
    const reason = 'reason' in error && typeof error.reason === 'string' && error.reason ? ` (${error.reason})` : '';
    return `the socket closed with ${error.code}${reason}`;
  }
  return JSON.stringify(error);
}

/** Subscribes to cells and keeps a CellView. */
export function watchCells(
  client: Client,
  variables: CellChangesSubscriptionVariables,
): { view: CellView; subscription: Subscription<CellChangesSubscription> } {
  const view = new CellView();
  const subscription = subscribe(
    client,
    CellChangesDocument,
    variables,
    (data) => view.apply(data.cells),
    view.recordErrors,
  );
  return { view, subscription };
}
