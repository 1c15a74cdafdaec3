/**
 * A reconnect storm (issue 14 §3): every 1-3 s a wave of `wave` new
 * graphql-ws connections, each subscribing to `cells` with a snapshot, as
 * dashboards do after a deploy. Half of each wave is cut abruptly
 * (terminate, no close handshake) at a random moment within 1.5 s; the
 * other half reads its snapshot to SYNCED, checks it (seqs never decrease,
 * each cell once, SYNCED at or after every snapshot seq), and closes
 * normally. Reports the snapshot cells delivered, completed snapshots and
 * the time from subscribe to SYNCED.
 */
import { WebSocket } from 'ws';
import { quantile } from '../lib/stats.js';
import { onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  wsUrl: string;
  query: string;
  /** Connections per wave. */
  wave: number;
  /** Waves start for this long. */
  seconds: number;
  /** Fixed seed for the random gaps and cut points, so runs compare. */
  seed: number;
}

/** mulberry32: a small seeded PRNG. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

runWorker(async () => {
  const args = workerArgs<Args>();
  const rand = random(args.seed);
  let cells = 0;
  let opened = 0;
  let completed = 0;
  let cut = 0;
  let failed = 0;
  const problems: string[] = [];
  const syncMs: number[] = [];
  const open = new Set<WebSocket>();
  const started = performance.now();

  function connect(abrupt: boolean, cutAfterMs: number): void {
    opened += 1;
    const socket = new WebSocket(args.wsUrl, 'graphql-transport-ws');
    open.add(socket);
    let subscribedAt = 0;
    let lastSeq = 0;
    const ids = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('error', () => {});
    socket.on('close', () => {
      open.delete(socket);
      if (timer) clearTimeout(timer);
    });
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as {
        type: string;
        payload?: { data?: { cells?: { kind: string; seq: number; id: string | null } }; errors?: unknown };
      };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: args.query } }));
        subscribedAt = performance.now();
        if (abrupt) timer = setTimeout(() => socket.terminate(), cutAfterMs);
        return;
      }
      if (message.type === 'error' || message.payload?.errors) {
        failed += 1;
        if (problems.length < 5) problems.push(JSON.stringify(message).slice(0, 300));
        socket.terminate();
        return;
      }
      const change = message.payload?.data?.cells;
      if (message.type !== 'next' || !change) return;
      if (change.seq < lastSeq && problems.length < 5) problems.push(`seq went back: ${change.seq} after ${lastSeq}`);
      lastSeq = Math.max(lastSeq, change.seq);
      if (change.kind === 'ADDED') {
        cells += 1;
        if (ids.has(change.id!) && problems.length < 5) problems.push(`${change.id} twice in one snapshot`);
        ids.add(change.id!);
      } else if (change.kind === 'SYNCED') {
        syncMs.push(performance.now() - subscribedAt);
        if (abrupt) return;
        completed += 1;
        socket.send(JSON.stringify({ id: '1', type: 'complete' }));
        socket.close(1000);
      }
    });
  }

  // Waves until `seconds` have passed: half of each cut abruptly, half read to SYNCED.
  while (performance.now() - started < args.seconds * 1000) {
    for (let i = 0; i < args.wave; i++) {
      const abrupt = i % 2 === 1;
      if (abrupt) cut += 1;
      connect(abrupt, rand() * 1500);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000 + rand() * 2000));
  }
  report({ type: 'waves-done', opened });
  onStop(() => {
    const open_ = open.size;
    for (const socket of open) socket.terminate();
    const seconds = (performance.now() - started) / 1000;
    return {
      opened,
      completed,
      cut,
      failed,
      stillOpen: open_,
      cells,
      seconds,
      cellsPerSecond: cells / seconds,
      syncP50: quantile(syncMs, 0.5),
      syncP99: quantile(syncMs, 0.99),
      syncMax: quantile(syncMs, 1),
      problems,
    };
  });
});
