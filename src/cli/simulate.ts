import { parseArgs } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_NATS_URL, loadConfig } from '../config.js';
import { simulateEvents } from '../simulator/generator.js';
import { EventPublisher } from '../simulator/publisher.js';
import { connectOptions, natsSettings } from '../source/natsSettings.js';
import { ensureStream } from '../source/stream.js';
import { createLogger } from '../util/logger.js';
import { redactNatsUrl } from '../util/natsUrl.js';

const USAGE = `usage: cellgraph simulate [--count N] [--rate EVENTS_PER_S] [--cells N] [--seed N]
  Publishes realistic CellOS CloudEvents to CELLGRAPH_NATS_URL (default ${DEFAULT_NATS_URL}),
  stream CELLGRAPH_STREAM (created when missing). --count 0 runs until interrupted.`;

/** `cellgraph simulate`: live demo data for GraphiQL, tests and benchmarks. */
export async function simulate(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      count: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '100' },
      cells: { type: 'string', default: '50' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const count = Number(values.count);
  const rate = Number(values.rate);
  const cells = Number(values.cells);
  const seed = Number(values.seed);
  if (![count, rate, cells, seed].every((n) => Number.isInteger(n) && n >= 0)) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger(config.CELLGRAPH_LOG_LEVEL, { command: 'simulate' });
  const url = config.CELLGRAPH_NATS_URL ?? DEFAULT_NATS_URL;
  // The same seeds, credentials and TLS as the server uses.
  const options = connectOptions(natsSettings(config, url));
  const nc = await connect(options);
  await ensureStream(await jetstreamManager(nc), {
    stream: config.CELLGRAPH_STREAM,
    subjects: config.CELLGRAPH_SUBJECTS,
    create: config.CELLGRAPH_CREATE_STREAM,
  });
  await nc.close();

  const publisher = await EventPublisher.connect(options);
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort());
  process.on('SIGTERM', () => controller.abort());
  const events = simulateEvents({ seed, concurrentCells: cells });
  const limited = count > 0 ? take(events, count) : events;
  logger.info(
    {
      url: redactNatsUrl(url),
      stream: config.CELLGRAPH_STREAM,
      count: count || 'unbounded',
      rate: rate || 'max',
      seed,
    },
    'simulating',
  );
  const started = Date.now();
  const seqs = await publisher.publish(limited, { rate, signal: controller.signal });
  await publisher.close();
  const seconds = (Date.now() - started) / 1000;
  logger.info(
    { published: seqs.length, lastSeq: seqs.at(-1) ?? null, seconds, rate: Math.round(seqs.length / seconds) },
    'simulation done',
  );
}

function* take<T>(items: Iterable<T>, count: number): Generator<T> {
  let n = 0;
  for (const item of items) {
    if (n++ >= count) return;
    yield item;
  }
}
