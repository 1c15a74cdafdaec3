// Looking at the test stream from outside cellgraph: a JetStream manager on its own connection, and the stream's state.
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { TEST_STREAM } from './publish.js';

/** A JetStream manager on its own connection, closed when `fn` is done. */
export async function withJsm<T>(
  url: string,
  fn: (jsm: JetStreamManager) => Promise<T>,
  options: NodeConnectionOptions = {},
): Promise<T> {
  const nc = await connect({ ...options, servers: url.split(',') });
  try {
    return await fn(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** The stream's first and last seq as the server reports them now; the connection retries, as NATS may just be coming back. */
export function streamState(
  url: string,
  stream = TEST_STREAM,
): Promise<{ first: number; last: number; messages: number }> {
  return withJsm(
    url,
    async (jsm) => {
      const { state } = await jsm.streams.info(stream);
      return { first: state.first_seq, last: state.last_seq, messages: state.messages };
    },
    { maxReconnectAttempts: 20, reconnectTimeWait: 100 },
  );
}
