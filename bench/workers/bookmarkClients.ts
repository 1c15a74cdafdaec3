/**
 * Idle subscribers for the bookmark benchmark: `count` sockets, one
 * subscription each. Against cellgraph (`graphqlWs`), each is a graphql-ws
 * `cells` subscription with a filter of its own that no event matches (a
 * specId nobody uses): 10,000 distinct filters, one selection. Against the
 * bare baseline, plain sockets that the server writes to.
 *
 * On `expect {seq}` it notes, per socket, the wall-clock time of the first
 * frame carrying a seq >= `seq`, and reports `arrived` with the first and
 * the last of those times once every socket has one (epoch ms with
 * sub-millisecond precision: the orchestrator compares them with the time
 * it published, in another process on the same machine).
 */
import { WebSocket } from 'ws';
import { onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  wsUrl: string;
  count: number;
  graphqlWs: boolean;
}

const IDLE_SUBSCRIPTION =
  'subscription BenchBookmarks($spec: String!) { cells(filter: { specId: $spec }) { kind seq } }';
const SEQ = /"seq":(\d+)/;

const now = () => performance.timeOrigin + performance.now();

runWorker(async () => {
  const { wsUrl, count, graphqlWs } = workerArgs<Args>();
  const sockets: WebSocket[] = [];
  let target = Number.POSITIVE_INFINITY;
  /** Per socket: the seq it has been told (0 until SYNCED or a frame). */
  const told: number[] = [];
  let reached = 0;
  let firstAt = 0;
  let lastAt = 0;
  let frames = 0;
  const onFrame = (index: number, text: string) => {
    frames += 1;
    const seq = Number(SEQ.exec(text)?.[1] ?? Number.NaN);
    if (!(seq > told[index]!)) return;
    const before = told[index]!;
    told[index] = seq;
    if (before < target && seq >= target) {
      const at = now();
      if (reached === 0) firstAt = at;
      lastAt = at;
      reached += 1;
      if (reached === count) report({ type: 'arrived', seq: target, firstAt, lastAt, frames });
    }
  };
  let wave: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    told.push(0);
    const socket = new WebSocket(wsUrl, graphqlWs ? 'graphql-transport-ws' : undefined);
    sockets.push(socket);
    wave.push(
      new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('open', () => {
          if (!graphqlWs) return resolve();
          socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
        });
        socket.on('message', (data: Buffer) => {
          const text = data.toString();
          if (text.startsWith('{"type":"connection_ack"')) {
            socket.send(
              JSON.stringify({
                id: '1',
                type: 'subscribe',
                payload: { query: IDLE_SUBSCRIPTION, variables: { spec: `idle-${index}` } },
              }),
            );
            return;
          }
          if (text.startsWith('{"type":"ping"')) {
            socket.send('{"type":"pong"}');
            return;
          }
          onFrame(index, text);
          if (text.includes('"SYNCED"')) resolve();
        });
      }),
    );
    // Waves of 50, each ready before the next: thousands of simultaneous handshakes overflow the accept queue.
    if (wave.length === 50) {
      await Promise.all(wave);
      wave = [];
    }
  }
  await Promise.all(wave);
  report({ type: 'connected', sockets: sockets.length, told: Math.min(...told) });
  process.on('message', (message: { type: string; seq?: number }) => {
    if (message.type !== 'expect') return;
    target = message.seq!;
    reached = told.filter((seq) => seq >= target).length;
    frames = 0;
    // Nothing may be told this seq before the orchestrator moves it: that would be a bug in the round.
    if (reached > 0) throw new Error(`${reached} sockets already told seq ${target}`);
    report({ type: 'expecting', seq: target });
  });
  onStop(() => {
    for (const socket of sockets) socket.terminate();
    return {};
  });
});
