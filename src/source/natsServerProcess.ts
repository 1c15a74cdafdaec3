import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';

export interface NatsServerOptions {
  port: number;
  storeDir: string;
  host?: string;
  binary?: string;
  /** Extra arguments, e.g. `--max_payload`. */
  args?: string[];
}

export class NatsServerMissingError extends Error {
  constructor(binary: string) {
    super(
      `"${binary}" was not found on the PATH. Install it (Debian/Ubuntu: apt-get install -y nats-server; ` +
        'or download from https://github.com/nats-io/nats-server/releases), or point CELLGRAPH_NATS_URL at a running NATS with JetStream.',
    );
  }
}

/** True when something accepts TCP connections on host:port. */
export function isListening(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const finish = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** A port the OS says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Children still running: killed when this process exits, however it exits (a crashed test run must not leak servers). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A `nats-server -js` child process. Used by the embedded default of
 * `npm start`, and by tests, which also stop, pause and restart it.
 */
export class NatsServerProcess {
  private child: ChildProcess | undefined;
  private output = '';

  constructor(readonly options: NatsServerOptions) {}

  get url(): string {
    return `nats://${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 10_000): Promise<void> {
    if (this.running) return;
    mkdirSync(this.options.storeDir, { recursive: true });
    const binary = this.options.binary ?? 'nats-server';
    const args = [
      '-js',
      '-a',
      this.options.host ?? '127.0.0.1',
      '-p',
      String(this.options.port),
      '-sd',
      this.options.storeDir,
      ...(this.options.args ?? []),
    ];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    this.output = '';
    const collect = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new NatsServerMissingError(binary) : error),
      );
      const poll = async () => {
        if (!this.running) return reject(new Error(`nats-server exited: ${this.output.slice(-2000)}`));
        if (/Server is ready/.test(this.output)) return resolve();
        if (Date.now() > deadline)
          return reject(new Error(`nats-server not ready after ${timeoutMs} ms: ${this.output.slice(-2000)}`));
        setTimeout(poll, 25);
      };
      setTimeout(poll, 25);
    });
  }

  /** Sends a signal without waiting: SIGSTOP/SIGCONT pause and resume it. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Stops the server (SIGKILL simulates a crash) and waits until it is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  get log(): string {
    return this.output;
  }
}
