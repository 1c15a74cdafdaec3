import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, NatsServerProcess } from '../../src/source/natsServerProcess.js';

/** A private nats-server -js on a free port with a temporary store; remove() deletes the store. */
export interface TestNats extends NatsServerProcess {
  remove(): Promise<void>;
}

export async function startTestNats(args: string[] = []): Promise<TestNats> {
  const storeDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-nats-'));
  const server = new NatsServerProcess({ port: await freePort(), storeDir, args }) as TestNats;
  server.remove = async () => {
    await server.stop('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  };
  await server.start();
  return server;
}
