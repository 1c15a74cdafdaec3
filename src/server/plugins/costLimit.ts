import {
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  GraphQLError,
  getNamedType,
  getNullableType,
  isListType,
  visit,
} from 'graphql';
import { type ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import type { Plugin } from 'graphql-yoga';
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
    // Introspection is bounded by the depth and document limits instead: GraphiQL's own introspection
    // query costs ~52,000 by the list factor, and its Docs explorer and autocomplete depend on it.
    if (field.name === '__schema' || field.name === '__type') return 0;
    const paged = field.args.some((arg) => arg.name === 'first' || arg.name === 'last');
    if (paged) {
      const size = Number(args['first'] ?? args['last'] ?? options.defaultPageSize);
      return (
        1 +
        childComplexity *
          Math.min(options.maxPageSize, Math.max(1, Number.isFinite(size) ? size : options.defaultPageSize))
      );
    }
    const parentIsPage = /Connection$|Page$/.test(getNamedType(type).name);
    if (isListType(getNullableType(field.type)) && !parentIsPage) return 1 + childComplexity * listFactor;
    return 1 + childComplexity;
  };
}

/**
 * Whether the cost of `document` may depend on its variables: a variable in
 * a page size (`first`/`last`, the only arguments the estimator reads) or in
 * a directive (`@include(if: $x)` / `@skip` decide what is counted).
 */
function costDependsOnVariables(document: DocumentNode): boolean {
  let depends = false;
  const hasVariable = (node: object): boolean => {
    let found = false;
    visit(node as DocumentNode, {
      Variable() {
        found = true;
        return BREAK;
      },
    });
    return found;
  };
  visit(document, {
    Argument(node) {
      if ((node.name.value === 'first' || node.name.value === 'last') && hasVariable(node)) {
        depends = true;
        return BREAK;
      }
      return undefined;
    },
    Directive(node) {
      if (hasVariable(node)) {
        depends = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return depends;
}

/**
 * The cost depends on the variables (`first: $n`), so it is computed when
 * the operation is about to execute, not during validation: yoga caches
 * validation results per document, and a cached verdict would apply one
 * request's variables to the next.
 *
 * A document whose cost cannot depend on its variables (no variable in a
 * page size or a directive, which is most of them: `cell(id: $id)`) is
 * costed once: a verdict within the limit is remembered per (document,
 * operation name), yoga's parser cache handing back the same DocumentNode
 * for the same text. A verdict over the limit is never remembered, so the
 * rejection (and its metric) are produced exactly as before, and bad
 * variables are still left to execution, which reports them.
 */
export function useCostLimit(options: CostLimitOptions, metrics: Metrics): Plugin {
  const estimators = [pagedEstimator(options)];
  /** Per document: null when its cost depends on variables; else the operation names known to be within the limit. */
  const withinLimit = new WeakMap<DocumentNode, Set<string> | null>();
  const check = (args: ExecutionArgs): GraphQLError | undefined => {
    let known = withinLimit.get(args.document);
    if (known === undefined) {
      known = costDependsOnVariables(args.document) ? null : new Set();
      withinLimit.set(args.document, known);
    }
    const operationKey = args.operationName ?? '';
    if (known?.has(operationKey)) return undefined;
    const cost = costOf(args);
    // Bad variables are reported by execution itself, with its own message.
    if (cost === undefined) return undefined;
    if (cost <= options.maxCost) {
      known?.add(operationKey);
      return undefined;
    }
    metrics.limitRejections.inc({ limit: 'cost' });
    return limitError(
      'cost',
      `Query cost ${Number.isFinite(cost) ? cost : 'beyond counting'} exceeds the limit of ${options.maxCost}.`,
      {
        max: options.maxCost,
        ...(Number.isFinite(cost) ? { cost } : {}),
      },
    );
  };
  /** The operation's cost; Infinity when too big to count; undefined when the variables are bad. */
  const costOf = (args: ExecutionArgs): number | undefined => {
    try {
      return getComplexity({
        schema: args.schema,
        query: args.document,
        variables: (args.variableValues ?? {}) as Record<string, unknown>,
        ...(args.operationName ? { operationName: args.operationName } : {}),
        estimators,
      });
    } catch (error) {
      if (error instanceof GraphQLError && /maximum allowed number of nodes/.test(error.message)) return Infinity;
      return undefined;
    }
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
