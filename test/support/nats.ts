// The tests' one NATS fixture: a private nats-server per file, per test or for one test, that a test may stop, pause and restart.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NodeConnectionOptions } from '@nats-io/transport-node';
import { beforeAll, beforeEach, onTestFinished } from 'vitest';
import { freePort, NatsServerProcess } from '../../src/source/natsServerProcess.js';
import { createStream, TEST_STREAM, TEST_SUBJECTS } from './publish.js';

export interface NatsOptions {
  /** Extra nats-server arguments, e.g. `-c file.conf`. */
  args?: string[];
  /**
   * A nats-server configuration file's text (users, TLS, operator mode…), written beside the store and passed
   * with `-c`; the port, host, store and `-js` still come from the fixture's own arguments, which win.
   */
  config?: string;
  /** How the test's own clients (stream creation, `clientOptions`) authenticate: credentials, TLS. */
  client?: Omit<NodeConnectionOptions, 'servers'>;
  /** Create CELLOS_EVENTS at start as cellgraph would, so a test can publish before cellgraph runs (default true). */
  stream?: boolean;
}

/**
 * A `nats-server -js` on a free port with a temporary store. The port and
 * store are chosen once and kept across stop/start, so a restart is the same
 * server with the same stream; remove() deletes the store.
 */
export class TestNats {
  private server: NatsServerProcess | undefined;
  private args: string[];
  /** `-c file` when a configuration was given: kept across restarts. */
  private configArgs: string[] = [];
  private readonly config: string | undefined;
  private readonly client: Omit<NodeConnectionOptions, 'servers'>;

  constructor(options: Pick<NatsOptions, 'args' | 'config' | 'client'> = {}) {
    this.args = options.args ?? [];
    this.config = options.config;
    this.client = options.client ?? {};
  }

  /** Only known once the port is chosen (prepare() or start()): a test reading it earlier has a bug. */
  get url(): string {
    if (!this.server) throw new Error('TestNats: url read before prepare() or start()');
    return this.server.url;
  }

  /** Connect options for the test's own clients: this server, with the `client` credentials and TLS. */
  get clientOptions(): NodeConnectionOptions {
    return { ...this.client, servers: this.url };
  }

  /** Chooses the port and store without starting, for a cellgraph that must meet a NATS that is not up yet. */
  async prepare(): Promise<NatsServerProcess> {
    if (!this.server) {
      const storeDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-nats-'));
      if (this.config !== undefined) {
        const file = path.join(storeDir, 'nats.conf');
        writeFileSync(file, this.config);
        this.configArgs = ['-c', file];
      }
      this.server = new NatsServerProcess({
        port: await freePort(),
        storeDir,
        args: [...this.configArgs, ...this.args],
      });
    }
    return this.server;
  }

  async start(): Promise<void> {
    await (await this.prepare()).start();
  }

  /** SIGTERM shuts it down cleanly; SIGKILL is a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.server?.stop(signal);
  }

  /** True while its process runs. */
  get running(): boolean {
    return this.server?.running ?? false;
  }

  /** SIGSTOP: the socket stays open but nothing answers, as with a hung server. */
  pause(): void {
    this.server?.signal('SIGSTOP');
  }

  resume(): void {
    this.server?.signal('SIGCONT');
  }

  /** Stops it and starts it again on the same port and store, with `args` replacing its extra arguments when given. */
  async restart(args?: string[]): Promise<void> {
    await this.stop();
    if (args && this.server) {
      this.args = args;
      this.server = new NatsServerProcess({ ...this.server.options, args: [...this.configArgs, ...args] });
    }
    await this.start();
  }

  /** Kills it and deletes its store; a later start() takes a new port and store. */
  async remove(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await server.stop('SIGKILL');
    rmSync(server.options.storeDir, { recursive: true, force: true });
  }
}

async function startWith(nats: TestNats, options: NatsOptions): Promise<void> {
  await nats.start();
  if (options.stream ?? true) await createStream(nats.clientOptions);
}

/**
 * NATS for a whole file (or, with `perTest`, a fresh one for each test):
 * started before, removed after. The removal is the hook's own teardown, so
 * it runs after the teardowns of hooks declared later (a cellgraph on it
 * stops before its NATS goes).
 */
export function useNats(options: NatsOptions & { perTest?: boolean } = {}): TestNats {
  const nats = new TestNats(options);
  const setup = async () => {
    await startWith(nats, options);
    return () => nats.remove();
  };
  if (options.perTest) beforeEach(setup);
  else beforeAll(setup);
  return nats;
}

/**
 * NATS for the running test only, removed when it finishes (after what the
 * test registered later, such as its cellgraph). With `start: false` only its
 * port and store are chosen: the test starts it when it wants NATS to appear.
 */
