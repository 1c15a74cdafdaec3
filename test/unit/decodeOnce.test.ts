import { describe, expect, it, vi } from 'vitest';
import * as decode from '../../src/events/decode.js';
import type { RawMessage } from '../../src/events/streamEvent.js';
import { LiveHub } from '../../src/live/hub.js';
import { compileCellFilter } from '../../src/projection/cellFilter.js';
import { Projection } from '../../src/projection/projection.js';
import { Ingestor } from '../../src/source/ingest.js';
import { createLogger } from '../../src/util/logger.js';
import { completed, drain, type Envelope, started } from './fixtures.js';

// Every entry point of the decoder, counted: a second decode anywhere (through any of them) shows up.
vi.mock('../../src/events/decode.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/events/decode.js')>();
  return {
    ...actual,
    parseJsonObject: vi.fn(actual.parseJsonObject),
    decodeObject: vi.fn(actual.decodeObject),
    decodeObjectStrict: vi.fn(actual.decodeObjectStrict),
    decodeEvent: vi.fn(actual.decodeEvent),
  };
});

const STORED_AT = Date.parse('2026-11-28T12:00:00Z');

function raw(seq: number, body: Envelope | string): RawMessage {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    seq,
    subject: 'cellos.events.unit',
    data: new TextEncoder().encode(text),
    info: { timestampNanos: (STORED_AT + seq) * 1_000_000 },
  };
}

describe('Ingestor → LiveHub', () => {
  it('parses and decodes each message once, for the projection and an events subscriber alike', async () => {
    const projection = new Projection();
    const hub = new LiveHub(projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 100 });
    const ingestor = new Ingestor(
      projection,
      (_seq, deltas, message) => {
        hub.publish(deltas);
        hub.publishRaw(message);
      },
      createLogger('silent'),
    );
    const events = hub.subscribeEvents(0, null, async () => ({ events: [], cursor: 0, hasMore: false }));
    const cells = hub.subscribeCells(compileCellFilter({}), { snapshot: false });
    await drain(cells, 1); // SYNCED
    vi.clearAllMocks();

    const bodies = [started({ cellId: 'a', specId: 's' }), 'not json', completed({ cellId: 'a', exitCode: 3 })];
    bodies.forEach((body, i) => {
      ingestor.ingest(raw(i + 1, body));
    });

    const received = await drain(events, 3);
    expect(received.map((m) => ('event' in m ? [m.seq, m.event.type, m.event.problem] : m.kind))).toEqual([
      [1, 'cell.lifecycle.v1.started', null],
      [2, null, expect.stringContaining('not valid JSON')],
      [3, 'cell.command.v1.completed', null],
    ]);
    expect(received[0]).toMatchObject({
      event: {
        storedAt: new Date(STORED_AT + 1).toISOString(),
        event: { type: started({ cellId: 'a', specId: 's' }).type },
      },
    });
    // The projection applied both events of cell a (coalesced into one change for this subscriber).
    expect(await drain(cells, 1)).toMatchObject([{ kind: 'ADDED', seq: 3, cell: { exitCode: 3 } }]);

    const parses =
      vi.mocked(decode.parseJsonObject).mock.calls.length + vi.mocked(decode.decodeEvent).mock.calls.length;
    const decodes =
      vi.mocked(decode.decodeObject).mock.calls.length +
      vi.mocked(decode.decodeObjectStrict).mock.calls.length +
      vi.mocked(decode.decodeEvent).mock.calls.length;
    expect(parses).toBe(3);
    expect(decodes).toBe(2); // the body that is not JSON is rejected by the parse alone
    hub.shutdown();
  });
});
