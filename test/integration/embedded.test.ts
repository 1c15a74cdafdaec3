import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { freePort, isListening } from '../../src/source/natsServerProcess.js';
import { waitUntil } from '../support/cellgraph.js';
import { httpStatus } from '../support/http.js';
import { isAlive, takePort } from '../support/portLock.js';
import { descendants, isRunning } from '../support/processTree.js';

/**
 * `cellgraph serve --dev` (and `npm start`, which runs it) with no
 * CELLGRAPH_NATS_URL: uses 127.0.0.1:4222, or starts an embedded nats-server
 * there. Runs the real CLI as a child process.
 * Both tests need 4222 free (otherwise the CLI would use whatever listens
 * there), and 4222 is not configurable: each waits its turn for the port
 * (other test runs on this machine take it the same way) and fails, saying
 * so, when something else keeps it.
 */

/** How long a test waits for 4222; its own timeout allows for that wait and its run. */
const PORT_WAIT_MS = 90_000;
const TIMEOUT_MS = PORT_WAIT_MS + 180_000;

async function take4222(): Promise<void> {
  const release = await takePort(4222, PORT_WAIT_MS);
  // onTestFinished runs after afterEach: the port is given back once the CLI and its nats-server are gone.
  onTestFinished(release);
}

const root = path.resolve(import.meta.dirname, '../..');

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function withoutCellgraphEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELLGRAPH_'))) as Record<
    string,
    string
  >;
}

function serve(env: Record<string, string>): Child {
  // What `npm start` runs (node with tsx's loader: no tsx CLI process relaying signals in between).
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve', '--dev'], {
    cwd: root,
    env: { ...withoutCellgraphEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child);
}

function track(child: ChildProcess): Child {
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
  return { process: child, output: () => output, exited };
}

describe('embedded default', () => {
  it(
    'with no CELLGRAPH_NATS_URL and nothing on 4222, starts a local nats-server, serves, and stops it on SIGTERM',
    async () => {
      await take4222();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-embedded-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      const child = serve({ CELLGRAPH_PORT: String(port), CELLGRAPH_DATA_DIR: dataDir, CELLGRAPH_LOG_LEVEL: 'info' });
      let embeddedPid: number | undefined;
      cleanups.push(async () => {
        // last resort if the CLI died without stopping its nats-server: that one process, by its pid
        if (embeddedPid !== undefined && isAlive(embeddedPid)) process.kill(embeddedPid, 'SIGKILL');
      });

      await waitUntil(
        async () => (await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 || child.process.exitCode !== null,
        'ready',
        45_000,
      );
      expect(child.process.exitCode, child.output()).toBeNull();
      const started = child
        .output()
        .split('\n')
        .find((line) => line.includes('embedded nats-server'));
      expect(started, child.output()).toBeDefined();
      embeddedPid = (JSON.parse(started!) as { pid: number }).pid;
      expect(isAlive(embeddedPid)).toBe(true);
      expect(await isListening(4222)).toBe(true);
      expect(existsSync(path.join(dataDir, 'nats'))).toBe(true);

      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ projection { connected ready stream } }' }),
      });
      expect(await response.json()).toEqual({
        data: { projection: { connected: true, ready: true, stream: 'CELLOS_EVENTS' } },
      });

      child.process.kill('SIGTERM');
      expect(await child.exited).toBe(0);
      await waitUntil(() => !isAlive(embeddedPid!), 'the embedded nats-server to exit', 10_000);
      expect(await isListening(4222)).toBe(false);
    },
    TIMEOUT_MS,
  );

  it(
    'with no nats-server on the PATH, exits non-zero and says how to get one',
    async () => {
      await take4222();
      // a PATH with node only
      const bin = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-path-'));
      cleanups.push(async () => rmSync(bin, { recursive: true, force: true }));
      symlinkSync(process.execPath, path.join(bin, 'node'));
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-embedded-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const child = serve({ PATH: bin, CELLGRAPH_PORT: String(await freePort()), CELLGRAPH_DATA_DIR: dataDir });
      const code = await child.exited;
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(child.output()).toMatch(/nats-server.*not found on the PATH/);
      expect(child.output()).toMatch(/apt-get install -y nats-server|github\.com\/nats-io\/nats-server\/releases/);
      expect(child.output()).toMatch(/CELLGRAPH_NATS_URL/);
    },
    TIMEOUT_MS,
  );

  it(
    '`npm start` forwards SIGTERM: the server drains and logs its shutdown, the embedded nats-server stops, no process is left',
    async () => {
      await take4222();
      const dataDir = mkdtempSync(path.join(os.tmpdir(), 'cellgraph-embedded-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      const port = await freePort();
      // What a container runtime does to PID 1: the signal goes to npm itself, not to the server below it.
      const npm = track(
        spawn('npm', ['start'], {
          cwd: root,
          env: {
            ...withoutCellgraphEnv(),
            CELLGRAPH_PORT: String(port),
            CELLGRAPH_DATA_DIR: dataDir,
            CELLGRAPH_LOG_LEVEL: 'info',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );
      let below: ReturnType<typeof descendants> = [];
      cleanups.push(async () => {
        // last resort: the processes this test started and saw, each by its pid
        for (const { pid } of below) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
      });
      await waitUntil(
        async () => (await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 || npm.process.exitCode !== null,
        'ready',
        150_000, // prestart may install dependencies or rebuild the dashboard first
      );
      expect(npm.process.exitCode, npm.output()).toBeNull();
      below = descendants(npm.process.pid!);
      expect(
        below.some((p) => /src\/main\.ts serve --dev/.test(p.command)),
        JSON.stringify(below),
      ).toBe(true);
      expect(
        below.some((p) => /nats-server/.test(p.command)),
        JSON.stringify(below),
      ).toBe(true);

      npm.process.kill('SIGTERM');
      expect(await npm.exited, npm.output()).toBe(0);
      await waitUntil(() => below.every(({ pid }) => !isRunning(pid)), 'every process under npm start to exit', 15_000);
      expect(await isListening(4222)).toBe(false);
      expect(npm.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
      expect(npm.output()).toMatch(/"msg":"stopped"/);
    },
    TIMEOUT_MS,
  );
});
