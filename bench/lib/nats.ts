import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { simulateEvents, type SimulatedEvent } from '../../src/simulator/generator.js';
import { EventPublisher } from '../../src/simulator/publisher.js';
import { freePort, NatsServerProcess } from '../../src/source/natsServerProcess.js';
import { ensureStream } from '../../src/source/stream.js';

export const BENCH_STREAM = 'CELLOS_EVENTS';
export const BENCH_SUBJECTS = 'cellos.events.>';

export interface BenchNats {
  server: NatsServerProcess;
  url: string;
  remove(): Promise<void>;
}

/** Its own nats-server -js on a free port, store in a temp dir removed at the end. */
export async function startBenchNats(): Promise<BenchNats> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-bench-nats-'));
  const server = new NatsServerProcess({ port: await freePort(), storeDir });
  await server.start();
  return {
    server,
    url: server.url,
    async remove() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

export async function createBenchStream(url: string, stream = BENCH_STREAM, subjects = BENCH_SUBJECTS): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await ensureStream(await jetstreamManager(nc), { stream, subjects, create: true });
  } finally {
    await nc.close();
  }
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  let n = 0;
  if (count <= 0) return;
  for (const item of items) {
    yield item;
    if (++n >= count) return;
  }
}

/** Publishes `count` simulated events (seeded, so every run has the same log); returns the last seq and bytes. */
export async function publishSimulated(url: string, count: number, seed = 42): Promise<{ lastSeq: number; seconds: number; bytes: number }> {
  const publisher = await EventPublisher.connect(url);
  const started = performance.now();
  let bytes = 0;
  const sized = function* (events: Iterable<SimulatedEvent>) {
    for (const e of events) {
      const body = JSON.stringify(e.event);
      bytes += body.length;
      yield { subject: e.subject, body };
    }
  };
  try {
    const seqs = await publisher.publish(sized(take(simulateEvents({ seed, concurrentCells: 200 }), count)), { window: 2048 });
    return { lastSeq: seqs.at(-1) ?? 0, seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    await publisher.close();
  }
}
