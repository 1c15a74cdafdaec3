import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { decodeEvent } from '../../src/events/decode.js';
import { CursorClock } from '../../src/live/cursorClock.js';
import { Projection } from '../../src/projection/projection.js';
import type { AppContext } from '../../src/schema/context.js';
import { Metrics } from '../../src/server/metrics.js';
import { createCellgraphYoga } from '../../src/server/yoga.js';
import { takeEvents } from '../../src/simulator/generator.js';
import { EventReader } from '../../src/source/eventReader.js';
import { ReplayProgress } from '../../src/source/replayProgress.js';

/** The cost verdict is remembered per document only when variables cannot change it: repeated documents must keep their verdicts. */
function yogaWithCostLimit() {
  const projection = new Projection();
  takeEvents(500, { seed: 4 }).forEach(({ event }, i) => {
    projection.apply(i + 1, decodeEvent(JSON.stringify(event)));
  });
  const progress = new ReplayProgress();
  const sourceStatus = () => ({
    connected: true,
    streamLastSeq: projection.cursor,
    ready: true,
    replay: progress.snapshot(projection.cursor, 0),
    lastError: null,
  });
  const context = {
    config: loadConfig({ CELLGRAPH_MAX_COST: '100', CELLGRAPH_DEFAULT_PAGE_SIZE: '10', CELLGRAPH_MAX_PAGE_SIZE: '50' }),
    projection,
    clock: new CursorClock(projection.cursor),
    sourceStatus,
    streamName: 'CELLOS_EVENTS',
    events: new EventReader({ clients: undefined }, 'CELLOS_EVENTS'),
  } as unknown as AppContext;
  const metrics = new Metrics({ projection, sourceStatus });
  const yoga = createCellgraphYoga({ context, metrics });
  const ask = async (query: string, variables?: Record<string, unknown>, operationName?: string) => {
    const response = await yoga.fetch('http://cellgraph/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query, variables, operationName }),
    });
    const body = (await response.json()) as { errors?: { extensions?: Record<string, unknown> }[] };
    return body.errors?.[0]?.extensions?.['limit'] ?? body.errors?.[0]?.extensions?.['code'] ?? 'ok';
  };
  return { ask, metrics };
}

describe('cost limit verdict cache', () => {
  it('re-costs documents whose page size or directives take variables, every time', async () => {
    const { ask } = yogaWithCostLimit();
    const paged = 'query Page($n: Int) { cells(first: $n) { edges { node { id } } } }';
    for (let round = 0; round < 3; round++) {
      expect(await ask(paged, { n: 33 })).toBe('ok');
      expect(await ask(paged, { n: 34 })).toBe('cost');
    }
    const fragment = 'query Page($n: Int) { ...F } fragment F on Query { cells(last: $n) { edges { node { id } } } }';
    expect(await ask(fragment, { n: 5 })).toBe('ok');
    expect(await ask(fragment, { n: 40 })).toBe('cost');
    const directive =
      'query D($big: Boolean!) { cells(first: 30) { edges { node { id } } } more: cells(first: 30) @include(if: $big) { edges { node { id } } } }';
    expect(await ask(directive, { big: false })).toBe('ok');
    expect(await ask(directive, { big: true })).toBe('cost');
    expect(await ask(directive, { big: false })).toBe('ok');
  });

  it('remembers only verdicts within the limit, per operation name; bad variables stay execution errors', async () => {
    const { ask } = yogaWithCostLimit();
    const two =
      'query Small($id: String!) { cell(id: $id) { id } } query Big { cells(first: 40) { edges { node { id specId } } } }';
    for (let round = 0; round < 3; round++) {
      expect(await ask(two, { id: 'x' }, 'Small')).toBe('ok');
      expect(await ask(two, {}, 'Big')).toBe('cost');
    }
    const byId = 'query C($id: String!) { cell(id: $id) { id state } }';
    expect(await ask(byId, { id: 7 })).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await ask(byId, { id: 'a' })).toBe('ok');
    expect(await ask(byId, { id: 7 })).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await ask(byId, {})).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});
