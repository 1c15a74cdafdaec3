/**
 * Idle subscribers for the memory-per-subscription figure: `count`
 * graphql-ws subscriptions, `perSocket` on each connection, each with a
 * filter of its own that no event matches (a specId nobody uses), so each
 * is a subscription (and a group) of its own that receives nothing after
 * SYNCED. Reports `connected` once every subscription is synced.
 */
import { WebSocket } from 'ws';
import { onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  wsUrl: string;
  count: number;
  perSocket: number;
}

const IDLE_SUBSCRIPTION = 'subscription BenchIdle($spec: String!) { cells(filter: { specId: $spec }) { kind seq } }';

runWorker(async () => {
  const { wsUrl, count, perSocket } = workerArgs<Args>();
  const sockets: WebSocket[] = [];
  let synced = 0;
  let other = 0;
  let wave: Promise<void>[] = [];
  for (let first = 0; first < count; first += perSocket) {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    sockets.push(socket);
    const ids = Array.from({ length: Math.min(perSocket, count - first) }, (_, i) => first + i);
    wave.push(
      new Promise<void>((resolve, reject) => {
        let pending = ids.length;
        socket.once('error', reject);
        socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        socket.on('message', (data: Buffer) => {
          const text = data.toString();
          if (text.startsWith('{"type":"connection_ack"')) {
            for (const id of ids)
              socket.send(
                JSON.stringify({
                  id: String(id),
                  type: 'subscribe',
                  payload: { query: IDLE_SUBSCRIPTION, variables: { spec: `idle-${id}` } },
                }),
              );
            return;
          }
          if (text.includes('"SYNCED"')) {
            synced += 1;
            if (--pending === 0) resolve();
          } else other += 1;
        });
      }),
    );
    // Waves of 50, each synced before the next: thousands of simultaneous handshakes overflow the accept queue.
    if (wave.length === 50) {
      await Promise.all(wave);
      wave = [];
    }
  }
  await Promise.all(wave);
  report({ type: 'connected', subscriptions: synced, sockets: sockets.length });
  onStop(() => {
    for (const socket of sockets) socket.terminate();
    return { synced, other };
  });
});
