import { GraphQLError } from 'graphql';

/**
 * Stable `extensions.code` values: clients branch on these, so they are part
 * of the API and never change meaning.
 */
export const ErrorCode = {
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  BAD_FILTER: 'BAD_FILTER',
  BAD_CURSOR: 'BAD_CURSOR',
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  CURSOR_AHEAD: 'CURSOR_AHEAD',
  STREAM_UNAVAILABLE: 'STREAM_UNAVAILABLE',
  LAGGED: 'LAGGED',
  STREAM_RESET: 'STREAM_RESET',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** A valid credential that grants nothing here (no tenant, no admin scope), or an admin-only field. */
  FORBIDDEN: 'FORBIDDEN',
  /** Trusted documents on: the hash sent is not in the manifest (an APQ client then sends the text, checked in turn). */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Trusted documents on: the document's text is not in the manifest and the caller may not bypass it. */
  OPERATION_NOT_TRUSTED: 'OPERATION_NOT_TRUSTED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Which limit a LIMIT_EXCEEDED error is about (`extensions.limit`): part of the API too. */
export type LimitName =
  | 'depth'
  | 'cost'
  | 'aliases'
  | 'directives'
  | 'tokens'
  | 'documentSize'
  | 'pageSize'
  | 'subscriptionsPerConnection'
  | 'subscriptions';

export function limitError(limit: LimitName, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return apiError(ErrorCode.LIMIT_EXCEEDED, message, { limit, ...extensions });
}

export function apiError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}
