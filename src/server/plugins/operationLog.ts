import { randomUUID } from 'node:crypto';
import {
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLError,
  getArgumentValues,
  getOperationAST,
  Kind,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../../util/logger.js';

export type Transport = 'http' | 'sse' | 'ws';

/** Who asked, for the log line: graphql-ws puts this in the envelop context; HTTP requests get theirs in onRequest. */
export interface OperationOrigin {
  requestId: string;
  transport: Transport;
}

/** The envelop context key under which the WebSocket server passes an OperationOrigin. */
export const ORIGIN_KEY = 'operationOrigin';

const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** A client's `x-request-id` when it is a sane token (no spaces or control characters, at most 128), else a new UUID. */
export function requestIdFrom(header: string | null | undefined): string {
  return header && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface OperationLogOptions {
  logger: Logger;
  /** Operations at least this slow are logged at warn (CELLGRAPH_SLOW_OPERATION_MS). */
  slowMs: number;
  /** Info-level operation lines per second beyond which they are counted, not written (CELLGRAPH_LOG_OPERATIONS_PER_SECOND). */
  perSecond: number;
  /** Told the error codes of every answered operation (the metrics count them), whether or not its line is written. */
  onErrors?: (codes: readonly string[]) => void;
}

/**
 * The operation log's writer: levels and volume. Slow operations (warn) and
 * internal errors (error) are always written; ordinary lines (ok, or a client's
 * mistake) at most `perSecond` a second, and a line says how many were left out.
 */
export class OperationLog {
  readonly logger: Logger;
  readonly slowMs: number;
  private readonly perSecond: number;
  private readonly onErrors: ((codes: readonly string[]) => void) | undefined;
  private windowStart = 0;
  private written = 0;
  private dropped = 0;

  constructor(options: OperationLogOptions) {
    this.logger = options.logger;
    this.slowMs = options.slowMs;
    this.perSecond = options.perSecond;
    this.onErrors = options.onErrors;
  }

  /** The end of an operation (or a subscription): its errors are counted, then its line written. */
  ended(fields: Record<string, unknown>, codes: readonly string[], durationMs: number | undefined, msg: string): void {
    if (codes.length) this.onErrors?.(codes);
    this.write(fields, codes, durationMs, msg);
  }

  /** One line for a finished query, mutation, or a subscription's start or end. */
  write(fields: Record<string, unknown>, codes: readonly string[], durationMs: number | undefined, msg: string): void {
    const slow = durationMs !== undefined && durationMs >= this.slowMs;
    const level = slow ? 'warn' : codes.includes('INTERNAL_SERVER_ERROR') ? 'error' : 'info';
    if (level === 'info' && !this.take()) return;
    const line = {
      ...fields,
      ...(durationMs !== undefined ? { durationMs: Math.round(durationMs * 100) / 100 } : {}),
      result: codes.length ? 'error' : 'ok',
      ...(codes.length ? { errorCodes: codes } : {}),
      ...(slow ? { slow: true } : {}),
    };
    this.logger[level](line, msg);
  }

  private take(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.dropped > 0) {
        this.logger.info(
          { dropped: this.dropped, perSecond: this.perSecond },
          'graphql operation lines left out (CELLGRAPH_LOG_OPERATIONS_PER_SECOND)',
        );
      }
      this.windowStart = now;
      this.written = 0;
      this.dropped = 0;
    }
    if (this.written < this.perSecond) {
      this.written++;
      return true;
    }
    this.dropped++;
    return false;
  }
}

