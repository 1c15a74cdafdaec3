import { parseArgs } from 'node:util';
import { startCellgraph } from '../app.js';
import { ConfigError, loadConfig, unknownVariables } from '../config.js';
import { NatsUrlRequiredError, resolveNats } from '../source/embeddedNats.js';
import { NatsServerMissingError } from '../source/natsServerProcess.js';
import { createLogger } from '../util/logger.js';
import { startTracing } from './telemetry.js';
import { cellgraphVersion } from './version.js';

/** After SIGTERM/SIGINT the drain gets this long before the process exits anyway (deploy/ sizes grace periods on it). */
export const SHUTDOWN_FORCE_MS = 10_000;

/**
 * `cellgraph serve [--dev]`: the server, until SIGTERM/SIGINT. Production
 * needs CELLGRAPH_NATS_URL; `--dev` (what `npm start` runs) may use or start
 * a nats-server on 127.0.0.1:4222 instead.
 */
export async function serve(argv: string[] = []): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { dev: { type: 'boolean', default: false } } });
  const dev = values.dev;
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
  for (const { name, didYouMean } of unknownVariables()) {
    logger.warn(
      { variable: name, ...(didYouMean ? { didYouMean } : {}) },
      didYouMean
        ? `${name} is not a cellgraph setting (ignored): did you mean ${didYouMean}?`
        : `${name} is not a cellgraph setting (ignored)`,
    );
  }
  let nats: Awaited<ReturnType<typeof resolveNats>>;
  try {
    nats = await resolveNats(config, logger, { dev });
  } catch (error) {
    if (error instanceof NatsUrlRequiredError) {
      logger.fatal({ err: error.message }, 'no NATS configured');
      console.error(`cellgraph: ${error.message}`);
      process.exit(2);
    }
    if (error instanceof NatsServerMissingError) {
      logger.fatal({ err: error.message }, 'cannot start the embedded NATS');
      console.error(`cellgraph: ${error.message}`);
      process.exit(3);
    }
    throw error;
  }
  const tracing = await startTracing(process.env, logger, cellgraphVersion());
  const app = await startCellgraph(config, nats.url, logger);
  logger.info({ url: app.url, mode: dev ? 'development' : 'production' }, 'serving');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), SHUTDOWN_FORCE_MS);
    force.unref();
    await app.stop();
    await nats.embedded?.stop();
    await tracing?.shutdown();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
