import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../../schema/errors.js';

/** Longest single timer Node keeps (about 24.8 days); later expiries are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * An SSE subscription ends when its caller's credential expires, with a
 * final UNAUTHENTICATED error, so a revoked person does not keep watching.
 * Over WebSocket the socket itself closes with 4403 at expiry (wsAuthorizer),
 * which ends every subscription on it: those are left alone here.
 */
export function useCredentialExpiry(expiryOf: (context: Record<string, unknown>) => number | null): Plugin {
  return {
    onSubscribe({ args }) {
      const context = args.contextValue as unknown as Record<string, unknown>;
      if (context['socket'] !== undefined) return;
      const expiresAt = expiryOf(context);
      if (expiresAt === null) return;
      return {
        onSubscribeResult({ result, setResult }) {
          if (Symbol.asyncIterator in result) setResult(endAt(result as AsyncIterable<ExecutionResult>, expiresAt));
        },
      };
    },
  };
}

function endAt(source: AsyncIterable<ExecutionResult>, expiresAt: number): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const expired = new Promise<'expired'>((resolve) => {
    const arm = () => {
      const wait = expiresAt - Date.now();
      if (wait <= 0) return resolve('expired');
      timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
    };
    arm();
  });
  const finish = async () => {
    finished = true;
    clearTimeout(timer);
    await iterator.return?.();
  };
  return {
    async next() {
      if (finished) return { done: true, value: undefined };
      const step = await Promise.race([iterator.next(), expired]);
      if (step === 'expired') {
        await finish();
        const error = new GraphQLError('The token has expired: authenticate again and resume with after: <last seq>.', {
          extensions: { code: ErrorCode.UNAUTHENTICATED },
        });
        return { done: false, value: { errors: [error] } };
      }
      if (step.done) clearTimeout(timer);
      return step;
    },
    async return() {
      await finish();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
