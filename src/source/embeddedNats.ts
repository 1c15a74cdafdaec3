import path from 'node:path';
import { type Config, DEFAULT_NATS_URL } from '../config.js';
import type { Logger } from '../util/logger.js';
import { isListening, NatsServerProcess } from './natsServerProcess.js';

/**
 * Where to find NATS. A configured URL wins. Otherwise a NATS already on
 * 127.0.0.1:4222 is used, and failing that a local `nats-server -js` child
 * is started with its store under the data dir, so `npm start` works on a
 * fresh machine with nothing configured.
 */
export async function resolveNats(
  config: Config,
  logger: Logger,
): Promise<{ url: string; embedded?: NatsServerProcess }> {
  if (config.CELLGRAPH_NATS_URL) return { url: config.CELLGRAPH_NATS_URL };
  if (config.CELLGRAPH_EMBEDDED_NATS === 'never' || (await isListening(4222))) return { url: DEFAULT_NATS_URL };
  const storeDir = path.resolve(config.CELLGRAPH_DATA_DIR, 'nats');
  const embedded = new NatsServerProcess({ port: 4222, storeDir });
  await embedded.start();
  logger.info(
    { url: embedded.url, storeDir, pid: embedded.pid },
    'no CELLGRAPH_NATS_URL and nothing on 4222: started an embedded nats-server (stopped on exit)',
  );
  return { url: embedded.url, embedded };
}
