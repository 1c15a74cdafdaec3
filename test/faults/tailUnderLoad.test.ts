import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import { print } from 'graphql';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { takeEvents } from '../../src/simulator/generator.js';
import { CellChangesDocument } from '../generated/graphql.js';
import { expectEqualsFreshReplay, expectViewEqualsQuery } from '../support/convergence.js';
import { publishInBackground, syncWatcher, toPublish, withFaultRig } from '../support/faultScenarios.js';
import { useNats } from '../support/nats.js';
import { publishAll } from '../support/publish.js';
import { wsUrl } from '../support/subscriber.js';

const nats = useNats();

/** A busy loop per core, so nats-server and cellgraph fight for CPU as on a loaded host. */
function loadEveryCore(): ChildProcess[] {
  return os.cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/**
 * Subscription churn: `slots` graphql-ws connections, each subscribing with a
 * snapshot, living 1-3 s, then closed (every other one abruptly) and replaced.
 */
function churn(url: string, slots: number, signal: AbortSignal): Promise<number> {
  let opened = 0;
  const slot = async (i: number) => {
    while (!signal.aborted) {
      const socket = new WebSocket(wsUrl(url), 'graphql-transport-ws');
      opened += 1;
      socket.on('error', () => undefined);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('message', (raw) => {
        const type = (JSON.parse(String(raw)) as { type: string }).type;
        if (type === 'connection_ack')
          socket.send(
            JSON.stringify({
              id: '1',
              type: 'subscribe',
              payload: { query: print(CellChangesDocument), variables: { include: 'SNAPSHOT' } },
            }),
          );
      });
      await new Promise((r) => setTimeout(r, 1_000 + Math.random() * 2_000));
      if (i % 2 === 0) socket.terminate();
      else socket.close();
    }
  };
  return Promise.all(Array.from({ length: slots }, (_, i) => slot(i))).then(() => opened);
}

it('the live tail keeps moving under CPU load and subscription churn: no stall restart, no missed heartbeat, every event applied once', async () => {
  const events = takeEvents(5_000, { seed: 91, concurrentCells: 80 }).map((e) => e.event);
  await publishAll(nats.url, events.slice(0, 500));
  const busy = loadEveryCore();
  const stopChurn = new AbortController();
  try {
    // 1 s heartbeats: pulls expire every 2 s, so the 20 s tail sees about ten pull expiries under load.
    const env = { CELLGRAPH_CONSUMER_HEARTBEAT_MS: '1000', CELLGRAPH_STALL_TIMEOUT_MS: '4000' };
    await withFaultRig(nats.url, env, async (rig) => {
      const { app, publisher, watcher } = rig;
      await syncWatcher(rig);
      const churning = churn(app.url, 50, stopChurn.signal);
      const publishing = publishInBackground(publisher, toPublish(events.slice(500)), { rate: 200, window: 16 });
      await publishing;
      stopChurn.abort();
      expect(await churning).toBeGreaterThan(50);

      const { last } = await expectEqualsFreshReplay(nats.url, app);
      expect(last).toBe(5_000);
      await expectViewEqualsQuery(watcher, app, last);
      const stats = app.source.consumerStats();
      expect(stats.stallRestarts).toBe(0);
      expect(stats.heartbeatsMissed).toBe(0);
      // Pulls the server dropped (nats-server < 2.9.16) were ended half a second after their expiry.
      console.log(JSON.stringify({ ...stats, load: os.loadavg() }));
    });
  } finally {
    stopChurn.abort();
    for (const child of busy) child.kill('SIGKILL');
  }
}, 120_000);
