import { type DocumentNode, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.js';

/**
 * Serves `/metrics` (behind the same bearer token as everything else: the
 * auth plugin runs first) and times query/mutation execution. Subscriptions
 * are long-lived by design, so their duration says nothing; they are
 * counted by the subscription limits plugin instead.
 */
export function useMetrics(metrics: Metrics, path = '/metrics'): Plugin {
  type Labels = { operation_type: string; operation_name: string };
  // The labels of a document's operation, worked out once per (document, operation name): yoga's
  // parser cache hands back the same DocumentNode for the same text. A label never changes once
  // given (the set of known operation names only grows), so remembering it changes nothing.
  const labelsOf = new WeakMap<DocumentNode, Map<string, Labels>>();
  const labelsFor = (document: DocumentNode, operationName: string | null | undefined): Labels => {
    let byName = labelsOf.get(document);
    if (!byName) labelsOf.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let labels = byName.get(key);
    if (!labels) {
      const operation = getOperationAST(document, operationName);
      labels = {
        operation_type: operation?.operation ?? 'unknown',
        operation_name: metrics.operationLabel(operation?.name?.value ?? operationName),
      };
      byName.set(key, labels);
    }
    return labels;
  };
  return {
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (url.pathname !== path) return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const { contentType, body } = await metrics.render();
      endResponse(
        new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
          status: 200,
          headers: { 'content-type': contentType },
        }),
      );
    },
    onResponse({ request, response }) {
      metrics.countHttp(new URL(request.url).pathname, response.status);
    },
    onExecute({ args }) {
      const labels = labelsFor(args.document, args.operationName);
      const started = performance.now();
      return {
        onExecuteDone() {
          metrics.operationDuration.observe(labels, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
