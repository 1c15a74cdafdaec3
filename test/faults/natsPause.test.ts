import { it } from 'vitest';
import type { EventPublisher } from '../../src/simulator/publisher.js';
import { atSeq, waitUntil } from '../support/cellgraph.js';
import { liveTailThroughFault, replayThroughFault } from '../support/faultScenarios.js';
import { useNats } from '../support/nats.js';

const HEARTBEAT_MS = 1_000;
/** Short heartbeat and stall timeout, so a pause of a few seconds is "longer than the heartbeat". */
const env = {
  CELLGRAPH_BOOKMARK_INTERVAL_MS: '200',
  CELLGRAPH_CONSUMER_HEARTBEAT_MS: String(HEARTBEAT_MS),
  CELLGRAPH_STALL_TIMEOUT_MS: '2000',
};

const nats = useNats({ perTest: true });

/**
 * Stops NATS (SIGSTOP) now; the returned resume() keeps it stopped until more than
 * two heartbeats have gone by and the publisher has felt it, then continues it.
 */
function pauseNats(publisher: EventPublisher): () => Promise<void> {
  nats.pause();
  const pausedAt = Date.now();
  const retriesBefore = publisher.stats.retries;
  return async () => {
    await waitUntil(
      () => Date.now() - pausedAt > 3 * HEARTBEAT_MS && publisher.stats.retries > retriesBefore,
      'publisher timing out while NATS is paused',
    );
    nats.resume();
  };
}

it('NATS paused (SIGSTOP) for longer than the heartbeat during the live tail, then resumed: nothing lost or applied twice', async () => {
  await liveTailThroughFault(nats.url, {
    seed: 31,
    env,
    fault: async (app, publisher) => {
      await pauseNats(publisher)();
      return app.projection.cursor;
    },
  });
});

it('NATS paused (SIGSTOP) during the boot replay, then resumed: the replay completes from its cursor', async () => {
  let resume: (() => Promise<void>) | undefined;
  await replayThroughFault(nats.url, {
    seed: 32,
    env,
    interrupt: async (app, publisher) => {
      atSeq(app, 3000, () => (resume = pauseNats(publisher)));
      await waitUntil(() => resume !== undefined, 'replay under way');
    },
    recover: async () => {
      await resume!();
    },
  });
});
