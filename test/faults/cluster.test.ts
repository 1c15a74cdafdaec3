import { expect, it } from 'vitest';
import { type TestCellgraph, waitUntil } from '../support/cellgraph.js';
import { liveTailThroughFault } from '../support/faultScenarios.js';
import { type ClusterNode, clusterForTest, type TestNatsCluster } from '../support/nats.js';

// Quick heartbeats: a pull that died with its server is noticed in about two seconds.
const env = { CELLGRAPH_CONSUMER_HEARTBEAT_MS: '1000' };

/** The node cellgraph's connection is on now. */
function connectedNode(cluster: TestNatsCluster, app: TestCellgraph): ClusterNode {
  const server = app.source.connectedServer();
  if (!server) throw new Error('cellgraph is not connected');
  return cluster.node({ server });
}

/** Waits until cellgraph is connected again, to a node other than `gone`. */
async function failedOver(cluster: TestNatsCluster, app: TestCellgraph, gone: ClusterNode): Promise<void> {
  await waitUntil(() => {
    const server = app.source.connectedServer();
    return server !== undefined && cluster.node({ server }) !== gone;
  }, `cellgraph connected to a node other than ${gone.name}`);
}

it('the node cellgraph is connected to is SIGKILLed during the live tail: it fails over to another seed, nothing lost or applied twice', async () => {
  const cluster = await clusterForTest();
  await liveTailThroughFault(cluster.url, {
    seed: 31,
    env,
    fault: async (app) => {
      const node = connectedNode(cluster, app);
      await node.nats.stop('SIGKILL');
      await failedOver(cluster, app, node);
      return app.projection.cursor;
    },
  });
});

it('the stream leader steps down during the live tail: cellgraph follows the new leader, nothing lost or applied twice', async () => {
  const cluster = await clusterForTest();
  const before = await cluster.streamLeader();
  await liveTailThroughFault(cluster.url, {
    seed: 33,
    env,
    fault: async (app) => {
      await cluster.stepDownStreamLeader();
      await waitUntil(
        async () => (await cluster.streamLeader()) !== before,
        `a stream leader other than ${before.name}`,
      );
      return app.projection.cursor;
    },
  });
  expect((await cluster.streamLeader()).name).not.toBe(before.name);
});
