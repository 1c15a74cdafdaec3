import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import type { GraphQLError, ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { type LimitName, limitError } from '../../schema/errors.js';
import type { Metrics } from '../metrics.js';

export interface DocumentLimits {
  maxDocumentBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
}

const ARMOR_MESSAGE = /^Syntax Error: /;

/**
 * Static limits on the document, checked before execution for HTTP, SSE and
 * WebSocket alike (they all go through yoga's envelop). graphql-armor does
 * the counting; its own errors are plain "Syntax Error" messages without a
 * code, so each rejection is re-reported as LIMIT_EXCEEDED naming the limit.
 * Armor's validation rules throw by default, which would escape graphql-js's
 * validate as an exception; reporting through the validation context keeps
 * them ordinary validation errors.
 */
export function useDocumentLimits(limits: DocumentLimits, metrics: Metrics): Plugin[] {
  const report =
    (limit: LimitName, max: number) =>
    (context: ValidationContext | null, error: GraphQLError): void => {
      metrics.limitRejections.inc({ limit });
      context?.reportError(limitError(limit, error.message.replace(ARMOR_MESSAGE, ''), { max }));
    };
  return [
    {
      // Before the lexer runs at all: a megabyte of whitespace costs no tokens.
      onParse({ params }) {
        const length = typeof params.source === 'string' ? params.source.length : params.source.body.length;
        if (length > limits.maxDocumentBytes) {
          metrics.limitRejections.inc({ limit: 'documentSize' });
          throw limitError(
            'documentSize',
            `Document of ${length} characters exceeds the limit of ${limits.maxDocumentBytes}.`,
            {
              max: limits.maxDocumentBytes,
            },
          );
        }
      },
    },
    maxTokensPlugin({
      n: limits.maxTokens,
      // The parser has no validation context: throwing is the only way out of it.
      propagateOnRejection: false,
      onReject: [
        () => {
          metrics.limitRejections.inc({ limit: 'tokens' });
          throw limitError('tokens', `Token limit of ${limits.maxTokens} exceeded.`, { max: limits.maxTokens });
        },
      ],
    }) as Plugin,
    maxDepthPlugin({
      n: limits.maxDepth,
      flattenFragments: true,
      propagateOnRejection: false,
      onReject: [report('depth', limits.maxDepth)],
    }) as Plugin,
    maxAliasesPlugin({
      n: limits.maxAliases,
      propagateOnRejection: false,
      onReject: [report('aliases', limits.maxAliases)],
    }) as Plugin,
    maxDirectivesPlugin({
      n: limits.maxDirectives,
      propagateOnRejection: false,
      onReject: [report('directives', limits.maxDirectives)],
    }) as Plugin,
  ];
}
