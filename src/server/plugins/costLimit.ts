import { getNamedType, GraphQLError, isListType, getNullableType, type ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { limitError } from '../../schema/errors.js';
import type { Metrics } from '../metrics.js';

export interface CostLimitOptions {
  maxCost: number;
  /** Page size a paged field assumes when neither first nor last is given. */
  defaultPageSize: number;
  /** A larger page is refused by its resolver (pageSize), so it never costs more than this. */
  maxPageSize: number;
  /** Multiplier for list fields that take no page argument (bounded lists such as recentRejections). */
  listFactor?: number;
}

/**
 * Every field costs 1. A field with a `first`/`last` argument multiplies
 * the cost of its selection by the page size it will return (the argument,
 * or the default page size), so nested pages multiply: `formations(first:
 * 100) { cells(first: 1000) { ... } }` costs 100 × 1000 × its selection.
 * The lists inside a page (`edges`, `events`) are already counted by that
 * multiplier; other lists count `listFactor` items.
 */
function pagedEstimator(options: CostLimitOptions): ComplexityEstimator {
  const listFactor = options.listFactor ?? 10;
  return ({ field, args, childComplexity, type }) => {
    const paged = field.args.some((arg) => arg.name === 'first' || arg.name === 'last');
    if (paged) {
      const size = Number(args['first'] ?? args['last'] ?? options.defaultPageSize);
      return 1 + childComplexity * Math.min(options.maxPageSize, Math.max(1, Number.isFinite(size) ? size : options.defaultPageSize));
    }
    const parentIsPage = /Connection$|Page$/.test(getNamedType(type).name);
    if (isListType(getNullableType(field.type)) && !parentIsPage) return 1 + childComplexity * listFactor;
    return 1 + childComplexity;
  };
}

/**
 * The cost depends on the variables (`first: $n`), so it is computed when
 * the operation is about to execute, not during validation: yoga caches
 * validation results per document, and a cached verdict would apply one
 * request's variables to the next.
 */
export function useCostLimit(options: CostLimitOptions, metrics: Metrics): Plugin {
  const estimators = [pagedEstimator(options)];
  const check = (args: ExecutionArgs): GraphQLError | undefined => {
    let cost: number;
    try {
      cost = getComplexity({
        schema: args.schema,
        query: args.document,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ...(args.operationName ? { operationName: args.operationName } : {}),
        estimators,
      });
    } catch (error) {
      // Bad variables are reported by execution itself, with its own message.
      if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) cost = Infinity;
      else return undefined;
    }
    if (cost <= options.maxCost) return undefined;
    metrics.limitRejections.inc({ limit: 'cost' });
    return limitError('cost', `Query cost ${Number.isFinite(cost) ? cost : 'beyond counting'} exceeds the limit of ${options.maxCost}.`, {
      max: options.maxCost,
      ...(Number.isFinite(cost) ? { cost } : {}),
    });
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}
