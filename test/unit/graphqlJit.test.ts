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

const CELL = `id specId runId state status formationId tenantId startedAt destroyedAt outcome exitCode terminalState reason durationMs firstSeq lastSeq updatedAt eventCount`;
const QUERIES = [
  `{ cells(first: 50) { totalCount seq pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ${CELL} formation { id name status } } } } }`,
  `{ cells(last: 7, orderBy: { field: DESTROYED_AT, direction: DESC }, filter: { states: [DESTROYED] }) { edges { cursor node { id destroyedAt outcome } } } }`,
  `{ cellCounts { total pending running destroyed succeeded failed seq } }`,
  `{ formations(first: 5) { edges { node { id name status document cells(first: 3) { totalCount edges { node { id } } } } } } }`,
  `{ cells(first: 2000) { totalCount } }`,
  `{ cells(first: 1, after: "bad") { totalCount } }`,
  `{ cell(id: "") { id } }`,
];

function yogaWith(jit: boolean, projection: Projection) {
  const progress = new ReplayProgress();
  const sourceStatus = () => ({
    connected: true,
    streamLastSeq: projection.cursor,
    ready: true,
    replay: progress.snapshot(projection.cursor, 0),
    lastError: null,
  });
  // No subscription runs here: the live hub is not needed.
  const context = {
    config: loadConfig({}),
    projection,
    clock: new CursorClock(projection.cursor),
    sourceStatus,
    streamName: 'CELLOS_EVENTS',
    events: new EventReader({ clients: undefined }, 'CELLOS_EVENTS'),
  } as unknown as AppContext;
  return createCellgraphYoga({ context, metrics: new Metrics({ projection, sourceStatus }), jit });
}

describe('graphql-jit', () => {
  it('answers queries exactly as graphql-js does, errors included', async () => {
    const projection = new Projection();
    takeEvents(3000, { seed: 9 }).forEach(({ event }, i) => {
      projection.apply(i + 1, decodeEvent(JSON.stringify(event)));
    });
    const ids = projection.cellIdsInFirstSeenOrder().slice(0, 20);
    const queries = [
      ...QUERIES,
      ...ids.map((id) => `{ cell(id: ${JSON.stringify(id)}) { ${CELL} formation { id } } }`),
    ];
    const plain = yogaWith(false, projection);
    const jit = yogaWith(true, projection);
    for (const query of queries) {
      const ask = async (yoga: ReturnType<typeof yogaWith>) => {
        const response = await yoga.fetch('http://cellgraph/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query }),
        });
        return { status: response.status, body: (await response.json()) as unknown };
      };
      const [a, b] = [await ask(plain), await ask(jit)];
      expect(b, query).toEqual(a);
    }
  });
});
