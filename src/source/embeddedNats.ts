import path from 'node:path';
import { type Config, DEFAULT_NATS_URL } from '../config.js';
import type { Logger } from '../util/logger.js';
import { isListening, NatsServerProcess } from './natsServerProcess.js';

/** Production start without CELLGRAPH_NATS_URL: refused rather than serving an empty projection that reports ready. */
export class NatsUrlRequiredError extends Error {
  constructor() {
    super(
      'CELLGRAPH_NATS_URL is not set: set it to the NATS that carries the CellOS stream ' +
        '(e.g. CELLGRAPH_NATS_URL=nats://nats:4222). For local development run `npm start` ' +
        '(`cellgraph serve --dev`), which uses or starts a nats-server on 127.0.0.1:4222.',
    );
  }
}

/**
 * Where to find NATS. A configured URL wins. Otherwise, only in development
 * (`serve --dev`, or CELLGRAPH_EMBEDDED_NATS=auto asked for by name): a NATS
 * already on 127.0.0.1:4222 is used, and failing that a local
 * `nats-server -js` child is started with its store under the data dir, so
 * `npm start` works on a fresh machine with nothing configured. The
 * production command never starts one implicitly: it throws
 * NatsUrlRequiredError.
 */
export async function resolveNats(
  config: Config,
  logger: Logger,
  options: { dev: boolean },
): Promise<{ url: string; embedded?: NatsServerProcess }> {
  if (config.CELLGRAPH_NATS_URL) return { url: config.CELLGRAPH_NATS_URL };
  const embedded = config.CELLGRAPH_EMBEDDED_NATS ?? (options.dev ? 'auto' : undefined);
  if (embedded === undefined || (!options.dev && embedded === 'never')) throw new NatsUrlRequiredError();
  if (embedded === 'never' || (await isListening(4222))) return { url: DEFAULT_NATS_URL };
  const storeDir = path.resolve(config.CELLGRAPH_DATA_DIR, 'nats');
  const server = new NatsServerProcess({ port: 4222, storeDir });
  await server.start();
  logger.info(
    { url: server.url, storeDir, pid: server.pid },
    'no CELLGRAPH_NATS_URL and nothing on 4222: started an embedded nats-server (stopped on exit)',
  );
  return { url: server.url, embedded: server };
}
