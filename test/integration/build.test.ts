import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/source/natsServerProcess.js';
import { waitUntil } from '../support/cellgraph.js';
import { httpStatus } from '../support/http.js';
import { useNats } from '../support/nats.js';

/**
 * The production artifact: `npm run build` compiles src/ to dist/ (its
 * `build:server` half, run here; the dashboard half is Vite's, run by pretest,
 * and rebuilding it here would pull dist/dashboard from under the browser
 * tests), and `node dist/main.js` (the `cellgraph` bin) runs with no npm or
 * tsx in front.
 */

const root = path.resolve(import.meta.dirname, '../..');
const main = path.join(root, 'dist', 'main.js');
const run = promisify(execFile);
const nats = useNats();
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

function cleanEnv(env: Record<string, string> = {}): Record<string, string> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CELLGRAPH_')));
  return { ...(base as Record<string, string>), ...env };
}

function start(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, [main, ...args], {
    cwd: root,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

beforeAll(async () => {
  await run('npm', ['run', 'build:server'], { cwd: root });
}, 240_000);

describe('the built artifact (npm run build, node dist/main.js)', () => {
  it('is the package bin and answers --version and --help', async () => {
    expect(path.resolve(root, pkg.bin['cellgraph']!)).toBe(main);
    expect(readFileSync(main, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    const version = await run(process.execPath, [main, '--version'], { env: cleanEnv() });
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(process.execPath, [main, '--help'], { env: cleanEnv() });
    for (const command of ['serve', 'simulate', 'print-schema']) expect(help.stdout).toContain(command);
  });

  it('print-schema prints the checked-in schema', async () => {
    const { stdout } = await run(process.execPath, [main, 'print-schema'], {
      env: cleanEnv(),
      maxBuffer: 10_000_000,
    });
    expect(stdout).toBe(readFileSync(path.join(root, 'schema.graphql'), 'utf8'));
  });

  it('an unknown command exits 2 with the usage', async () => {
    const cli = start(['serv'], {});
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/unknown command "serv".*usage: cellgraph/s);
  });

  it('serve without CELLGRAPH_NATS_URL refuses to start (exit 2), saying what to set, and starts no NATS', async () => {
    const port = await freePort();
    const cli = start(['serve'], { CELLGRAPH_PORT: String(port) });
    expect(await cli.exited, cli.output()).toBe(2);
    expect(cli.output()).toMatch(/CELLGRAPH_NATS_URL is not set: set it to/);
    expect(cli.output()).not.toMatch(/embedded nats-server/);
    expect(await httpStatus(`http://127.0.0.1:${port}/healthz`)).toBe(0);
  });

  it('serve with a URL: warns about a misspelled variable, becomes ready, and on SIGTERM drains and exits 0', async () => {
    const port = await freePort();
    const cli = start(['serve'], {
      CELLGRAPH_NATS_URL: nats.url,
      CELLGRAPH_PORT: String(port),
      CELLGRAPH_MAX_COSTS: '10',
    });
    try {
      await waitUntil(
        async () => (await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 || cli.child.exitCode !== null,
        'ready',
        45_000,
      );
      expect(cli.child.exitCode, cli.output()).toBeNull();
      const warning = cli
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line['variable'] === 'CELLGRAPH_MAX_COSTS');
      expect(warning).toMatchObject({ level: 40, didYouMean: 'CELLGRAPH_MAX_COST' });
      cli.child.kill('SIGTERM');
      expect(await cli.exited, cli.output()).toBe(0);
      expect(cli.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    }
  });
});
