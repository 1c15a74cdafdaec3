import { describe, expect, it, vi } from 'vitest';
import type { StreamEvent } from '../../src/events/streamEvent.js';
import { LiveHub } from '../../src/live/hub.js';
import { feedFailureError, streamUnavailableError } from '../../src/schema/endReasons.js';
import { Driver, drain, started } from './fixtures.js';

function streamEvent(seq: number): StreamEvent {
  return {
    seq,
    subject: 'cellos.events.unit',
    storedAt: new Date(0).toISOString(),
    event: {},
    type: 'cell.lifecycle.v1.started',
    problem: null,
    owner: { kind: 'cell', id: `c${seq}` },
  };
}

const empty = async () => ({ events: [], cursor: 0, hasMore: false });

describe('live feeds end with a domain reason', () => {
  it('an events feed whose history read fails ends with STREAM_UNAVAILABLE at its last seq; the cause is logged, not sent', async () => {
    const warn = vi.fn();
    const d = new Driver();
    for (let i = 0; i < 5; i++) d.apply(started({ cellId: `c${i}`, specId: 's' }));
    const hub = new LiveHub(d.projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10, logger: { warn } });
    const cause = new Error('nats: 503 no responders available for request');
    const feed = hub.subscribeEvents(2, null, () => Promise.reject(cause));
    const [last] = await drain(feed, 1);
    expect(last).toEqual({ kind: 'ERROR', reason: { code: 'STREAM_UNAVAILABLE', lastDeliveredSeq: 2 } });
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: cause }), expect.any(String));
    if (last?.kind !== 'ERROR') throw new Error('the feed should have ended with an error');
    expect(feedFailureError(last.reason).message).not.toContain('nats');
    expect(await feed.next()).toEqual({ done: true, value: undefined });
  });

  it('an events feed that overflows its buffer ends with LAGGED and its last delivered seq', async () => {
    const hub = new LiveHub(new Driver().projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 2 });
    const feed = hub.subscribeEvents(0, null, empty);
    feed.offer(streamEvent(1));
    expect(await drain(feed, 1)).toMatchObject([{ kind: 'EVENT', seq: 1 }]);
    for (const seq of [2, 3, 4]) feed.offer(streamEvent(seq));
    expect(await drain(feed, 1)).toEqual([
      { kind: 'ERROR', reason: { code: 'LAGGED', lastDeliveredSeq: 1, limit: 2 } },
    ]);
    expect(await feed.next()).toEqual({ done: true, value: undefined });
    expect(hub.stats().lagged).toBe(1);
  });

  it('failAll ends every feed, cells and events, with the same reason', async () => {
    const hub = new LiveHub(new Driver().projection, { bookmarkIntervalMs: 60_000, eventQueueLimit: 10 });
    const a = hub.subscribeCells(() => true, { snapshot: false });
    const b = hub.subscribeEvents(0, null, empty);
    hub.failAll({ code: 'STREAM_RESET', reason: 'stream was purged' });
    const reset = { kind: 'ERROR', reason: { code: 'STREAM_RESET', reason: 'stream was purged' } };
    expect((await drain(a, 2)).at(-1)).toEqual(reset);
    expect((await drain(b, 2)).at(-1)).toEqual(reset);
  });
});

describe('the schema maps end reasons to GraphQL errors', () => {
  it('LAGGED carries lastDeliveredSeq', () => {
    const error = feedFailureError({ code: 'LAGGED', lastDeliveredSeq: 41, limit: 10 });
    expect(error.extensions).toEqual({ code: 'LAGGED', lastDeliveredSeq: 41 });
    expect(error.message).toBe('Subscriber fell more than 10 events behind; resume with after: 41.');
  });

  it('STREAM_RESET says why and to re-snapshot', () => {
    const error = feedFailureError({ code: 'STREAM_RESET', reason: 'stream was deleted and recreated' });
    expect(error.extensions).toEqual({ code: 'STREAM_RESET' });
    expect(error.message).toBe(
      'The stream was reset (stream was deleted and recreated); the projection is rebuilt. Re-query and subscribe again without after.',
    );
  });

  it('STREAM_UNAVAILABLE reads the same for the events query and a subscription, which also gets its resume point', () => {
    const query = streamUnavailableError();
    const feed = feedFailureError({ code: 'STREAM_UNAVAILABLE', lastDeliveredSeq: 7 });
    expect(query.extensions).toEqual({ code: 'STREAM_UNAVAILABLE' });
    expect(feed.extensions).toEqual({ code: 'STREAM_UNAVAILABLE', lastDeliveredSeq: 7 });
    expect(query.message).toBe('The stream cannot be read right now.');
    expect(feed.message).toBe('The stream cannot be read right now; resume with after: 7.');
  });
});
