/**
 * Bookmark baseline: the least work that tells every idle subscriber a new
 * seq. A bare `ws` server that, on the orchestrator's `round {seq}`,
 * serialises one graphql-ws-shaped BOOKMARK frame and writes it to every
 * connected socket. No GraphQL, no feeds, no per-subscriber work beyond the
 * socket write. `cpu` reports the process CPU since the last `measure`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { measureCpu, onStop, report, runWorker } from '../lib/worker.js';

runWorker(async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const cpu = measureCpu();
  let rounds = 0;
  process.on('message', (message: { type: string; seq?: number }) => {
    if (message.type === 'cpu') report({ type: 'cpu', micros: cpu() });
    if (message.type !== 'round') return;
    rounds += 1;
    const frame = JSON.stringify({
      id: '1',
      type: 'next',
      payload: { data: { cells: { kind: 'BOOKMARK', seq: message.seq } } },
    });
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(frame);
  });
  report({ type: 'ready', wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` });
  onStop(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    return { rounds };
  });
});
