import { GraphQLError } from 'graphql';
import { createSchema } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Projection } from '../../src/projection/projection.js';
import type { AppContext } from '../../src/schema/context.js';
import { Metrics } from '../../src/server/metrics.js';
import { createCellgraphYoga } from '../../src/server/yoga.js';

/**
 * The production plugin chain around a schema whose resolvers fail on
 * purpose: what leaks of an unexpected error, and what a coded error keeps.
 */
function yogaWith(env: Record<string, string>) {
  const projection = new Projection();
  const sourceStatus = () => ({
    connected: true,
    streamLastSeq: 0,
    ready: true,
    lastError: null,
    replay: {
      target: 0,
      cursor: 0,
      done: true,
      percent: 100,
      eventsPerSecond: 0,
      etaSeconds: 0,
      startedAt: null,
      finishedAt: null,
    },
  });
  const context = { config: loadConfig(env), projection, sourceStatus } as unknown as AppContext;
  const schema = createSchema({
    typeDefs: 'type Query { boom: String, coded: String }',
    resolvers: {
      Query: {
        boom: () => {
          throw new Error('connection string postgres://admin:hunter2@db/internal');
        },
        coded: () => {
          throw new GraphQLError('No such cell.', { extensions: { code: 'CELL_NOT_FOUND' } });
        },
      },
    },
  });
  return createCellgraphYoga({ context, metrics: new Metrics({ projection, sourceStatus }), schema: schema as never });
}

async function ask(yoga: ReturnType<typeof yogaWith>, query: string) {
  const response = await yoga.fetch('http://cellgraph.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, text: await response.text() };
}

describe('masked errors', () => {
  it('an unexpected error is masked: no message, no stack, code INTERNAL_SERVER_ERROR', async () => {
    const { status, text } = await ask(yogaWith({}), '{ boom }');
    expect(status).toBe(200);
    const body = JSON.parse(text) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.message).toBe('Unexpected error.');
    expect(body.errors[0]!.extensions['code']).toBe('INTERNAL_SERVER_ERROR');
    expect(text).not.toMatch(/hunter2|postgres|stack|\.ts:\d+/);
  });

  it('a coded error passes unchanged', async () => {
    const body = JSON.parse((await ask(yogaWith({}), '{ coded }')).text) as {
      errors: { message: string; extensions: Record<string, unknown> }[];
    };
    expect(body.errors[0]).toMatchObject({ message: 'No such cell.', extensions: { code: 'CELL_NOT_FOUND' } });
  });

  it('CELLGRAPH_EXPOSE_ERRORS=true shows the original error, for development', async () => {
    const { text } = await ask(yogaWith({ CELLGRAPH_EXPOSE_ERRORS: 'true' }), '{ boom }');
    expect(text).toContain('hunter2');
  });
});
