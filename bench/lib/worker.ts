import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Messages a bench worker sends to the orchestrator over IPC. */
export type WorkerMessage = { type: string; [key: string]: unknown };

/**
 * A benchmark worker: a separate Node process (so its heap, GC and JIT state
 * are its own and it competes for CPU like a real deployment would), running
 * one file of bench/workers through tsx, talking over IPC.
 */
export class Worker {
  private readonly child: ChildProcess;
  private readonly inbox: WorkerMessage[] = [];
  private readonly waiting: { type: string; resolve: (m: WorkerMessage) => void; reject: (e: Error) => void }[] = [];
  private exitError: Error | undefined;
  private stderr = '';

  constructor(name: string, args: unknown, options: { execArgv?: string[] } = {}) {
    this.child = fork(path.join(here, '..', 'workers', `${name}.ts`), [JSON.stringify(args)], {
      execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
      if (process.env['BENCH_DEBUG']) process.stderr.write(chunk);
    });
    this.child.on('message', (message: WorkerMessage) => {
      if (message.type === 'error') return this.fail(new Error(`${name} worker: ${String(message['message'])}`));
      const index = this.waiting.findIndex((w) => w.type === message.type);
      if (index >= 0) this.waiting.splice(index, 1)[0]!.resolve(message);
      else this.inbox.push(message);
    });
    this.child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null)
        this.fail(new Error(`${name} worker exited with ${code}: ${this.stderr.slice(-2000)}`));
      else this.fail(new Error(`${name} worker exited (${signal ?? code})`));
    });
  }

  private fail(error: Error): void {
    this.exitError ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }

  /** The next message of `type` from the worker (earlier ones are kept in order). */
  next<T extends WorkerMessage = WorkerMessage>(type: string, timeoutMs = 15 * 60_000): Promise<T> {
    const index = this.inbox.findIndex((m) => m.type === type);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0] as T);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}`)), timeoutMs);
      this.waiting.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(message: WorkerMessage): void {
    this.child.send(message);
  }

  /** Asks the worker to stop (it answers with its final `stopped` report), then waits for the exit. */
  async stop(): Promise<WorkerMessage | undefined> {
    if (this.child.exitCode !== null) return undefined;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    let report: WorkerMessage | undefined;
    try {
      this.send({ type: 'stop' });
      report = await this.next('stopped', 30_000);
    } catch {
      this.child.kill('SIGKILL');
    }
    await exited;
    return report;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Inside a worker: its arguments, a way to report, and a promise for the orchestrator's stop. */
export function workerArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

export function report(message: WorkerMessage): void {
  process.send?.(message);
}

export function onStop(handler: () => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  process.on('message', async (message: WorkerMessage) => {
    if (message.type !== 'stop') return;
    const final = await handler();
    report({ type: 'stopped', rss: process.memoryUsage().rss, ...final });
    process.disconnect?.();
    process.exit(0);
  });
}

/** Runs a worker's main function; any failure goes to the orchestrator and ends the process. */
export function runWorker(main: () => Promise<void>): void {
  main().catch((error: Error) => {
    report({ type: 'error', message: error.stack ?? String(error) });
    setTimeout(() => process.exit(1), 100);
  });
}

/**
 * Process CPU time (user + system, µs) from the orchestrator's `measure`
 * message to the call of the returned function (from the start when no
 * `measure` came): the steadier figure on shared cores.
 */
export function measureCpu(): () => number {
  let start = process.cpuUsage();
  process.on('message', (message: WorkerMessage) => {
    if (message.type === 'measure') start = process.cpuUsage();
  });
  return () => {
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
}
