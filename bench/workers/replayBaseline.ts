/**
 * Replay baseline: a bare ordered consumer over the same stream, same batch
 * size, doing only JSON.parse per message. What any consumer of this stream
 * pays before doing anything useful: the ceiling for cellgraph's replay.
 */

import { type JsMsg, jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { report, runWorker, workerArgs } from '../lib/worker.js';

interface Args {
  url: string;
  stream: string;
  target: number;
  batch: number;
}

runWorker(async () => {
  const { url, stream, target, batch } = workerArgs<Args>();
  const decoder = new TextDecoder();
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const nc = await connect({ servers: url, name: 'bench-replay-baseline' });
  const consumer = await jetstream(nc).consumers.get(stream);
  let parsed = 0;
  let sink = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .consume({
        max_messages: batch,
        callback: (msg: JsMsg) => {
          const value = JSON.parse(decoder.decode(msg.data)) as { id?: string };
          if (value.id) sink += 1;
          parsed += 1;
          if (msg.seq >= target) resolve();
        },
      })
      .catch(reject);
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  await nc.close();
  report({
    type: 'done',
    events: parsed,
    seconds,
    eventsPerSecond: parsed / seconds,
    cpuMs: (cpu.user + cpu.system) / 1000,
    sink,
    rss: process.memoryUsage().rss,
  });
  process.exit(0);
});
