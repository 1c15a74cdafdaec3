import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { AppContext } from './context.js';
import { DateTimeScalar, JSONScalar, SeqScalar, UUIDScalar } from './scalars.js';

/** The one Pothos builder: plugins and scalars are configured here, once. */
export const builder = new SchemaBuilder<{
  Context: AppContext;
  Scalars: {
    Seq: { Input: number; Output: number };
    DateTime: { Input: string; Output: string };
    UUID: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  // What every connection resolver returns besides edges and pageInfo (declared as fields in connection.ts).
  Connection: {
    /** Projection seq (highest applied) the page was read at. */
    seq: number;
    /** Counted only when the field is selected: it can cost a pass over the projection. */
    totalCount: () => number;
  };
}>({
  plugins: [RelayPlugin],
  // Output fields are non-null unless they say otherwise: null is a meaningful answer here, not a default.
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.addScalarType('Seq', SeqScalar);
builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('UUID', UUIDScalar);
builder.addScalarType('JSON', JSONScalar);

builder.queryType({ description: 'Reads over the in-memory projection of the CellOS event log.' });
