import { BREAK, type DocumentNode, getOperationAST, visit } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes queries with graphql-jit: each document is compiled once (yoga's
 * parser cache hands back the same DocumentNode for the same text) into a
 * function that resolves and serialises the selection without graphql-js's
 * generic walk. See BENCHMARKS.md for what it buys.
 *
 * Same answers as graphql-js, errors included: a result with errors is
 * thrown away and the operation is executed again by graphql-js, whose
 * errors carry `locations` (graphql-jit's do not). Resolvers are pure
 * reads of the projection, so running them twice on the rare error path is
 * harmless; documents that pass `minSeq` (which may wait) are never
 * compiled, so a wait is never done twice. Subscriptions and mutations are
 * left to graphql-js.
 */
export function useJitQueries(): Plugin {
  const compiled = new WeakMap<DocumentNode, CompiledQuery | null>();
  const compile = (
    schema: Parameters<typeof compileQuery>[0],
    document: DocumentNode,
    operationName: string | undefined,
  ) => {
    let entry = compiled.get(document);
    if (entry !== undefined) return entry;
    entry = null;
    if (getOperationAST(document, operationName)?.operation === 'query' && !mentionsArgument(document, 'minSeq')) {
      const result = compileQuery(schema, document, operationName);
      if (isCompiledQuery(result)) entry = result;
    }
    compiled.set(document, entry);
    return entry;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compile(args.schema, args.document, args.operationName ?? undefined);
      if (!query) return;
      setExecuteFn(async (execArgs) => {
        const result = await query.query(execArgs.rootValue, execArgs.contextValue, execArgs.variableValues);
        return result.errors?.length ? executeFn(execArgs) : result;
      });
    },
  };
}

function mentionsArgument(document: DocumentNode, name: string): boolean {
  let found = false;
  visit(document, {
    Argument(node) {
      if (node.name.value === name) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
