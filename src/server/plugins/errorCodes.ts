import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Every error a client can expect carries `extensions.code`. Resolver errors
 * set their own; validation errors (unknown enum value, bad scalar, unknown
 * field) come from graphql-js without one, so they get GRAPHQL_VALIDATION_FAILED
 * here, and a syntax error GRAPHQL_PARSE_FAILED (the codes Apollo and yoga
 * clients already know).
 */
export function useErrorCodes(): Plugin {
  const tag = (errors: readonly GraphQLError[], code: string) => {
    for (const error of errors) {
      if (error.extensions?.['code'] === undefined) {
        (error as { extensions: Record<string, unknown> }).extensions = { ...error.extensions, code };
      }
    }
  };
  // Variables are coerced at execution, not validation: a bad enum, UUID, Seq
  // or DateTime in `variables` fails there, before any resolver, with no data.
  // So does an operation type the schema lacks (`mutation`), with data: null.
  // Both are request-level: no path. Subscriptions fail the same way.
  const tagVariableErrors = ({ result }: { result: unknown }) => {
    if (result && typeof result === 'object' && !(Symbol.asyncIterator in result) && 'errors' in result) {
      const errors = (result as { errors?: readonly GraphQLError[] }).errors ?? [];
      tag(
        errors.filter((error) => !error.path),
        'GRAPHQL_VALIDATION_FAILED',
      );
    }
  };
  return {
    onExecute: () => ({ onExecuteDone: tagVariableErrors }),
    onSubscribe: () => ({ onSubscribeResult: tagVariableErrors }),
    onValidate() {
      return ({ result }) => tag(result as readonly GraphQLError[], 'GRAPHQL_VALIDATION_FAILED');
    },
    onParse() {
      return ({ result }) => {
        if (result instanceof Error && 'extensions' in result) tag([result as GraphQLError], 'GRAPHQL_PARSE_FAILED');
      };
    },
  };
}
