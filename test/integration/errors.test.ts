import { beforeAll, describe, expect, it } from 'vitest';
import {
  CellCountsAtDocument,
  CellDocument,
  CellsPageDocument,
  FormationDocument,
  FormationsDocument,
  ProjectionSeqDocument,
  StreamEventsDocument,
} from '../generated/graphql.js';
import { type GraphQLResponse, startTestCellgraph, type TestCellgraph, waitReady } from '../support/cellgraph.js';
import { codesOf, rawRequest } from '../support/http.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';

/** Bad arguments: a GraphQL error with a stable extensions.code, never an HTTP 500. */

const nats = useNats();
let app: TestCellgraph;
let lastSeq = 0;

beforeAll(async () => {
  const seqs = await publishAll(nats.url, [
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'c1', specId: 's' }),
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'c2', specId: 's' }),
  ]);
  lastSeq = seqs.at(-1)!;
  app = await startTestCellgraph(nats.url, { CELLGRAPH_MIN_SEQ_WAIT_MS: '200' });
  await waitReady(app);
  return () => app.stop();
});

function expectCode(result: { status: number; body: GraphQLResponse<unknown> }, code: string) {
  expect(result.status).not.toBe(500);
  expect(result.status).toBeLessThan(500);
  expect(result.body.errors?.length).toBeGreaterThan(0);
  expect(codesOf(result.body)).toContain(code);
}

