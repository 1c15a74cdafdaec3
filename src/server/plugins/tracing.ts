import { context as otelContext, propagation, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { errorCodes, type OperationOrigin, ORIGIN_KEY } from './operationLog.js';

const tracer = () => trace.getTracer('cellgraph');

/** A fetch-style Headers (yoga's may be @whatwg-node's own class, not the global one) or node's header object. */
type Carrier = { get(name: string): string | null; keys(): Iterable<string> } | Record<string, unknown>;
const isFetchHeaders = (carrier: Carrier): carrier is { get(name: string): string | null; keys(): Iterable<string> } =>
  typeof (carrier as { get?: unknown }).get === 'function';

/** Reads W3C `traceparent`/`tracestate` from either kind of headers. */
const headerGetter = {
  keys: (carrier: Carrier) => (isFetchHeaders(carrier) ? [...carrier.keys()] : Object.keys(carrier)),
  get: (carrier: Carrier, key: string) => {
    if (isFetchHeaders(carrier)) return carrier.get(key) ?? undefined;
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

const ended = (span: Span, errors: readonly GraphQLError[] | undefined) => {
  const codes = errorCodes(errors);
  if (codes.length) {
    span.setAttribute('graphql.error.codes', codes);
    span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
  }
  span.end();
};

/**
 * OpenTelemetry spans for GraphQL operations: one `graphql.operation` span
 * per operation (its parent from the request's W3C `traceparent`: the HTTP
 * request's header, or the WebSocket upgrade's), with `graphql.parse`,
 * `graphql.validate` and `graphql.execute` (or `graphql.subscribe`) below it.
 * Only added when tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): off, no hook runs.
 */
export function useTracing(): Plugin {
  const operations = new WeakMap<object, Span>();
  /** The operation span of this envelop context, started at its first hook. */
  const operationSpan = (context: Record<string, unknown>): Span => {
    let span = operations.get(context);
    if (!span) {
      const request = context['request'] as Request | undefined;
      const upgrade = context['req'] as { headers?: Record<string, unknown> } | undefined;
      const carrier: Carrier = (request?.headers as Carrier | undefined) ?? upgrade?.headers ?? {};
      const parent = propagation.extract(otelContext.active(), carrier, headerGetter);
      const origin = context[ORIGIN_KEY] as OperationOrigin | undefined;
      span = tracer().startSpan(
        'graphql.operation',
        {
          kind: SpanKind.SERVER,
          attributes: { 'cellgraph.transport': origin?.transport ?? (request ? 'http' : 'unknown') },
        },
        parent,
      );
      operations.set(context, span);
    }
    return span;
  };
  const child = (context: Record<string, unknown>, name: string) =>
    tracer().startSpan(name, {}, trace.setSpan(otelContext.active(), operationSpan(context)));

  return {
    onParse({ context }) {
      const span = child(context as Record<string, unknown>, 'graphql.parse');
      return ({ result }) => {
        if (result instanceof Error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'GRAPHQL_PARSE_FAILED' });
          span.end();
          ended(operationSpan(context as Record<string, unknown>), [
            { extensions: { code: 'GRAPHQL_PARSE_FAILED' } } as unknown as GraphQLError,
          ]);
          return;
        }
        span.end();
      };
    },
    onValidate({ context, params }) {
      const ctx = context as Record<string, unknown>;
      const span = child(ctx, 'graphql.validate');
      const operation = getOperationAST(params.documentAST);
      const root = operationSpan(ctx);
      if (operation) {
        root.setAttribute('graphql.operation.type', operation.operation);
        if (operation.name) root.setAttribute('graphql.operation.name', operation.name.value);
        root.updateName(`graphql.${operation.operation}${operation.name ? ` ${operation.name.value}` : ''}`);
      }
      return ({ valid, result }) => {
        span.end();
        if (!valid) ended(root, result as readonly GraphQLError[]);
      };
    },
    onExecute({ args }) {
      const ctx = args.contextValue as unknown as Record<string, unknown>;
      const span = child(ctx, 'graphql.execute');
      return {
        onExecuteDone({ result }) {
          const errors = Symbol.asyncIterator in result ? undefined : (result.errors as readonly GraphQLError[]);
          ended(span, errors);
          ended(operationSpan(ctx), errors);
        },
      };
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue as unknown as Record<string, unknown>;
      const span = child(ctx, 'graphql.subscribe');
      return {
        onSubscribeResult({ result }) {
          if (!(Symbol.asyncIterator in result)) {
            ended(span, result.errors as readonly GraphQLError[]);
            ended(operationSpan(ctx), result.errors as readonly GraphQLError[]);
            return;
          }
          span.end();
          let messages = 0;
          return {
            onNext() {
              messages++;
            },
            onEnd() {
              const root = operationSpan(ctx);
              root.setAttribute('cellgraph.subscription.messages', messages);
              root.end();
            },
          };
        },
      };
    },
  };
}
