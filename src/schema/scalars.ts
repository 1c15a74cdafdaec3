import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { JSONResolver, UUIDResolver } from 'graphql-scalars';
import { z } from 'zod';

const SEQ_MAX = Number.MAX_SAFE_INTEGER;

// A GraphQLError, not a TypeError: yoga masks any other error as "Unexpected
// error." (INTERNAL_SERVER_ERROR), and a bad input is the client's mistake.
const invalid = (message: string) => new GraphQLError(message);

function toSeq(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > SEQ_MAX) {
    throw invalid(
      `Seq must be a non-negative integer up to ${SEQ_MAX} (number or decimal string), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/**
 * A JetStream stream sequence. Stream sequences are uint64 and pass 2^31
 * quickly, so GraphQL Int cannot carry them. Serialized as a JSON number
 * (exact up to 2^53-1); accepted as a number or a decimal string.
 */
export const SeqScalar = new GraphQLScalarType<number, number>({
  name: 'Seq',
  description:
    'A JetStream stream sequence number: the position and version of everything. A JSON number, exact up to 2^53-1; input also accepts a decimal string.',
  serialize: toSeq,
  parseValue: toSeq,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING)
      return toSeq(ast.kind === Kind.INT ? Number(ast.value) : ast.value);
    throw invalid('Seq must be an integer or a decimal string literal');
  },
});

const rfc3339 = z.iso.datetime({ offset: true });

function toDateTime(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && rfc3339.safeParse(value).success) return value;
  throw invalid(`DateTime must be an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
}

/**
 * RFC 3339 timestamp. Event times are served exactly as CellOS wrote them
 * (nanosecond precision survives), unlike a Date-based scalar.
 */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description:
    'An RFC 3339 timestamp such as 2026-11-28T15:37:14.123456789Z, served with the precision the event carried.',
  serialize: toDateTime,
  parseValue: toDateTime,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.STRING) return toDateTime(ast.value);
    throw invalid('DateTime must be a string literal');
  },
});

export { JSONResolver as JSONScalar, UUIDResolver as UUIDScalar };
