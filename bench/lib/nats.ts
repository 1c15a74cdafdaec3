import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { simulateEvents } from '../../src/simulator/generator.js';
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

/**
 * Publishes `count` simulated events (seeded, so every run has the same log).
 * Core NATS publishes, flushed in chunks, are captured by the stream like
 * acked ones but without a round trip each: several times faster for a
 * million events. The stream's message count is checked at the end, so a
 * dropped message fails the run instead of skewing it.
 */
export async function publishSimulated(
  url: string,
  count: number,
  seed = 42,
  /** Another stream than the bench stream: its name and the subject prefix its events go to. */
  target: { stream: string; prefix: string } = { stream: BENCH_STREAM, prefix: '' },
): Promise<{ lastSeq: number; seconds: number; bytes: number }> {
  const nc = await connect({ servers: url, name: 'bench-publisher' });
  const started = performance.now();
  let bytes = 0;
  try {
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(target.stream)).state.messages;
    let n = 0;
    for (const e of take(simulateEvents({ seed, concurrentCells: 200 }), count)) {
      const body = JSON.stringify(e.event);
      bytes += body.length;
      nc.publish(target.prefix ? `${target.prefix}.${n}` : e.subject, body);
      if (++n % 5_000 === 0) await nc.flush();
    }
    await nc.flush();
    let info = await jsm.streams.info(target.stream);
    for (let i = 0; i < 200 && info.state.messages < before + count; i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await jsm.streams.info(target.stream);
    }
    if (info.state.messages !== before + count) {
      throw new Error(`stream holds ${info.state.messages - before} of ${count} published events`);
    }
    return { lastSeq: info.state.last_seq, seconds: (performance.now() - started) / 1000, bytes };
  } finally {
    await nc.close();
  }
}
