/**
 * N WebSocket subscribers in one process (apart from the server under
 * test). `received` counts delivered changes (several per frame when
 * batched), `frames` the frames that carried them. Each frame's latency is receipt time minus the publish time the
 * benchmark stamped into the event (`time`, which the projection keeps as
 * the record's `updatedAt`). Same machine, same clock: millisecond
 * resolution, which is plenty against a 50 ms target.
 */
import { WebSocket } from 'ws';
import { onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  wsUrl: string;
  clients: number;
  /** 'bare': frames arrive unasked; 'graphql-ws': connection_init, then subscribe with `query`. */
  protocol: 'bare' | 'graphql-ws';
  query?: string;
}

/** One stamp per delivered change: a batched frame carries several, each counted with its own latency. */
const STAMP = /"(?:time|updatedAt)":"([^"]+)"/g;

runWorker(async () => {
  const args = workerArgs<Args>();
  const latencies: number[] = [];
  let received = 0;
  let frames = 0;
  let measuring = false;
  let firstAt = 0;
  let lastAt = 0;
  const sockets: WebSocket[] = [];
  const opened: Promise<void>[] = [];
  for (let i = 0; i < args.clients; i++) {
    const socket = new WebSocket(args.wsUrl, args.protocol === 'graphql-ws' ? 'graphql-transport-ws' : undefined);
    sockets.push(socket);
    opened.push(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        if (args.protocol === 'bare') socket.once('open', () => resolve());
        else {
          socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        }
        socket.on('message', (data: Buffer) => {
          const text = data.toString();
          if (args.protocol === 'graphql-ws' && text.startsWith('{"type":"connection_ack"')) {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: args.query } }));
            resolve();
            return;
          }
          if (!measuring) return;
          const now = Date.now();
          // Only frames that carry a published event count: not acks, SYNCED markers or bookmarks.
          let counted = false;
          for (const stamp of text.matchAll(STAMP)) {
            received += 1;
            counted = true;
            latencies.push(now - Date.parse(stamp[1]!));
          }
          if (!counted) return;
          frames += 1;
          if (firstAt === 0) firstAt = now;
          lastAt = now;
        });
      }),
    );
    // Open in small waves: a thousand simultaneous handshakes measure the accept queue, not fan-out.
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(opened);
  report({ type: 'connected', clients: sockets.length });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'measure') measuring = true;
  });
  onStop(() => {
    measuring = false;
    for (const socket of sockets) socket.terminate();
    const sorted = Float64Array.from(latencies).sort();
    const at = (q: number) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : Number.NaN;
    const seconds = (lastAt - firstAt) / 1000;
    return {
      received,
      frames,
      messagesPerSecond: seconds > 0 ? received / seconds : 0,
      p50: at(0.5),
      p99: at(0.99),
      max: at(1),
    };
  });
});
