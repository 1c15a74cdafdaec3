import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_NATS_URL, loadConfig } from '../../src/config.js';
import { NatsUrlRequiredError, resolveNats } from '../../src/source/embeddedNats.js';
import { createLogger } from '../../src/util/logger.js';

/**
 * Where `cellgraph serve` finds NATS, with the port probe and the child
 * process replaced: the decision must not depend on whether this machine
 * happens to have something on 4222 (the CLI tests in
 * test/integration/embedded.test.ts skip when it does).
 */

const probe = vi.hoisted(() => ({ listening: false, started: [] as string[] }));

vi.mock('../../src/source/natsServerProcess.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/source/natsServerProcess.js')>();
  class RecordingNatsServer extends original.NatsServerProcess {
    override async start(): Promise<void> {
      probe.started.push(this.url);
    }
  }
  return { ...original, isListening: async () => probe.listening, NatsServerProcess: RecordingNatsServer };
});

const logger = createLogger('silent');
const dev = { dev: true };
const production = { dev: false };

beforeEach(() => {
  probe.listening = false;
  probe.started.length = 0;
});

describe('resolveNats under serve --dev (npm start)', () => {
  it('CELLGRAPH_EMBEDDED_NATS=never with nothing on 4222: no embedded server, the default URL', async () => {
    const resolved = await resolveNats(loadConfig({ CELLGRAPH_EMBEDDED_NATS: 'never' }), logger, dev);
    expect(resolved).toEqual({ url: DEFAULT_NATS_URL });
    expect(probe.started).toEqual([]);
  });

  it('auto (the development default) with nothing on 4222: starts one on 4222', async () => {
    const resolved = await resolveNats(loadConfig({}), logger, dev);
    expect(resolved.embedded).toBeDefined();
    expect(probe.started).toEqual(['nats://127.0.0.1:4222']);
  });

  it('auto with something on 4222: uses it', async () => {
    probe.listening = true;
    expect(await resolveNats(loadConfig({}), logger, dev)).toEqual({ url: DEFAULT_NATS_URL });
    expect(probe.started).toEqual([]);
  });

  it('a configured URL wins over everything', async () => {
    const resolved = await resolveNats(loadConfig({ CELLGRAPH_NATS_URL: 'nats://elsewhere:4222' }), logger, production);
    expect(resolved).toEqual({ url: 'nats://elsewhere:4222' });
    expect(probe.started).toEqual([]);
  });
});

describe('resolveNats in production (serve without --dev)', () => {
  it('no CELLGRAPH_NATS_URL: refuses, naming the variable, and starts nothing', async () => {
    const refused = resolveNats(loadConfig({}), logger, production);
    await expect(refused).rejects.toBeInstanceOf(NatsUrlRequiredError);
    await expect(refused).rejects.toThrow(/CELLGRAPH_NATS_URL is not set.*npm start/s);
    expect(probe.started).toEqual([]);
  });

  it('no URL and something on 4222: still refuses (no implicit localhost NATS)', async () => {
    probe.listening = true;
    await expect(resolveNats(loadConfig({}), logger, production)).rejects.toBeInstanceOf(NatsUrlRequiredError);
    await expect(
      resolveNats(loadConfig({ CELLGRAPH_EMBEDDED_NATS: 'never' }), logger, production),
    ).rejects.toBeInstanceOf(NatsUrlRequiredError);
  });

  it('CELLGRAPH_EMBEDDED_NATS=auto asked for by name: the development behaviour', async () => {
    const resolved = await resolveNats(loadConfig({ CELLGRAPH_EMBEDDED_NATS: 'auto' }), logger, production);
    expect(resolved.embedded).toBeDefined();
    expect(probe.started).toEqual(['nats://127.0.0.1:4222']);
  });
});
