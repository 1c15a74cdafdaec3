// A real 3-node cluster with an R3 stream: a node dies or the stream's leader changes while cellgraph replays or tails it.
import { expect, it } from 'vitest';
import type { ReplayProgressSnapshot } from '../../src/events/streamStatus.js';
import { atSeq, type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { liveTailThroughFault, replayThroughFault } from '../support/faultScenarios.js';
import { type ClusterNode, clusterForTest, type TestNatsCluster } from '../support/nats.js';

// Quick heartbeats: a pull that died with its server is noticed in about two seconds.
const env = { CELLGRAPH_CONSUMER_HEARTBEAT_MS: '1000' };

/**
 * Bounds for a cluster on a loaded 2-core host, where electing a new stream
 * leader takes seconds, and so does, on nats-server < 2.9.12, a consumer the
 * cluster placed on the dead node (its create request times out after 5 s
 * and is retried; see README "Clusters").
 */
const WAIT_MS = 60_000;
const TEST_MS = 240_000;

/** The node cellgraph's connection is on now. */
function connectedNode(cluster: TestNatsCluster, app: TestCellgraph): ClusterNode {
  const server = app.source.connectedServer();
  if (!server) throw new Error('cellgraph is not connected');
  return cluster.node({ server });
}

/** Waits until cellgraph is connected again, to a node other than `gone`. */
async function failedOver(cluster: TestNatsCluster, app: TestCellgraph, gone: ClusterNode): Promise<void> {
  await waitUntil(
    () => {
      const server = app.source.connectedServer();
      return server !== undefined && cluster.node({ server }) !== gone;
    },
    `cellgraph connected to a node other than ${gone.name}`,
    WAIT_MS,
  );
}

it('the node cellgraph is connected to is SIGKILLed during the live tail: it fails over to another seed, nothing lost or applied twice', {
  timeout: TEST_MS,
}, async () => {
  const cluster = await clusterForTest();
  await liveTailThroughFault(cluster.url, {
    seed: 31,
    env,
    timeoutMs: WAIT_MS,
    fault: async (app) => {
      const node = connectedNode(cluster, app);
      await node.nats.stop('SIGKILL');
      // Read at once: once failed over, cellgraph may catch up with the whole stream before a later read.
      const cursor = app.projection.cursor;
      await failedOver(cluster, app, node);
      return cursor;
    },
  });
});

it('the stream leader steps down during the live tail: cellgraph follows the new leader, nothing lost or applied twice', {
  timeout: TEST_MS,
}, async () => {
  const cluster = await clusterForTest();
  const before = await cluster.streamLeader();
  await liveTailThroughFault(cluster.url, {
    seed: 33,
    env,
    timeoutMs: WAIT_MS,
    fault: async (app) => {
      await cluster.stepDownStreamLeader();
      const cursor = app.projection.cursor;
      await waitUntil(
        async () => (await cluster.streamLeader()) !== before,
        `a stream leader other than ${before.name}`,
        WAIT_MS,
      );
      return cursor;
    },
  });
  expect((await cluster.streamLeader()).name).not.toBe(before.name);
});

it('the stream leader, a node cellgraph is not connected to, is SIGKILLed during the live tail: a replica takes over, nothing lost or applied twice', {
  timeout: TEST_MS,
}, async () => {
  const cluster = await clusterForTest();
  let connected: ClusterNode | undefined;
  let killed: ClusterNode | undefined;
  await liveTailThroughFault(cluster.url, {
    seed: 34,
    env,
    timeoutMs: WAIT_MS,
    // The other kill test covers the connected node; this one the leader alone: move leadership off the
    // connected node before the live events start, so that the kill still lands in the middle of them.
    beforeTail: async (app) => {
      connected = connectedNode(cluster, app);
      while ((await cluster.streamLeader()) === connected) {
        await cluster.stepDownStreamLeader();
        await waitUntil(async () => (await cluster.streamLeader()) !== connected, 'leader moved', WAIT_MS);
      }
      killed = await cluster.streamLeader();
    },
    fault: async (app) => {
      const leader = killed;
      if (!leader) throw new Error('no leader chosen');
      expect(connectedNode(cluster, app)).toBe(connected);
      await leader.nats.stop('SIGKILL');
      const cursor = app.projection.cursor;
      await waitUntil(
        async () => (await cluster.streamLeader()) !== leader,
        `a stream leader other than ${leader.name}`,
        WAIT_MS,
      );
      return cursor;
    },
  });
  expect(killed).not.toBe(connected);
});

it('the node cellgraph is connected to is SIGKILLed during the boot replay: the replay resumes from its cursor on another node', {
  timeout: TEST_MS,
}, async () => {
  const cluster = await clusterForTest();
  let killed: ClusterNode | undefined;
  let atKill: { cursor: number; ready: boolean; replay: ReplayProgressSnapshot } | undefined;
  await replayThroughFault(cluster.url, {
    seed: 32,
    env,
    timeoutMs: WAIT_MS,
    interrupt: async (app) => {
      atSeq(app, 3000, () => {
        killed = connectedNode(cluster, app);
        const { ready, replay } = app.source.status();
        atKill = { cursor: app.projection.cursor, ready, replay };
        void killed.nats.stop('SIGKILL');
      });
      await waitUntil(() => killed !== undefined && !killed.nats.running, 'node killed mid-replay', WAIT_MS);
    },
    recover: async (app) => {
      if (!killed) throw new Error('no node was killed');
      await failedOver(cluster, app, killed);
    },
  });
  // The kill landed inside the replay: begun from seq 0, at seq 3000 of a target of at least 20,000.
  expect(atKill?.ready).toBe(false);
  expect(atKill?.replay.done).toBe(false);
  expect(atKill?.replay.from).toBe(0);
  expect(atKill?.cursor).toBeGreaterThanOrEqual(3000);
  expect(atKill?.replay.target).toBeGreaterThanOrEqual(20_000);
});
