import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { EventPublisher, type PublishOptions } from '../../src/simulator/publisher.js';
import { ensureStream } from '../../src/source/stream.js';

export const TEST_STREAM = 'CELLOS_EVENTS';
export const TEST_SUBJECTS = 'cellos.events.>';

/** Creates the stream as cellgraph would, so tests can publish before cellgraph starts. */
export async function createStream(target: string | NodeConnectionOptions, stream = TEST_STREAM): Promise<void> {
  const nc = await connect(typeof target === 'string' ? { servers: target.split(',') } : target);
  try {
    await ensureStream(await jetstreamManager(nc), { stream, subjects: TEST_SUBJECTS, create: true });
  } finally {
    await nc.close();
  }
}

let serial = 0;

/** A valid CloudEvent of a short type, with a fresh id unless given. */
export function cloudEvent(
  type: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  serial += 1;
  return {
    specversion: '1.0',
    id: `test-${process.pid}-${serial}-${Math.random().toString(36).slice(2)}`,
    source: 'test',
    type:
      type.includes('.v1.') && !type.startsWith('dev.') && !type.startsWith('io.') ? `dev.cellos.events.${type}` : type,
    time: new Date(Date.UTC(2026, 10, 28, 12, 0, 0) + serial * 1000).toISOString(),
    data,
    ...extra,
  };
}

/** Publishes events (objects, or raw bodies) and returns their seqs; `retry` rides through NATS outages. */
export async function publishAll(
  url: string | NodeConnectionOptions,
  items: (Record<string, unknown> | { raw: string | Uint8Array })[],
  options: PublishOptions = {},
): Promise<number[]> {
  const publisher = await EventPublisher.connect(url);
  try {
    return await publisher.publish(
      items.map((item) =>
        'raw' in item && (typeof item.raw === 'string' || item.raw instanceof Uint8Array)
          ? { subject: 'cellos.events.test.raw', body: item.raw }
          : { subject: 'cellos.events.test', event: item },
      ),
      options,
    );
  } finally {
    await publisher.close();
  }
}
