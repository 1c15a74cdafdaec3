import { z } from 'zod';

/**
 * The zod schemas are the single source of the event types: the TypeScript
 * types below are inferred from them, never written by hand.
 */

/**
 * The patterns behind the string formats below: zod's own RFC 3339 (with
 * offset) and UUID patterns, exported so the decoder's fast path tests the
 * same strings without reaching into a schema's internals.
 */
export const TIME_PATTERN = z.regexes.datetime({ offset: true });
export const UUID_PATTERN = z.regexes.uuid();

const TIME_MESSAGE = 'time must be an RFC 3339 timestamp';
export const eventTimeSchema = z.string({ error: TIME_MESSAGE }).regex(TIME_PATTERN, TIME_MESSAGE);

// CloudEvents 1.0, structured JSON mode. Unknown attributes are extension
// attributes: kept (looseObject), never required.
/** `application/json`, with parameters such as `; charset=utf-8`. */
export const JSON_CONTENT_TYPE = /^application\/json\s*(;.*)?$/i;

export const cloudEventSchema = z.looseObject({
  specversion: z.literal('1.0', { error: 'specversion must be "1.0"' }),
  id: z.string().min(1, 'id must be a non-empty string'),
  source: z.string().min(1, 'source must be a non-empty string'),
  type: z.string().min(1, 'type must be a non-empty string'),
  time: eventTimeSchema.optional(),
  // The data is read as JSON, so a body that declares another content type can't be trusted as JSON.
  datacontenttype: z
    .string()
    .regex(JSON_CONTENT_TYPE, 'datacontenttype must be application/json when present')
    .optional(),
  subject: z.string().optional(),
  data: z.unknown().optional(),
});
export type CloudEvent = z.infer<typeof cloudEventSchema>;

// Built from the exported pattern (same message as z.uuid()), so the fast path cannot drift from it.
const uuid = z.string().regex(UUID_PATTERN, 'Invalid UUID');
const int32 = z.int32();

// Correlation travels in `data.correlation` or as an extension attribute.
export const correlationSchema = z.looseObject({
  formationId: uuid.optional(),
  tenantId: z.string().optional(),
});

// Fields every cell event may carry. Only cellId is required (the contract's
// "required rules"); every optional field that breaks its rule is dropped by
// the decoder, as if absent, rather than costing the event.
const cellBase = {
  cellId: z.string().min(1, 'cellId must be a non-empty string'),
  specId: z.string().min(1, 'specId must be a non-empty string').optional(),
  runId: z.string().min(1, 'runId must be a non-empty string').optional(),
  formationId: uuid.optional(),
  tenantId: z.string().optional(),
  correlation: correlationSchema.optional(),
};

export const cellStartedDataSchema = z.looseObject(cellBase);
export const cellCommandCompletedDataSchema = z.looseObject({
  ...cellBase,
  exitCode: int32,
  argv: z.array(z.string()).optional(),
  durationMs: z.number().nonnegative().optional(),
  spawnError: z.string().optional(),
});
export const cellDestroyedDataSchema = z.looseObject({
  ...cellBase,
  outcome: z.enum(['succeeded', 'failed']),
  terminalState: z.enum(['clean', 'forced']).optional(),
  reason: z.string().optional(),
});
export const cellFailedDataSchema = z.looseObject({ ...cellBase, reason: z.string().optional() });
// Observability, export, identity, ... events: only the cell link matters.
export const cellOtherDataSchema = z.looseObject({ ...cellBase, cellId: cellBase.cellId.optional() });

export const formationDataSchema = z
  .looseObject({
    formationId: uuid.optional(),
    // decided: `id` is accepted as an alias of `formationId`
    id: uuid.optional(),
    name: z.string().optional(),
    document: z.record(z.string(), z.unknown()).optional(),
    reason: z.string().optional(),
  })
  .refine((d) => d.formationId !== undefined || d.id !== undefined, { message: 'formationId (or id) is required' });

export type CorrelationData = z.infer<typeof correlationSchema>;
export type CellStartedData = z.infer<typeof cellStartedDataSchema>;
export type CellCommandCompletedData = z.infer<typeof cellCommandCompletedDataSchema>;
export type CellDestroyedData = z.infer<typeof cellDestroyedDataSchema>;
export type CellFailedData = z.infer<typeof cellFailedDataSchema>;
export type CellOtherData = z.infer<typeof cellOtherDataSchema>;
export type FormationData = z.infer<typeof formationDataSchema>;
