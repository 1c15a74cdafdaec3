import { beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../../src/simulator/generator.js';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { connectWs, rawWs, runWs } from '../support/ws.js';

const nats = useNats({ stream: false });
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url);
  await app.source.whenReady();
  return () => app.stop();
});

const random = prng(4242);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const VALID = [
  'query Cells($first: Int, $filter: CellFilter, $after: String) { cells(first: $first, filter: $filter, after: $after) { totalCount edges { cursor node { id state exitCode formation { id name } } } pageInfo { hasNextPage endCursor } } }',
  'query One($id: String!, $minSeq: Seq) { cell(id: $id, minSeq: $minSeq) { id state specId durationMs } }',
  'query Counts($filter: CellFilter) { cellCounts(filter: $filter) { total running destroyed failed } }',
  'query Events($after: Seq!, $first: Int!, $types: [String!]) { events(after: $after, first: $first, types: $types) { seq hasMore events { seq type problem } } }',
  'query Formations($filter: FormationFilter) { formations(filter: $filter) { edges { node { id status cells(first: 5) { totalCount } } } } }',
  'query Status { projection(minSeq: 0) { seq lag ready recentRejections { seq reason } } }',
  'subscription Live($filter: CellFilter, $after: Seq) { cells(filter: $filter, after: $after, include: SNAPSHOT) { kind seq cell { id } } }',
];
const VOCABULARY = [
  '{',
  '}',
  '(',
  ')',
  '[',
  ']',
  ':',
  '$',
  '!',
  '=',
  '@',
  '...',
  '|',
  '&',
  'query',
  'mutation',
  'subscription',
  'fragment',
  'on',
  'cells',
  'cell',
  'projection',
  'events',
  'edges',
  'node',
  'id',
  '__typename',
  '__schema',
  '__type',
  'first',
  'after',
  'filter',
  'Int',
  'String',
  'Seq',
  '"str"',
  '"""block"""',
  '"\\u0000"',
  '1e309',
  '-0',
  '9007199254740993',
  'true',
  'null',
  '#',
  '\n',
  '\u2028',
  '\uFEFF',
  '\u00e9',
  '\ud83d\ude80',
  '\\',
  '"',
  "'",
  ',',
];
const HOSTILE_VALUES: unknown[] = [
  null,
  -1,
  0,
  2 ** 31,
  2 ** 53 + 2,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1.5,
  'NaN',
  '',
  'x'.repeat(5_000),
  '9'.repeat(400),
  true,
  [],
  [null],
  {},
  { state: 'EXPLODED' },
  { states: [1, 2] },
  { startedAt: { from: 'yesterday' } },
  { formationId: 'not-a-uuid' },
  { ids: 'abc' },
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { nested: { a: { b: { c: { d: [1, [2, [3, [4]]]] } } } } },
  '\u0000\u0001',
];

function fuzzDocument(): string {
  const roll = random();
  if (roll < 0.25) {
    const valid = pick(VALID);
    return valid.slice(0, int(valid.length));
  }
  if (roll < 0.5) return Array.from({ length: 1 + int(60) }, () => pick(VOCABULARY)).join(pick([' ', '', '\t']));
  if (roll < 0.6) return Array.from({ length: int(300) }, () => String.fromCharCode(int(0x3000))).join('');
  if (roll < 0.7) {
    const valid = pick(VALID).split('');
    for (let i = 0; i < 3; i++) valid.splice(int(valid.length), 1, pick(VOCABULARY));
    return valid.join('');
  }
  if (roll < 0.75)
    return `{ ${'cells { edges { node { formation { cells { edges { node { '.repeat(1 + int(20))} id ${'} } } } } } } '.repeat(1 + int(20))}`;
  if (roll < 0.8) return `{ ${Array.from({ length: 1 + int(200) }, (_, i) => `a${i}: projection { seq }`).join(' ')} }`;
  if (roll < 0.85)
    return `query Q(${Array.from({ length: 1 + int(10) }, (_, i) => `$v${i}: ${pick(['Int', 'String!', 'Seq', 'CellFilter', '[Int!]!', 'Nope'])}`).join(', ')}) { projection { seq } }`;
  return pick(VALID);
}

function fuzzVariables(): unknown {
  const roll = random();
  if (roll < 0.1) return pick(['a string', 42, [1, 2], true]);
  if (roll < 0.2) return null;
  const variables: Record<string, unknown> = {};
  for (const name of ['first', 'after', 'filter', 'id', 'minSeq', 'types', 'v0', 'v1']) {
    if (random() < 0.5) variables[name] = pick(HOSTILE_VALUES);
  }
  return variables;
}

interface WireError {
  message?: unknown;
  extensions?: { code?: unknown };
}

