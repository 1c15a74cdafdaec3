import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_NATS_URL, loadConfig } from '../../src/config.js';
import { resolveNats } from '../../src/source/embeddedNats.js';
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

beforeEach(() => {
  probe.listening = false;
  probe.started.length = 0;
});

describe('resolveNats', () => {
  it('CELLGRAPH_EMBEDDED_NATS=never with nothing on 4222: no embedded server, the default URL', async () => {
    const resolved = await resolveNats(loadConfig({ CELLGRAPH_EMBEDDED_NATS: 'never' }), logger);
    expect(resolved).toEqual({ url: DEFAULT_NATS_URL });
    expect(probe.started).toEqual([]);
  });

  it('auto (the default) with nothing on 4222: starts one on 4222', async () => {
    const resolved = await resolveNats(loadConfig({}), logger);
    expect(resolved.embedded).toBeDefined();
    expect(probe.started).toEqual(['nats://127.0.0.1:4222']);
  });

  it('auto with something on 4222: uses it', async () => {
    probe.listening = true;
    expect(await resolveNats(loadConfig({}), logger)).toEqual({ url: DEFAULT_NATS_URL });
    expect(probe.started).toEqual([]);
  });

  it('a configured URL wins over everything', async () => {
    const resolved = await resolveNats(loadConfig({ CELLGRAPH_NATS_URL: 'nats://elsewhere:4222' }), logger);
    expect(resolved).toEqual({ url: 'nats://elsewhere:4222' });
    expect(probe.started).toEqual([]);
  });
});
