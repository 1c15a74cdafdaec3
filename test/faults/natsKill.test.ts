import { it } from 'vitest';
import { atSeq, waitUntil } from '../support/cellgraph.js';
import { liveTailThroughFault, replayThroughFault } from '../support/faultScenarios.js';
import { useNats } from '../support/nats.js';

const nats = useNats({ perTest: true });

it('NATS SIGKILLed and restarted during the live tail: cellgraph reconnects and continues from its cursor, nothing lost or applied twice', async () => {
  await liveTailThroughFault(nats.url, {
    seed: 21,
    fault: async (app, publisher) => {
      await nats.stop('SIGKILL');
      await waitUntil(() => !app.source.status().connected, 'cellgraph noticing the crash');
      await waitUntil(() => publisher.stats.retries > 0, 'publisher failing during the outage');
      const cursorDuringOutage = app.projection.cursor;
      await nats.start();
      return cursorDuringOutage;
    },
  });
});

it('NATS SIGKILLed and restarted during the boot replay: the replay resumes from its cursor and /readyz waits for it', async () => {
  await replayThroughFault(nats.url, {
    seed: 22,
    interrupt: async (app) => {
      // Freeze NATS the moment the replay passes seq 3000, then kill it: the crash lands mid-replay for sure.
      atSeq(app, 3000, () => nats.pause());
      await waitUntil(() => app.projection.cursor >= 3000, 'replay under way');
      await nats.stop('SIGKILL');
    },
    recover: async (app, publisher) => {
      await waitUntil(() => !app.source.status().connected, 'cellgraph noticing the crash');
      await waitUntil(() => publisher.stats.retries > 0, 'publisher failing during the outage');
      await nats.start();
    },
  });
});
