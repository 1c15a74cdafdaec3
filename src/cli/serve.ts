import { startCellgraph } from '../app.js';
import { ConfigError, loadConfig } from '../config.js';
import { resolveNats } from '../source/embeddedNats.js';
import { NatsServerMissingError } from '../source/natsServerProcess.js';
import { createLogger } from '../util/logger.js';

/** `cellgraph serve`: the server, until SIGTERM/SIGINT. */
export async function serve(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`cellgraph: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.CELLGRAPH_LOG_LEVEL);
  let nats: Awaited<ReturnType<typeof resolveNats>>;
  try {
    nats = await resolveNats(config, logger);
  } catch (error) {
    if (error instanceof NatsServerMissingError) {
      logger.fatal({ err: error.message }, 'cannot start the embedded NATS');
      console.error(`cellgraph: ${error.message}`);
      process.exit(3);
    }
    throw error;
  }
  const app = await startCellgraph(config, nats.url, logger);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.stop();
    await nats.embedded?.stop();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
