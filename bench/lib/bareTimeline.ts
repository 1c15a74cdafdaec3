/**
 * The timeline baseline: the least work that answers TIMELINE_QUERY
 * (queries.ts) with the bytes cellgraph sends. The same seqs from the same
 * projection (`timelineOf`), the same stream reads on the same NATS
 * connection (one `getMessage` per seq, all in flight at once), then the
 * answer written out for this one selection: the stored body spliced in as
 * it is (the simulator sends `JSON.stringify` output, which re-serialises to
 * itself), `JSON.parse` only to read the event's type. No document parsing,
 * validation, execution or decode of the event against the schemas.
 */
import http from 'node:http';
import type { JetStreamManager } from '@nats-io/jetstream';
import { shortTypeName } from '../../src/events/types.js';
import type { Projection } from '../../src/projection/projection.js';

const utf8 = new TextDecoder();

/** TIMELINE_QUERY's answer for one cell id, read back from `stream`. */
export async function timelineJson(
  projection: Projection,
  jsm: JetStreamManager,
  stream: string,
  id: string,
  first: number,
): Promise<string> {
  const cell = projection.cells.get(id);
  if (!cell) return '{"data":{"cell":null}}';
  const { seqs, hasMore } = projection.timelineOf(cell, 0, first);
  const stored = await Promise.all(seqs.map((seq) => jsm.streams.getMessage(stream, { seq })));
  let events = '';
  for (const msg of stored) {
    if (msg === null) continue;
    const body = utf8.decode(msg.data);
    const type = (JSON.parse(body) as { type?: unknown }).type;
    events +=
      `${events === '' ? '' : ','}{"seq":${msg.seq},"subject":${JSON.stringify(msg.subject)}` +
      `,"storedAt":"${msg.time.toISOString()}","type":${typeof type === 'string' ? JSON.stringify(shortTypeName(type)) : 'null'}` +
      `,"event":${body}}`;
  }
  const seq = seqs.at(-1) ?? 0;
  return `{"data":{"cell":{"id":${JSON.stringify(id)},"events":{"seq":${seq},"hasMore":${hasMore},"events":[${events}]}}}}`;
}

const PREFIX = '/timeline?id=';

/** GET /timeline?id=ID&first=N over node:http, reading through `clients()` (the app's live connection). */
export function bareTimelineServer(
  projection: Projection,
  clients: () => { jsm: JetStreamManager } | undefined,
  stream: string,
): http.Server {
  return http.createServer((req, res) => {
    const url = req.url ?? '/';
    const jsm = clients()?.jsm;
    if (!url.startsWith(PREFIX) || !jsm) {
      res.writeHead(jsm ? 404 : 503).end();
      return;
    }
    const params = new URLSearchParams(url.slice(url.indexOf('?') + 1));
    timelineJson(projection, jsm, stream, params.get('id') ?? '', Number(params.get('first') ?? 100)).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
}