function expectWellFormedErrors(errors: unknown, context: string): void {
  expect(Array.isArray(errors), context).toBe(true);
  for (const error of errors as WireError[]) {
    expect(typeof error.message, context).toBe('string');
    expect(typeof error.extensions?.code, `${context}: ${JSON.stringify(error)}`).toBe('string');
    expect(JSON.stringify(error), context).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\//);
  }
}

describe('malformed GraphQL', () => {
  it('over HTTP: always a well-formed GraphQL answer, never a 500', async () => {
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1_500; i++) {
      const roll = random();
      let body: string;
      if (roll < 0.05)
        body = pick([
          '',
          '{',
          'null',
          '[]',
          '[{"query":"{ __typename }"}]',
          '"query"',
          '{"query": 42}',
          '{"query": null}',
          '{"query": {"a": 1}}',
          '{"query": "{ __typename }", "operationName": 7}',
          '{"query": "{ __typename }", "extensions": "x"}',
        ]);
      else
        body = JSON.stringify({
          query: fuzzDocument(),
          variables: fuzzVariables(),
          ...(random() < 0.1 ? { operationName: pick(['Nope', '', 'Cells', 42]) } : {}),
        });
      const sse = random() < 0.1;
      const controller = new AbortController();
      const response = await fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: sse ? 'text/event-stream' : pick(['application/json', 'application/graphql-response+json']),
        },
        body,
        signal: controller.signal,
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const context = `#${i} ${response.status} ${body.slice(0, 300)}`;
      expect(response.status, context).toBeLessThan(500);
      if (response.headers.get('content-type')?.includes('text/event-stream')) {
        // An accepted subscription stays open: read its first event, then hang up.
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        while (!/data: .*\n/.test(text)) {
          const { value, done } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
        controller.abort();
        const first = /data: (.*)\n/.exec(text);
        if (first) {
          const payload = JSON.parse(first[1]!) as { errors?: unknown; data?: unknown };
          if (payload.errors) expectWellFormedErrors(payload.errors, context);
        }
        continue;
      }
      const text = await response.text();
      let answer: { errors?: unknown; data?: unknown };
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        throw new Error(
          `${context}: not JSON: ${JSON.stringify(text.slice(0, 200))} ${JSON.stringify([...response.headers])}`,
        );
      }
      if (answer.errors !== undefined) expectWellFormedErrors(answer.errors, context);
      else expect(answer.data, context).toBeTruthy();
    }
    expect(statuses.get(500)).toBeUndefined();
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  }, 240_000); // 1,500 sequential requests: minutes, not seconds, when the 2 cores are shared

  it('over WebSocket: an error message per operation, the socket stays open', async () => {
    const ws = connectWs(app.url);
    await ws.connected;
    // The client itself closes normally (1000) now and then after releasing an operation and
    // reconnects; any other code would be the server giving up on the socket.
    const serverCloses: number[] = [];
    ws.client.on('closed', (event) => {
      const code = (event as { code: number }).code;
      if (code !== 1000) serverCloses.push(code);
    });
    for (let i = 0; i < 600; i++) {
      const query = fuzzDocument();
      const variables = fuzzVariables();
      const safeVariables =
        variables !== null && typeof variables === 'object' && !Array.isArray(variables)
          ? (variables as Record<string, unknown>)
          : undefined;
      const { results, error } = await runWs(ws.client, query, safeVariables, 1);
      const context = `#${i} ${query.slice(0, 300)} ${JSON.stringify(safeVariables)?.slice(0, 200)}`;
      if (error !== undefined) expectWellFormedErrors(error, context);
      for (const result of results) if (result.errors) expectWellFormedErrors(result.errors, context);
      expect(serverCloses, context).toEqual([]);
    }
    await ws.dispose();
  });

  it('over WebSocket: protocol-level garbage closes that socket with 4400 and nothing else', async () => {
    for (const message of [
      'not json',
      '{}',
      '{"type":"subscribe"}',
      '{"type":"subscribe","id":"1","payload":{"query":42}}',
      '{"type":"subscribe","id":"1","payload":{"query":"{ __typename }","variables":"x"}}',
      '{"type":"nope"}',
      '[]',
      'null',
    ]) {
      const raw = await rawWs(app.url);
      raw.socket.send(JSON.stringify({ type: 'connection_init' }));
      raw.socket.send(message);
      expect([4400, 4401], message).toContain(await raw.closed);
    }
    const ws = connectWs(app.url);
    await ws.connected;
    expect((await runWs<{ __typename: string }>(ws.client, '{ __typename }')).results[0]!.data!.__typename).toBe(
      'Query',
    );
    await ws.dispose();
  });
});
