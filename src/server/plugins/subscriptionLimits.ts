import { type ExecutionArgs, getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { limitError } from '../../schema/errors.js';
import type { Metrics } from '../metrics.js';

export interface SubscriptionLimitOptions {
  perConnection: number;
  total: number;
}

/** The WebSocket for graphql-ws, the HTTP request for SSE (one subscription per request). */
function connectionOf(context: unknown): object {
  const ctx = (context ?? {}) as { socket?: object; request?: object };
  return ctx.socket ?? ctx.request ?? (context as object);
}

/** The subscription's root field (`cells`, `events`, ...): the `kind` label of the metrics. */
function kindOf(args: ExecutionArgs): string {
  const operation = getOperationAST(args.document, args.operationName);
  const first = operation?.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
  return first && first.kind === Kind.FIELD ? first.name.value : 'unknown';
}

/**
 * Caps open subscriptions per connection and in total, counted from the
 * moment a subscription is accepted until its stream ends for any reason
 * (client complete, socket closed, server end). Counting here, in envelop,
 * covers WebSocket and SSE with one code path, and feeds
 * `cellgraph_subscriptions_open{kind}`.
 */
export function useSubscriptionLimits(options: SubscriptionLimitOptions, metrics: Metrics): Plugin {
  let open = 0;
  const perConnection = new WeakMap<object, number>();
  return {
    // Every subscription field is a known kind: its series exists at 0 from boot (dashboards, absent()).
    onSchemaChange({ schema }) {
      for (const kind of Object.keys(schema.getSubscriptionType()?.getFields() ?? {}))
        metrics.subscriptionsOpen.inc({ kind }, 0);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const connection = connectionOf(args.contextValue);
      const mine = perConnection.get(connection) ?? 0;
      if (mine >= options.perConnection) {
        metrics.subscriptionsRejected.inc({ limit: 'subscriptionsPerConnection' });
        setResultAndStopExecution({
          errors: [
            limitError('subscriptionsPerConnection', `This connection already has ${mine} subscriptions, the limit.`, {
              max: options.perConnection,
            }),
          ],
        });
        return;
      }
      if (open >= options.total) {
        metrics.subscriptionsRejected.inc({ limit: 'subscriptions' });
        setResultAndStopExecution({
          errors: [
            limitError(
              'subscriptions',
              'This server has reached its limit of open subscriptions: retry later or on another replica.',
              { max: options.total },
            ),
          ],
        });
        return;
      }
      const kind = kindOf(args);
      open += 1;
      perConnection.set(connection, mine + 1);
      metrics.subscriptionsOpen.inc({ kind });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        open -= 1;
        const left = (perConnection.get(connection) ?? 1) - 1;
        if (left > 0) perConnection.set(connection, left);
        else perConnection.delete(connection);
        metrics.subscriptionsOpen.dec({ kind });
      };
      return {
        onSubscribeResult({ result }) {
          if (!result || typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
            release();
            return;
          }
          return { onEnd: release };
        },
        onSubscribeError: release,
      };
    },
  };
}