describe('bad arguments', () => {
  it('an unknown enum value in a literal is GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await rawRequest(app.url, '{ cells(filter: { state: EXPLODED }) { totalCount } }');
    expectCode(result, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('an unknown enum value in a variable is GRAPHQL_VALIDATION_FAILED', async () => {
    const result = await app.request(CellsPageDocument, { filter: { state: 'EXPLODED' as never } });
    expectCode(result, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('the lowercase spelling of a state is not a GraphQL enum value', async () => {
    const result = await app.request(CellsPageDocument, { filter: { states: ['running' as never] } });
    expectCode(result, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('an unknown field is GRAPHQL_VALIDATION_FAILED and a syntax error GRAPHQL_PARSE_FAILED', async () => {
    expectCode(await rawRequest(app.url, '{ cells { nope } }'), 'GRAPHQL_VALIDATION_FAILED');
    expectCode(await rawRequest(app.url, '{ cells { '), 'GRAPHQL_PARSE_FAILED');
  });

  it.each([
    'not-a-cursor!',
    'W10',
    Buffer.from('["FIRST_SEEN:ASC", 1]').toString('base64url'),
    Buffer.from('{"a":1}').toString('base64url'),
  ])('a malformed page cursor %s is BAD_CURSOR', async (after) => {
    expectCode(await app.request(CellsPageDocument, { first: 1, after }), 'BAD_CURSOR');
  });

  it('a cursor of another order is BAD_CURSOR', async () => {
    const page = await app.query(CellsPageDocument, { first: 1, orderBy: { field: 'ID', direction: 'ASC' } });
    const after = page.cells.pageInfo.endCursor!;
    expectCode(await app.request(CellsPageDocument, { first: 1, after }), 'BAD_CURSOR');
    expectCode(
      await app.request(CellsPageDocument, { last: 1, before: after, orderBy: { field: 'ID', direction: 'DESC' } }),
      'BAD_CURSOR',
    );
    expectCode(await app.request(FormationsDocument, { first: 1, after }), 'BAD_CURSOR');
  });

  it('first: 1001 is LIMIT_EXCEEDED, with the limit in extensions', async () => {
    const result = await app.request(CellsPageDocument, { first: 1001 });
    expectCode(result, 'LIMIT_EXCEEDED');
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ limit: 'pageSize', max: 1000 });
    expectCode(await app.request(CellsPageDocument, { last: 5000 }), 'LIMIT_EXCEEDED');
    expectCode(await app.request(StreamEventsDocument, { after: 0, first: 1001 }), 'LIMIT_EXCEEDED');
    expectCode(await app.request(FormationsDocument, { first: 1001 }), 'LIMIT_EXCEEDED');
  });

  it('first: 1000 is allowed', async () => {
    const result = await app.request(CellsPageDocument, { first: 1000 });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.cells.edges).toHaveLength(2);
  });

  it('first and last together, or a negative size, is BAD_ARGUMENT', async () => {
    expectCode(await app.request(CellsPageDocument, { first: 1, last: 1 }), 'BAD_ARGUMENT');
    expectCode(await app.request(CellsPageDocument, { first: -1 }), 'BAD_ARGUMENT');
    expectCode(await app.request(StreamEventsDocument, { after: 0, first: -1 }), 'BAD_ARGUMENT');
  });

  it('an empty cell id is BAD_ARGUMENT', async () => {
    expectCode(await app.request(CellDocument, { id: '' }), 'BAD_ARGUMENT');
  });

  it('contradicting state and states, or a reversed time range, is BAD_FILTER', async () => {
    expectCode(
      await app.request(CellsPageDocument, { filter: { state: 'RUNNING', states: ['PENDING'] } }),
      'BAD_FILTER',
    );
    expectCode(
      await app.request(CellsPageDocument, {
        filter: { startedAt: { from: '2026-11-28T13:00:00Z', to: '2026-11-28T12:00:00Z' } },
      }),
      'BAD_FILTER',
    );
  });

  it.each(['not-a-uuid', '1234', ''])('a bad UUID %j is GRAPHQL_VALIDATION_FAILED', async (id) => {
    expectCode(await app.request(FormationDocument, { id }), 'GRAPHQL_VALIDATION_FAILED');
    expectCode(await app.request(CellsPageDocument, { filter: { formationId: id } }), 'GRAPHQL_VALIDATION_FAILED');
  });

  it('a bad DateTime is GRAPHQL_VALIDATION_FAILED', async () => {
    expectCode(
      await app.request(CellsPageDocument, { filter: { startedAt: { from: 'yesterday' } } }),
      'GRAPHQL_VALIDATION_FAILED',
    );
  });

  it.each([-1, 1.5, 'abc', '-3', 2 ** 53, '99999999999999999'])(
    'a bad Seq %j is GRAPHQL_VALIDATION_FAILED',
    async (seq) => {
      expectCode(
        await app.request(StreamEventsDocument, { after: seq as never, first: 1 }),
        'GRAPHQL_VALIDATION_FAILED',
      );
      expectCode(await app.request(CellsPageDocument, { minSeq: seq as never }), 'GRAPHQL_VALIDATION_FAILED');
    },
  );

  it('a bad Seq literal is GRAPHQL_VALIDATION_FAILED', async () => {
    expectCode(await rawRequest(app.url, '{ events(after: -1) { seq } }'), 'GRAPHQL_VALIDATION_FAILED');
    expectCode(await rawRequest(app.url, '{ events(after: 1.5) { seq } }'), 'GRAPHQL_VALIDATION_FAILED');
  });

  it('a Seq as a decimal string is accepted', async () => {
    const result = await app.request(StreamEventsDocument, { after: '1' as never, first: 10 });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.events.events.map((e) => e.seq)).toEqual([lastSeq]);
  });

  it('minSeq far ahead is CURSOR_AHEAD after the configured wait, with the cursor in extensions', async () => {
    const started = Date.now();
    const result = await app.request(CellsPageDocument, { minSeq: lastSeq + 1_000_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expectCode(result, 'CURSOR_AHEAD');
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ seq: lastSeq, minSeq: lastSeq + 1_000_000 });
    for (const r of [
      await app.request(CellDocument, { id: 'c1', minSeq: lastSeq + 10 }),
      await app.request(ProjectionSeqDocument, { minSeq: lastSeq + 10 }),
      await app.request(CellCountsAtDocument, { minSeq: lastSeq + 10 }),
    ]) {
      expectCode(r, 'CURSOR_AHEAD');
    }
  });

  it('minSeq reached answers at once', async () => {
    const result = await app.request(CellDocument, { id: 'c1', minSeq: lastSeq });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data?.cell?.id).toBe('c1');
  });

  it('every error is answered as JSON with status below 500 even for a non-JSON body', async () => {
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '{not json',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });
});

describe('GraphiQL', () => {
  it('GET /graphql from a browser returns the GraphiQL page', async () => {
    const response = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain('cellgraph');
  });

  it('GET /graphql with a query still answers JSON', async () => {
    // A GET needs a header a browser would preflight (CSRF prevention): yoga's, as its clients send.
    const response = await fetch(`${app.url}/graphql?query=${encodeURIComponent('{ projection { seq } }')}`, {
      headers: { accept: 'application/graphql-response+json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { projection: { seq: lastSeq } } });
  });
});
