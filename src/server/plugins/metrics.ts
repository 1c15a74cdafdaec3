import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.js';

/**
 * Serves `/metrics` (behind the same bearer token as everything else: the
 * auth plugin runs first) and times query/mutation execution. Subscriptions
 * are long-lived by design, so their duration says nothing; they are
 * counted by the subscription limits plugin instead.
 */
export function useMetrics(metrics: Metrics, path = '/metrics'): Plugin {
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const { contentType, body } = await metrics.render();
      endResponse(new fetchAPI.Response(request.method === 'HEAD' ? null : body, { status: 200, headers: { 'content-type': contentType } }));
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName);
      const labels = {
        operation_type: operation?.operation ?? 'unknown',
        operation_name: metrics.operationLabel(operation?.name?.value ?? args.operationName),
      };
      const stop = metrics.operationDuration.startTimer(labels);
      return {
        onExecuteDone() {
          stop();
        },
      };
    },
  };
}
