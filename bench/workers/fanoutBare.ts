/**
 * Fan-out baseline: a bare `ws` server that tails the stream with an
 * ordered consumer (new messages only), JSON.parses each message and
 * broadcasts one graphql-ws-shaped `next` frame, serialised once, to every
 * connected client. No GraphQL, no projection, no per-subscriber work
 * beyond the socket write: the ceiling for cellgraph's subscriptions. With
 * `batch`, one frame per event-loop turn carrying that turn's events: the
 * ceiling for `cellBatches`.
 */

import type { AddressInfo } from 'node:net';
import { DeliverPolicy, type JsMsg, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { WebSocket, WebSocketServer } from 'ws';
import { measureCpu, onStop, report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  url: string;
  stream: string;
  /** Batched: the events of one event-loop turn go out as one frame (`cellBatches`-shaped), like cellgraph's batches. */
  batch?: boolean;
}

runWorker(async () => {
  const { url, stream, batch } = workerArgs<Args>();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const nc = await connect({ servers: url, name: 'bench-fanout-baseline' });
  const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.New });
  const decoder = new TextDecoder();
  let broadcast = 0;
  const send = (frame: string) => {
    for (const client of wss.clients) if (client.readyState === WebSocket.OPEN) client.send(frame);
  };
  let pending: { seq: number; event: Record<string, unknown> }[] = [];
  const flush = () => {
    const changes = pending;
    pending = [];
    send(
      JSON.stringify({
        id: '1',
        type: 'next',
        payload: { data: { cellBatches: { seq: changes[changes.length - 1]!.seq, changes } } },
      }),
    );
  };
  await consumer.consume({
    max_messages: 1000,
    callback: (msg: JsMsg) => {
      const event = JSON.parse(decoder.decode(msg.data)) as Record<string, unknown>;
      broadcast += 1;
      if (batch) {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ seq: msg.seq, event });
        return;
      }
      send(JSON.stringify({ id: '1', type: 'next', payload: { data: { cells: { seq: msg.seq, event } } } }));
    },
  });
  report({ type: 'ready', wsUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}` });
  const cpu = measureCpu();
  onStop(async () => {
    const cpuMicros = cpu();
    await nc.close();
    for (const client of wss.clients) client.terminate();
    wss.close();
    return { broadcast, cpuMicros };
  });
});
