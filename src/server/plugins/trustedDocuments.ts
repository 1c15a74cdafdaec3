import type { DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ErrorCode } from '../../schema/errors.js';
import type { TrustedDocuments } from '../trustedDocuments.js';

/**
 * Trusted documents for HTTP and SSE (graphql-ws applies the same policy in
 * its onSubscribe): checked on the request's params, before yoga parses
 * anything. A listed operation runs the manifest's own DocumentNode, so it is
 * never parsed again and its validation is a cache hit (yoga caches
 * validation per DocumentNode). A refused one gets a GraphQL error with its
 * code; an unlisted text gets 403.
 *
 * Why not @graphql-yoga/plugin-persisted-operations: its
 * `allowArbitraryOperations` sees the request but not the document, so
 * "the exact text of a listed document" cannot be allowed without rewriting
 * params ahead of it, and it does not cover graphql-ws, which needs the same
 * decision; one policy (TrustedDocuments) and this hook do both.
 */
export function useTrustedDocuments(trusted: TrustedDocuments, isAdmin: (request: Request) => boolean): Plugin {
  const listed = new WeakMap<Request, DocumentNode>();
  return {
    onParams({ params, request, setParams }) {
      const verdict = trusted.check(params, isAdmin(request));
      if (verdict.kind === 'bypass') return;
      if (verdict.kind === 'refused') {
        const { error } = verdict;
        throw createGraphQLError(error.message, {
          extensions: {
            ...error.extensions,
            ...(error.extensions['code'] === ErrorCode.OPERATION_NOT_TRUSTED ? { http: { status: 403 } } : {}),
          },
        });
      }
      // The listed text stands for the document (logs, limits on its length); the node itself comes in onParse.
      setParams({ ...params, query: verdict.entry.text });
      listed.set(request, verdict.entry.document);
    },
    onParse({ context, setParsedDocument }) {
      const document = listed.get((context as { request: Request }).request);
      if (document) setParsedDocument(document);
    },
  };
}
