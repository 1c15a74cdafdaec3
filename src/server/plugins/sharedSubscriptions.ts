import { createSourceEventStream, type DocumentNode, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { isArgumentFree } from '../../live/bookmarks.js';
import type { AppContext } from '../../schema/context.js';
import { shapeKey } from '../documentShape.js';

type MaybePromise<T> = T | Promise<T>;

/**
 * Why this exists: graphql-js executes a subscription's selection once per
 * message per subscriber, so N identical subscribers cost N executions of
 * every delta (fan-out topped out near 10k frames/s, see BENCHMARKS.md).
 *
 * The live hub hands the very same message object to every subscriber that
 * keeps up (src/live/changes.ts, DeltaMessages). Here each subscription gets
 * its source stream from graphql-js (`createSourceEventStream`: the field's
 * `subscribe`, argument coercion, errors as usual), and each message is
 * executed once per group of identical subscriptions (same document,
 * operation name and variables), memoised on the message object: the other
 * members of the group get the same ExecutionResult. A message that is one
 * subscriber's own (catch-up, SYNCED, BOOKMARK, a coalesced change, a
 * terminal error) simply has a group of one. What differs between members of
 * a group (pace, coalescing, resume point) lives in their feeds, never in the
 * result; results are never written to downstream.
 *
 * An argument-free message (a BOOKMARK: one object per bookmark round, handed
 * to every idle subscriber, live/bookmarks.ts) is shared wider: its result
 * depends on the selection only, so its group is the document's shape
 * (documentShape.ts: the operation without the root field's arguments) and
 * the caller's visibility. 10,000 idle subscribers with 10,000 different
 * filters and one selection cost one execution (and one serialisation,
 * sharedFrames.ts) per round.
 *
 * Execution uses graphql-jit when enabled; a result with errors is thrown
 * away and executed again by graphql-js, whose errors carry `locations`
 * (as in jitQueries.ts). Payload resolvers are pure reads of the message and
 * the projection, so sharing the result of the first member's execution is
 * what every member would have seen at that instant.
 *
 * It replaces only the subscribe function: every other plugin's onSubscribe
 * (auth, limits, cost, metrics) and onSubscribeResult hooks still run per
 * subscription, over WebSocket and SSE alike.
 */
export function useSharedSubscriptions(options: { jit: boolean }): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextDocumentId = 0;
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const results = new WeakMap<object, Map<string, MaybePromise<ExecutionResult>>>();

  const compile = (args: ExecutionArgs): CompiledQuery | null => {
    if (!options.jit) return null;
    let byOperation = compiled.get(args.document);
    if (!byOperation) compiled.set(args.document, (byOperation = new Map()));
    const name = args.operationName ?? '';
    let entry = byOperation.get(name);
    if (entry === undefined) {
      const result = compileQuery(args.schema, args.document, args.operationName ?? undefined);
      entry = isCompiledQuery(result) ? result : null;
      byOperation.set(name, entry);
    }
    return entry;
  };

  /**
   * The group: identical document, operation and variables, seen by the same
   * tenants. The caller's visibility is part of the key (and the only place
   * it enters sharing): results depend on it (Formation.cells inside a
   * payload), so callers that see different tenants never share an
   * execution or a frame.
   */
  const groupOf = (args: ExecutionArgs): string => {
    let id = documentIds.get(args.document);
    if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
    return `${visibilityOf(args)}\u0000${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
  };

  /** The group of an argument-free message: same visibility and shape; the whole group when there is no shape. */
  const shapeGroupOf = (args: ExecutionArgs, group: string): string => {
    const shape = shapeKey(args.document, args.operationName, args.variableValues);
    return shape === null ? group : `${visibilityOf(args)}\u0001${shape}`;
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(async (args) => {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return source;
        const group = groupOf(args);
        let shapeGroup: string | undefined;
        const query = compile(args);
        const executeMessage = (payload: unknown): MaybePromise<ExecutionResult> => {
          const viaGraphqlJs = () => execute({ ...args, rootValue: payload });
          if (!query) return viaGraphqlJs();
          const result = query.query(payload, args.contextValue, args.variableValues ?? {});
          const checked = (r: ExecutionResult) => (r.errors?.length ? viaGraphqlJs() : r);
          return result instanceof Promise ? result.then(checked) : checked(result);
        };
        return mapMessages(source as AsyncGenerator<unknown>, (payload) => {
          if (payload === null || typeof payload !== 'object') return executeMessage(payload);
          const key = isArgumentFree(payload) ? (shapeGroup ??= shapeGroupOf(args, group)) : group;
          let byGroup = results.get(payload);
          if (!byGroup) results.set(payload, (byGroup = new Map()));
          let result = byGroup.get(key);
          if (result === undefined) {
            result = executeMessage(payload);
            byGroup.set(key, result);
          }
          return result;
        });
      });
    },
  };
}

function visibilityOf(args: ExecutionArgs): string {
  return (args.contextValue as Partial<AppContext>).visibility?.key ?? '';
}

/**
 * Maps a feed's messages to execution results. `return()` goes straight to
 * the feed, which ends at once even while a `next()` is waiting.
 */
function mapMessages<R>(
  source: AsyncIterator<unknown>,
  map: (payload: unknown) => MaybePromise<R>,
): AsyncIterableIterator<R> {
  return {
    async next() {
      const step = await source.next();
      if (step.done) return { done: true, value: undefined };
      try {
        return { done: false, value: await map(step.value) };
      } catch (error) {
        await source.return?.();
        throw error;
      }
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
