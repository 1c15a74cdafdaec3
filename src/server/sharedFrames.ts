import type { WebSocket } from 'ws';

/**
 * graphql-ws serialises each `next` message for each subscriber with
 * JSON.stringify. Subscribers of a group share one ExecutionResult
 * (plugins/sharedSubscriptions.ts), so its `data` is serialised once here
 * and spliced into every subscriber's frame: N identical subscribers cost one
 * stringify of the payload plus N small frame headers. (At 1,000 batched
 * subscribers the per-subscriber stringify was the largest cost in the
 * profile.)
 *
 * How: graphql-ws's `jsonMessageReplacer` swaps a `next` payload that is
 * only `data` for a marker string and leaves its JSON in `pending`;
 * graphql-ws hands the frame to the socket's send() synchronously right
 * after stringifying it, where the marker at the end of the frame is
 * replaced by that JSON. A frame without the marker goes out unchanged.
 */
export class SharedFrames {
  private readonly json = new WeakMap<object, string>();
  private pending: string | undefined;
  private static readonly MARKER = '\u0000cellgraph:shared-payload';
  private static readonly TAIL = `${JSON.stringify(SharedFrames.MARKER)}}`;

  private root: unknown;

  /** Only the top-level `payload` of a `next` message: `this` is the object holding `key`. */
  readonly replacer = (holder: unknown, key: string, value: unknown): unknown => {
    if (key === '') {
      this.root = value;
      return value;
    }
    if (key !== 'payload' || holder !== this.root || value === null || typeof value !== 'object') return value;
    if ((holder as { type?: unknown }).type !== 'next') return value;
    const payload = value as Record<string, unknown>;
    const data = payload['data'];
    if (data === null || typeof data !== 'object' || Object.keys(payload).length !== 1) return value;
    let json = this.json.get(data);
    if (json === undefined) {
      json = `{"data":${JSON.stringify(data)}}`;
      this.json.set(data, json);
    }
    this.pending = json;
    return SharedFrames.MARKER;
  };

  /** Wraps the socket's send() to splice the payload in. */
  attach(socket: WebSocket): void {
    const send = socket.send.bind(socket) as (data: unknown, cb?: (err?: Error) => void) => void;
    (socket as unknown as { send: typeof send }).send = (data, cb) => {
      if (typeof data === 'string' && this.pending !== undefined && data.endsWith(SharedFrames.TAIL)) {
        data = `${data.slice(0, data.length - SharedFrames.TAIL.length)}${this.pending}}`;
      }
      this.pending = undefined;
      send(data, cb);
    };
  }
}
