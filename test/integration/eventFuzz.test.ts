import { beforeAll, describe, expect, it } from 'vitest';
import { decodeEvent } from '../../src/events/decode.js';
import { Projection } from '../../src/projection/projection.js';
import { prng, takeEvents } from '../../src/simulator/generator.js';
import { ProjectionStatusDocument } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';

const HOSTILE = 10_000;
const VALID = 2_000;

/** mulberry32, seeded: the same garbage on every run, so a failure can be replayed. */

const random = prng(20261128);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

/** Values of the wrong type for any field: each entry is [label, value]. */
const _WRONG_SCALARS: unknown[] = [42, -1, 1.5, true, false, null, [], ['a'], {}, { nested: { deeper: 1 } }, ''];
const wrongFor = (
  expected: 'string' | 'nonEmpty' | 'uuid' | 'int32' | 'stringArray' | 'object' | 'nonNegative' | 'enum' | 'datetime',
): unknown => {
  switch (expected) {
    case 'string':
      return pick([42, true, [], {}, 1.5]);
    case 'nonEmpty':
      return pick([42, true, [], {}, '', null]);
    case 'uuid':
      return pick(['not-a-uuid', '1234', 42, '', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz']);
    case 'int32':
      return pick(['0', 1.5, 2 ** 31, -(2 ** 31) - 1, true, null, [], 'NaN']);
    case 'stringArray':
      return pick(['ls -l', [1, 2], [null], {}, 7]);
    case 'object':
      return pick(['data', 42, [], true]);
    case 'nonNegative':
      return pick([-1, '10', true, []]);
    case 'enum':
      return pick(['exploded', 'SUCCEEDED', 42, '', null]);
    case 'datetime':
      return pick(['yesterday', 1732800000, '2026-13-45T99:99:99Z', '2026-11-28 12:00', true]);
  }
};

type Mutation = (event: Record<string, unknown>) => void;

/** Field mutations that break a required rule (envelope or data): each must be rejected. */
function mutationsFor(event: Record<string, unknown>): Mutation[] {
  const type = String(event['type']);
  const data = () => event['data'] as Record<string, unknown>;
  const envelope: Mutation[] = [
    (e) => (e['specversion'] = pick(['0.3', '1', '2.0', 1.0, 1, null, '', ' 1.0'])),
    (e) => delete e['specversion'],
    (e) => (e['id'] = wrongFor('nonEmpty')),
    (e) => delete e['id'],
    (e) => (e['source'] = wrongFor('nonEmpty')),
    (e) => (e['type'] = wrongFor('nonEmpty')),
    (e) => (e['time'] = wrongFor('datetime')),
    (e) => (e['datacontenttype'] = wrongFor('string')),
    (e) => (e['subject'] = wrongFor('string')),
    (e) => (e['data'] = pick(['a string', 42, [1, 2], true])),
  ];
  // Only required rules reject (cellos-events.md). A broken optional field is dropped and the event applies:
  // test/unit/droppedFields.test.ts covers each of those fields.
  const cell: Mutation[] = [() => (data()['cellId'] = pick([42, true, [], {}, '']))];
  const byType: Record<string, Mutation[]> = {
    'dev.cellos.events.cell.command.v1.completed': [
      () => (data()['exitCode'] = wrongFor('int32')),
      () => delete data()['exitCode'],
    ],
    'dev.cellos.events.cell.lifecycle.v1.destroyed': [
      () => (data()['outcome'] = wrongFor('enum')),
      () => delete data()['outcome'],
    ],
  };
  const formation: Mutation[] = [
    () => {
      data()['formationId'] = wrongFor('uuid');
      delete data()['id'];
    },
    () => {
      delete data()['formationId'];
      delete data()['id'];
    },
  ];
  const long = type.startsWith('dev.') ? type : `dev.cellos.events.${type}`;
  if (/formation\.v1\./.test(type)) return [...envelope, ...formation];
  if (long.startsWith('dev.cellos.events.cell.')) return [...envelope, ...cell, ...(byType[long] ?? [])];
  return envelope;
}

function deepNesting(depth: number, kind: 'object' | 'array'): string {
  return kind === 'object'
    ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** One hostile body: never a valid event, each a different way of being wrong. */
function hostile(template: Record<string, unknown>, index: number): string | Uint8Array {
  const roll = random();
  if (roll < 0.15) {
    const bytes = new Uint8Array(int(200));
    for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
    return bytes;
  }
  if (roll < 0.3) {
    const text = JSON.stringify(template);
    return text.slice(0, 1 + int(text.length - 2));
  }
  if (roll < 0.33)
    return pick(['null', '42', '"a string"', '[]', '[{"specversion":"1.0"}]', 'true', '', ' ', '{}', '{"data":{}}']);
  if (index % 500 === 0) {
    // Huge strings, within NATS's 1 MB max_payload.
    return pick([
      JSON.stringify({ ...template, specversion: 'x'.repeat(300_000) }),
      JSON.stringify('y'.repeat(400_000)),
      `{"specversion":"1.0","id":"${'z'.repeat(500_000)}"`,
    ]);
  }
  if (index % 250 === 1)
    return pick([
      deepNesting(5_000, 'object'),
      deepNesting(20_000, 'array'),
      JSON.stringify({ ...template, specversion: '1.1', data: JSON.parse(deepNesting(2_000, 'object')) }),
    ]);
  const event = structuredClone(template);
  pick(mutationsFor(event))(event);
  return JSON.stringify(event);
}

function withoutSeqs<T extends { firstSeq: number; lastSeq: number }>(record: T): Omit<T, 'firstSeq' | 'lastSeq'> {
  const { firstSeq: _f, lastSeq: _l, ...rest } = record;
  return rest;
}

const nats = useNats();
let app: TestCellgraph;

beforeAll(async () => {
  app = await startTestCellgraph(nats.url);
  await app.source.whenReady();
  return () => app.stop();
});

describe('hostile events in the stream', () => {
  it(`${HOSTILE} malformed events interleaved with ${VALID} valid ones: each rejected with a reason, the projection exactly as without them`, async () => {
    const valid = takeEvents(VALID, { seed: 99 }).map((e) => e.event);
    const templates = takeEvents(500, { seed: 1234 }).map((e) => e.event);
    const bodies: (string | Uint8Array)[] = [];
    for (let i = 0; i < HOSTILE; i++) bodies.push(hostile(pick(templates), i));
    // The generator itself must only produce rejections, or the comparison below would mean nothing.
    for (const body of bodies)
      expect(decodeEvent(body).kind, typeof body === 'string' ? body.slice(0, 200) : 'bytes').toBe('rejected');

    const items: (Record<string, unknown> | { raw: string | Uint8Array })[] = [];
    let v = 0;
    let h = 0;
    while (v < valid.length || h < bodies.length) {
      const takeValid = h >= bodies.length || (v < valid.length && random() < VALID / (VALID + HOSTILE));
      items.push(takeValid ? valid[v++]! : { raw: bodies[h++]! });
    }
    const seqs = await publishAll(nats.url, items);
    const last = seqs.at(-1)!;
    await waitUntil(() => app.projection.cursor >= last, `the projection to reach seq ${last}`, 60_000);

    // Still serving.
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const status = (await app.query(ProjectionStatusDocument)).projection;
    expect(status.seq).toBe(last);
    expect(status.rejected).toBe(HOSTILE);
    expect(status.recentRejections.length).toBeGreaterThan(0);
    for (const rejection of status.recentRejections) expect(rejection.reason.length).toBeGreaterThan(0);

    // The same valid events alone, into a projection built here.
    const alone = new Projection();
    valid.forEach((event, i) => {
      alone.apply(i + 1, decodeEvent(JSON.stringify(event)));
    });
    expect(status.applied).toBe(alone.counts.applied);
    expect(status.duplicates).toBe(alone.counts.duplicates);
    expect(status.skipped).toBe(alone.counts.skipped);
    expect(alone.counts.rejected).toBe(0);

    const served = app.projection;
    expect(served.cellIdsInFirstSeenOrder()).toEqual(alone.cellIdsInFirstSeenOrder());
    expect(served.formationIdsInFirstSeenOrder()).toEqual(alone.formationIdsInFirstSeenOrder());
    expect(served.cellCountsByState()).toEqual(alone.cellCountsByState());
    expect([...served.cells.values()].map(withoutSeqs)).toEqual([...alone.cells.values()].map(withoutSeqs));
    expect([...served.formations.values()].map(withoutSeqs)).toEqual([...alone.formations.values()].map(withoutSeqs));
  });
});
