import { describe, expect, it } from 'vitest';
import { SharedFrames } from '../../src/server/sharedFrames.js';

/** What graphql-ws does: stringify with the replacer, then send() right away. */
function frame(frames: SharedFrames, message: unknown): string {
  let sent = '';
  const socket = { send: (data: string) => (sent = data) };
  frames.attach(socket as never);
  const text = JSON.stringify(message, function (this: unknown, key: string, value: unknown) {
    return frames.replacer(this, key, value);
  });
  (socket as { send: (data: string) => void }).send(text);
  return sent;
}

describe('SharedFrames', () => {
  it('serialises shared data once and gives every frame the same bytes JSON.stringify would', () => {
    const frames = new SharedFrames();
    const data = { cells: { kind: 'UPDATED', seq: 3, note: 'quote " and \u0000 and payload' } };
    const a = frame(frames, { id: 'a', type: 'next', payload: { data } });
    const b = frame(frames, { id: 'b"x', type: 'next', payload: { data } });
    expect(a).toBe(JSON.stringify({ id: 'a', type: 'next', payload: { data } }));
    expect(b).toBe(JSON.stringify({ id: 'b"x', type: 'next', payload: { data } }));
  });

  it('leaves payloads with errors, other messages and nested `payload` fields alone', () => {
    const frames = new SharedFrames();
    const withErrors = { id: '1', type: 'next', payload: { data: { x: 1 }, errors: [{ message: 'no' }] } };
    expect(frame(frames, withErrors)).toBe(JSON.stringify(withErrors));
    const nested = {
      id: '1',
      type: 'next',
      payload: { data: { payload: { data: { y: 2 } } }, errors: [{ message: 'e' }] },
    };
    expect(frame(frames, nested)).toBe(JSON.stringify(nested));
    const error = { id: '1', type: 'error', payload: [{ message: 'bad' }] };
    expect(frame(frames, error)).toBe(JSON.stringify(error));
  });
});
