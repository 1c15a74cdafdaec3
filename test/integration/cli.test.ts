import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/source/natsServerProcess.js';
import { CellChangesDocument } from '../generated/graphql.js';
import { waitUntil } from '../support/cellgraph.js';
import { httpStatus } from '../support/http.js';
import { useNats } from '../support/nats.js';
import { cloudEvent, publishAll } from '../support/publish.js';
import { CellView, subscribe } from '../support/subscriber.js';
import { connectWs } from '../support/ws.js';

/** `cellgraph serve` as a child process: what only the real CLI does (signals, exit codes). */

const root = path.resolve(import.meta.dirname, '../..');
const nats = useNats();
const children: { kill(): void }[] = [];

beforeAll(async () => {
  await publishAll(nats.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'cli-1', specId: 'spec-c' })]);
});

afterEach(() => {
  for (const child of children.splice(0)) child.kill();
});

afterAll(async () => {});

function serve(env: Record<string, string>) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELLGRAPH_'))) as Record<
    string,
    string
  >;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  children.push({ kill: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL') });
  return { child, exited, output: () => output };
}

describe('cellgraph serve', () => {
  it('on SIGINT (Ctrl-C) shuts down like SIGTERM: SHUTDOWN with the last seq, sockets closed with 1001, exit 0', async () => {
    const port = await freePort();
    const cli = serve({ CELLGRAPH_NATS_URL: nats.url, CELLGRAPH_PORT: String(port), CELLGRAPH_LOG_LEVEL: 'info' });
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(
      async () => (await httpStatus(`${url}/readyz`)) === 200 || cli.child.exitCode !== null,
      'child ready',
      90_000, // booting tsx on a machine shared by several test runs can take a while
    );
    expect(cli.child.exitCode, cli.output()).toBeNull();
    const ws = connectWs(url);
    await ws.connected;
    const view = new CellView();
    const sub = subscribe(
      ws.client,
      CellChangesDocument,
      { include: 'SNAPSHOT' },
      (data) => view.apply(data.cells),
      view.recordErrors,
    );
    await waitUntil(() => view.synced, 'snapshot delivered');
    const lastBefore = view.lastSeq;

    cli.child.kill('SIGINT');
    await sub.done;
    expect(await cli.exited, cli.output()).toBe(0);
    expect(view.messages.at(-1)).toMatchObject({ kind: 'SHUTDOWN', seq: lastBefore });
    expect(view.errors).toEqual([]);
    expect(await ws.closed).toBe(1001);
    expect(cli.output()).toMatch(/"signal":"SIGINT".*"msg":"shutting down"/);
  }, 150_000);
});