export async function natsForTest(options: NatsOptions & { start?: boolean } = {}): Promise<TestNats> {
  const nats = new TestNats(options);
  onTestFinished(() => nats.remove());
  if (options.start ?? true) await startWith(nats, options);
  else await nats.prepare();
  return nats;
}

/** A `nats-server` node of a TestNatsCluster: its JetStream server name beside the fixture. */
export interface ClusterNode {
  name: string;
  nats: TestNats;
}

/**
 * A real cluster of `size` nats-servers (routes between them, JetStream on
 * each, temp stores, free ports), each a TestNats a test may kill or restart.
 * `url` is the comma-separated seed list, as CELLGRAPH_NATS_URL takes it.
 */
export class TestNatsCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** Chooses ports and writes each node's configuration; start() boots them. */
  static async prepare(size = 3): Promise<TestNatsCluster> {
    const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
    const clusterName = `cellgraph-${process.pid}-${routePorts[0]}`;
    const nodes = routePorts.map((port, i) => {
      const name = `${clusterName}-n${i + 1}`;
      const routes = routePorts.filter((other) => other !== port).map((other) => `"nats-route://127.0.0.1:${other}"`);
      const config = [
        `server_name: "${name}"`,
        `cluster { name: "${clusterName}", listen: "127.0.0.1:${port}", routes: [${routes.join(', ')}] }`,
      ].join('\n');
      return { name, nats: new TestNats({ config }) };
    });
    await Promise.all(nodes.map(({ nats }) => nats.prepare()));
    return new TestNatsCluster(nodes);
  }

  /** Every node's client URL, the seeds. */
  get urls(): string[] {
    return this.nodes.map(({ nats }) => nats.url);
  }

  /** The seeds as one comma-separated string, as CELLGRAPH_NATS_URL takes them. */
  get url(): string {
    return this.urls.join(',');
  }

  /** Boots every node at once (they find each other over the routes). */
  async start(): Promise<void> {
    await Promise.all(this.nodes.map(({ nats }) => nats.start()));
  }

  /** The node serving `host:port` (as a client's `getServer()` says), or the one JetStream knows by `name`. */
  node(which: { server: string } | { name: string }): ClusterNode {
    const node = this.nodes.find((n) =>
      'name' in which ? n.name === which.name : n.nats.url === `nats://${which.server}`,
    );
    if (!node) throw new Error(`no cluster node ${JSON.stringify(which)}`);
    return node;
  }

  /**
   * Creates CELLOS_EVENTS replicated on every node, retrying while the
   * cluster elects its JetStream meta leader (a second or two after boot).
   */
  async createStream(replicas = this.nodes.length, timeoutMs = 20_000): Promise<void> {
    const nc = await connect({ servers: this.urls });
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      for (const deadline = Date.now() + timeoutMs; ; ) {
        try {
          await jsm.streams.add({ name: TEST_STREAM, subjects: [TEST_SUBJECTS], num_replicas: replicas });
          await jsm.streams.info(TEST_STREAM);
          return;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  }

  /** The node that leads the stream now (asked of the cluster, retrying through an election). */
  async streamLeader(timeoutMs = 15_000): Promise<ClusterNode> {
    const live = this.nodes.filter(({ nats }) => nats.running).map(({ nats }) => nats.url);
    const nc = await connect({ servers: live });
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      for (const deadline = Date.now() + timeoutMs; ; ) {
        const leader = await jsm.streams
          .info(TEST_STREAM)
          .then((info) => info.cluster?.leader)
          .catch(() => undefined);
        if (leader) return this.node({ name: leader });
        if (Date.now() > deadline) throw new Error('no stream leader');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await nc.close();
    }
  }

  /** Asks the stream's leader to step down: another replica takes over. */
  async stepDownStreamLeader(): Promise<void> {
    const live = this.nodes.filter(({ nats }) => nats.running).map(({ nats }) => nats.url);
    const nc = await connect({ servers: live });
    try {
      const reply = await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${TEST_STREAM}`, '', { timeout: 5_000 });
      const answer = reply.json<{ success?: boolean; error?: unknown }>();
      if (!answer.success) throw new Error(`step-down refused: ${JSON.stringify(answer.error)}`);
    } finally {
      await nc.close();
    }
  }

  async remove(): Promise<void> {
    await Promise.all(this.nodes.map(({ nats }) => nats.remove()));
  }
}

/** A 3-node cluster with an R3 CELLOS_EVENTS for the running test only, removed when it finishes. */
export async function clusterForTest(options: { stream?: boolean } = {}): Promise<TestNatsCluster> {
  const cluster = await TestNatsCluster.prepare();
  onTestFinished(() => cluster.remove());
  await cluster.start();
  if (options.stream ?? true) await cluster.createStream();
  return cluster;
}
