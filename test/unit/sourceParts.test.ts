import { describe, expect, it } from 'vitest';
import { Scrubber } from '../../src/source/natsFailure.js';
import { Readiness } from '../../src/source/readiness.js';
import { streamResetReason } from '../../src/source/streamWatch.js';
import { createLogger } from '../../src/util/logger.js';
import { parseNatsUrl, redactNatsUrl } from '../../src/util/natsUrl.js';

/** The source's pure collaborators: the one readiness condition, reset reasons, URL redaction. */

function readiness(start = 0) {
  const state = { cursor: start };
  const ready = new Readiness({
    stream: 'S',
    logger: createLogger('silent'),
    cursor: () => state.cursor,
    progressIntervalMs: 60_000,
  });
  return { ready, state };
}

describe('Readiness', () => {
  it('is ready once the cursor reaches the target read when the replay began', async () => {
    const { ready, state } = readiness();
    ready.begin(10, 10);
    expect(ready.ready).toBe(false);
    state.cursor = 9;
    ready.observe(5);
    expect(ready.ready).toBe(false);
    state.cursor = 10;
    ready.observe(3);
    expect(ready.ready).toBe(true);
    await ready.whenReady();
    expect(ready.snapshot()).toMatchObject({ target: 10, cursor: 10, done: true, percent: 100 });
    ready.stop();
  });

  it('is ready before the target when nothing is left past the cursor, or the stream holds nothing', () => {
    const tail = readiness();
    tail.ready.begin(10, 8);
    tail.state.cursor = 7;
    tail.ready.observe(0);
    expect(tail.ready.ready).toBe(true);

    const empty = readiness();
    empty.ready.begin(10, 0);
    expect(empty.ready.ready).toBe(true);
  });

  it('says nothing before a replay began, and a new replay (a rebuild) makes it wait again', async () => {
    const { ready, state } = readiness(5);
    ready.observe(0);
    expect(ready.ready).toBe(false);
    expect(ready.started).toBe(false);
    ready.begin(5, 5);
    expect(ready.ready).toBe(true);
    state.cursor = 0;
    ready.begin(3, 3);
    expect(ready.ready).toBe(false);
    const waited = ready.whenReady();
    state.cursor = 3;
    ready.observe(0);
    await waited;
    ready.stop();
  });
});

describe('streamResetReason', () => {
  const info = (created: string, first_seq: number, last_seq: number, messages: number) => ({
    created,
    state: { first_seq, last_seq, messages },
  });

  it('accepts a stream that only moved on', () => {
    expect(streamResetReason(5, { created: 'a' }, info('a', 1, 9, 9))).toBeNull();
    expect(streamResetReason(0, undefined, info('a', 1, 0, 0))).toBeNull();
  });

  it('names a recreated, shrunk, skipped or purged stream', () => {
    expect(streamResetReason(5, { created: 'a' }, info('b', 1, 9, 9))).toBe('stream was deleted and recreated');
    expect(streamResetReason(5, { created: 'a' }, info('a', 1, 4, 4))).toMatch(/behind the cursor/);
    expect(streamResetReason(5, { created: 'a' }, info('a', 8, 9, 2))).toMatch(/jumped past the cursor/);
    expect(streamResetReason(5, { created: 'a' }, info('a', 6, 5, 0))).toBe('stream was purged');
  });
});

describe('redactNatsUrl', () => {
  it('hides credentials of every seed and leaves plain URLs alone', () => {
    expect(redactNatsUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactNatsUrl('nats://user:secret@a:4222,nats://token@b:4222')).toBe('nats://***@a:4222,nats://***@b:4222');
    expect(redactNatsUrl(['tls://u:p@a', 'nats://b'])).toBe('tls://***@a,nats://b');
  });
});

describe('parseNatsUrl', () => {
  it('keeps every seed, without credentials', () => {
    expect(parseNatsUrl('nats://a:4222, nats://b:4223 ,c:4224')).toEqual({
      servers: ['nats://a:4222', 'nats://b:4223', 'nats://c:4224'],
      tls: false,
    });
  });

  it('takes user and password, or a token, out of the URLs (percent-decoded)', () => {
    expect(parseNatsUrl('nats://u:p%40ss@a:4222,nats://b:4222')).toMatchObject({
      servers: ['nats://a:4222', 'nats://b:4222'],
      user: 'u',
      password: 'p@ss',
    });
    expect(parseNatsUrl('tls://tok@a:4222,tls://tok@b:4222')).toEqual({
      servers: ['tls://a:4222', 'tls://b:4222'],
      token: 'tok',
      tls: true,
    });
  });

  it('refuses seeds with different credentials, and never quotes a seed', () => {
    expect(() => parseNatsUrl('nats://u:one@a,nats://u:two@b')).toThrow(/different credentials/);
    expect(() => parseNatsUrl('nats://u:se cret@[bad')).toThrow(/^seed 1 is not a URL$/);
  });
});

describe('Scrubber', () => {
  it('hides each secret and URL credentials wherever they appear', () => {
    const scrubber = new Scrubber(['hunter2', 'hunter2-long']);
    expect(scrubber.scrub('auth hunter2-long failed for nats://u:hunter2@a:4222')).toBe(
      'auth *** failed for nats://***@a:4222',
    );
  });
});
