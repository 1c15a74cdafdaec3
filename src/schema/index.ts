import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './cell.js';
import './formation.js';
import './projectionStatus.js';
import './streamEvents.js';
import './subscriptions.js';
import './timeline.js';

let schema: GraphQLSchema | undefined;

/** The executable schema, built once from the Pothos types. */
export function buildSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** SDL as checked in to schema.graphql: sorted, so the diff of a change is the change. */
export function printCellgraphSchema(): string {
  return `${printSchema(lexicographicSortSchema(buildSchema()))}\n`;
}
