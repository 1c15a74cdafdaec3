// Taking a fixed TCP port for one test at a time across every test run on this machine, for code that cannot be moved off its port.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isListening } from '../../src/source/natsServerProcess.js';

/** True while a process with this pid exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lock file's pid, or undefined when it has none (being written, or just removed). */
function holder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Removes a dead process's lock; another waiter may have removed it first. */
function removeStale(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Waits for `port`: first for the lock file that test processes on this
 * machine take for it (one left by a dead process is taken over), then for
 * the port itself to be free. Throws, saying who holds it, when that takes
 * longer than `timeoutMs`: a busy port fails the test, it never skips it.
 * Returns the release.
 */
export async function takePort(port: number, timeoutMs: number): Promise<() => void> {
  const file = path.join(os.tmpdir(), `cellgraph-test-port-${port}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = holder(file);
    if (pid !== undefined && !isAlive(pid)) removeStale(file);
    else if (Date.now() > deadline)
      throw new Error(`port ${port} is still taken by the test process ${pid ?? '?'} (${file}) after ${timeoutMs} ms`);
    else await sleep(200);
  }
  const release = () => {
    if (holder(file) === process.pid) unlinkSync(file);
  };
  while (await isListening(port)) {
    if (Date.now() > deadline) {
      release();
      throw new Error(
        `port ${port} is in use by a program that is not a cellgraph test; this test needs it free (find it with: ss -ltnp 'sport = :${port}')`,
      );
    }
    await sleep(200);
  }
  return release;
}