/** The error codes of a result, each once, in order ("INTERNAL_SERVER_ERROR" for an error without one). */
export function errorCodes(errors: readonly GraphQLError[] | undefined): string[] {
  if (!errors?.length) return [];
  return [...new Set(errors.map((e) => String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR')))];
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** The subscription's root field and its arguments (filter, after, include…), short enough for a log line. */
function subscriptionSummary(args: ExecutionArgs): { field?: string; filter?: string } {
  const operation = getOperationAST(args.document, args.operationName);
  const selection = operation?.selectionSet.selections[0];
  if (selection?.kind !== Kind.FIELD) return {};
  const field = selection.name.value;
  const definition = args.schema.getSubscriptionType()?.getFields()[field];
  if (!definition) return { field };
  try {
    const text = JSON.stringify(getArgumentValues(definition, selection, args.variableValues ?? {}));
    return { field, filter: text.length > 300 ? `${text.slice(0, 300)}…` : text };
  } catch {
    return { field }; // bad arguments: the subscription fails with its own error, logged at its end
  }
}

/** Why a subscription ended, from its last message: its error code, a final kind (SHUTDOWN…), or "complete". */
function endReason(last: ExecutionResult | undefined): string {
  const codes = errorCodes(last?.errors as readonly GraphQLError[] | undefined);
  if (codes.length) return codes[0]!;
  const root = last?.data ? Object.values(last.data)[0] : undefined;
  const kind = root && typeof root === 'object' ? (root as { kind?: unknown }).kind : undefined;
  return kind === 'SHUTDOWN' ? 'SHUTDOWN' : 'complete';
}

interface HttpRecord extends OperationOrigin {
  started: number;
  operationName?: string | undefined;
  operationType?: string;
  /** An operation or subscription line was written for this request. */
  logged: boolean;
}

/**
 * One structured line per GraphQL operation, over every transport: request
 * id, operation name and type, duration, result (ok, or its error codes) and
 * transport; subscriptions get a line when they start (id, filter) and when
 * they end (messages sent, end reason). HTTP requests take their id from
 * `x-request-id` or get a new one, and it is echoed on the response.
 */
export function useOperationLog(log: OperationLog, graphqlPath = '/graphql'): Plugin {
  const requests = new WeakMap<Request, HttpRecord>();
  const originOf = (context: unknown): (OperationOrigin & { http?: HttpRecord }) | undefined => {
    const ctx = context as { request?: Request; [ORIGIN_KEY]?: OperationOrigin } | undefined;
    const ws = ctx?.[ORIGIN_KEY];
    if (ws) return ws;
    const http = ctx?.request ? requests.get(ctx.request) : undefined;
    return http ? { requestId: http.requestId, transport: http.transport, http } : undefined;
  };
  const typeOf = (args: ExecutionArgs) => getOperationAST(args.document, args.operationName)?.operation ?? 'unknown';
  const nameOf = (args: ExecutionArgs) =>
    getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName ?? undefined;

  return {
    onRequest({ request, url }) {
      const accept = request.headers.get('accept') ?? '';
      requests.set(request, {
        requestId: requestIdFrom(request.headers.get('x-request-id')),
        transport: accept.includes('text/event-stream') ? 'sse' : 'http',
        started: performance.now(),
        logged: url.pathname !== graphqlPath, // other routes (health, metrics, GraphiQL page) get no line
      });
    },
    onParams({ request, params }) {
      const record = requests.get(request);
      if (record) record.operationName = params.operationName ?? undefined;
    },
    onExecute({ args }) {
      const origin = originOf(args.contextValue);
      if (!origin) return;
      if (origin.http) {
        origin.http.operationType = typeOf(args);
        return; // written once the result is known, in onExecutionResult
      }
      const started = performance.now();
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          const fields = {
            requestId: origin.requestId,
            transport: origin.transport,
            operationType: typeOf(args),
            operationName: nameOf(args),
          };
          log.ended(fields, errorCodes(result.errors), performance.now() - started, 'graphql operation');
        },
      };
    },
    onExecutionResult({ request, result }) {
      const record = requests.get(request);
      if (!record || record.logged || isAsyncIterable(result) || !result) return;
      record.logged = true;
      const fields = {
        requestId: record.requestId,
        transport: record.transport,
        operationType: record.operationType ?? 'unknown',
        operationName: record.operationName,
      };
      log.ended(
        fields,
        errorCodes(result.errors as readonly GraphQLError[]),
        performance.now() - record.started,
        'graphql operation',
      );
    },
    onSubscribe({ args }) {
      const origin = originOf(args.contextValue);
      if (!origin) return;
      if (origin.http) origin.http.logged = true;
      const started = performance.now();
      const fields = { requestId: origin.requestId, transport: origin.transport, operationName: nameOf(args) };
      const summary = subscriptionSummary(args);
      return {
        onSubscribeResult({ result }) {
          if (!isAsyncIterable(result)) {
            // refused before the first message (bad variables, a limit, SHUTTING_DOWN): one line
            const codes = errorCodes(result.errors as readonly GraphQLError[]);
            log.ended(
              { ...fields, ...summary, operationType: 'subscription', endReason: codes[0] },
              codes,
              performance.now() - started,
              'subscription refused',
            );
            return;
          }
          log.write({ ...fields, ...summary, operationType: 'subscription' }, [], undefined, 'subscription started');
          let messages = 0;
          let last: ExecutionResult | undefined;
          return {
            onNext({ result: next }) {
              messages++;
              last = next as ExecutionResult;
            },
            onEnd() {
              const reason = endReason(last);
              const codes = errorCodes(last?.errors as readonly GraphQLError[] | undefined);
              // a subscription's length is its client's choice, not slowness: no duration-based warn
              log.ended(
                {
                  ...fields,
                  field: summary.field,
                  operationType: 'subscription',
                  messages,
                  endReason: reason,
                  openMs: Math.round(performance.now() - started),
                },
                codes,
                undefined,
                'subscription ended',
              );
            },
          };
        },
      };
    },
    onParse({ context }) {
      const origin = originOf(context);
      if (!origin || origin.http) return; // HTTP parse failures reach onExecutionResult
      const started = performance.now();
      return ({ result }) => {
        if (!(result instanceof Error)) return;
        log.ended(
          { requestId: origin.requestId, transport: origin.transport, operationType: 'unknown' },
          ['GRAPHQL_PARSE_FAILED'],
          performance.now() - started,
          'graphql operation',
        );
      };
    },
    onValidate({ context, params }) {
      const origin = originOf(context);
      if (!origin || origin.http) return; // HTTP validation failures reach onExecutionResult
      const started = performance.now();
      return ({ valid, result }) => {
        if (valid) return;
        const operation = getOperationAST(params.documentAST);
        const fields = {
          requestId: origin.requestId,
          transport: origin.transport,
          operationType: operation?.operation ?? 'unknown',
          operationName: operation?.name?.value,
        };
        log.ended(
          fields,
          errorCodes(result as readonly GraphQLError[]),
          performance.now() - started,
          'graphql operation',
        );
      };
    },
    onResponse({ request, response }) {
      const record = requests.get(request);
      if (!record) return;
      try {
        response.headers.set('x-request-id', record.requestId);
      } catch {
        // an immutable response (none of ours): the id is still in the log
      }
      if (record.logged) return;
      record.logged = true;
      // refused before any operation ran: auth (401), CSRF or origin (403), body size (413), method (405)
      log.write(
        {
          requestId: record.requestId,
          transport: record.transport,
          operationName: record.operationName,
          status: response.status,
        },
        response.status >= 400 ? [`HTTP_${response.status}`] : [],
        performance.now() - record.started,
        'graphql request',
      );
    },
  };
}
