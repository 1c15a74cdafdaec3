import { FULL_TYPE_PREFIX, LEGACY_FORMATION_PREFIX } from '../events/types.js';

/** A CloudEvent ready to publish, with the subject a CellOS producer would use. */
export interface SimulatedEvent {
  subject: string;
  event: Record<string, unknown>;
}

export interface SimulatorOptions {
  /** Seed of the pseudo-random sequence: the same seed gives the same events. */
  seed?: number;
  /** Cells alive at once. */
  concurrentCells?: number;
  /** Share of events re-published as duplicates (the producer retries without Nats-Msg-Id). */
  duplicateRate?: number;
  /** Share of cells launched as part of a formation. */
  formationShare?: number;
  /** Event time of the first event; later events move forward from it. */
  startTime?: number;
}

/** mulberry32: small, fast, seeded; good enough for realistic-looking data and fuzzing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECS = [
  'e2e-stub-echo',
  'build-rust-workspace',
  'pytest-shard',
  'wasm-sandbox',
  'nightly-fuzz',
  'db-migration-check',
];
const REASONS = [
  'oom',
  'ttl_exceeded',
  'vmm_crashed',
  'boot_failed',
  'signal_killed',
  'init_crashed',
  'kernel_cannot_mount_root',
];
const OBSERVABILITY = [
  'cell.observability.v1.metrics',
  'cell.network.v1.dns_query',
  'cell.policy.v1.evaluated',
  'cell.export.v1.completed',
];

interface LiveCell {
  id: string;
  specId: string;
  runId: string;
  formationId?: string;
  step: number;
  steps: string[];
}

interface LiveFormation {
  id: string;
  name: string;
  phases: string[];
  step: number;
}

/**
 * An endless, deterministic stream of realistic CellOS events: cells start,
 * emit observability events, complete a command, and are destroyed
 * (succeeded, failed, or forced); formations move through their phases;
 * some events are re-published as duplicates, some use the short or legacy
 * type names.
 */
export function* simulateEvents(options: SimulatorOptions = {}): Generator<SimulatedEvent> {
  const random = prng(options.seed ?? 1);
  const concurrent = Math.max(1, options.concurrentCells ?? 50);
  const duplicateRate = options.duplicateRate ?? 0.01;
  const formationShare = options.formationShare ?? 0.2;
  let clock = options.startTime ?? Date.parse('2026-11-28T12:00:00Z');
  let serial = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const uuid = () => {
    const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const cells: LiveCell[] = [];
  let formation: LiveFormation | undefined;
  let last: SimulatedEvent | undefined;

  const envelope = (type: string, subject: string, data: Record<string, unknown>): SimulatedEvent => {
    clock += 1 + Math.floor(random() * 40);
    serial += 1;
    const longName = random() < 0.9;
    return {
      subject,
      event: {
        specversion: '1.0',
        id: `urn:cellos:event:${uuid()}`,
        source: 'cellos-supervisor://sim-node-1',
        type:
          longName || type.startsWith(LEGACY_FORMATION_PREFIX)
            ? type.startsWith('io.')
              ? type
              : FULL_TYPE_PREFIX + type
            : type,
        time: new Date(clock).toISOString(),
        datacontenttype: 'application/json',
        data,
      },
    };
  };

  const newCell = (): LiveCell => {
    const outcomeRoll = random();
    const end =
      outcomeRoll < 0.75 ? 'succeeded' : outcomeRoll < 0.88 ? 'failed' : outcomeRoll < 0.96 ? 'forced' : 'crashed';
    const observability = Array.from({ length: Math.floor(random() * 3) }, () => 'observe');
    const cell: LiveCell = {
      id: `cell-${uuid().slice(0, 18)}`,
      specId: pick(SPECS),
      runId: `run-${Math.floor(random() * 1e6)}`,
      step: 0,
      steps: ['start', ...observability, ...(end === 'crashed' ? [] : ['complete']), end],
    };
    if (formation && random() < formationShare) cell.formationId = formation.id;
    return cell;
  };

  for (;;) {
    if (last && random() < duplicateRate) {
      yield last;
      continue;
    }
    if (!formation || formation.step >= formation.phases.length) {
      const failed = random() < 0.15;
      formation = {
        id: uuid(),
        name: `formation-${serial}`,
        phases: [
          'created',
          'launching',
          'running',
          ...(random() < 0.3 ? ['degraded'] : []),
          failed ? 'failed' : 'completed',
        ],
        step: 0,
      };
    }
    if (random() < 0.05) {
      const phase = formation.phases[formation.step++]!;
      const legacy = random() < 0.2;
      const type = legacy ? `${LEGACY_FORMATION_PREFIX}${phase}` : `cell.formation.v1.${phase}`;
      const data: Record<string, unknown> = { formationId: formation.id, name: formation.name };
      if (phase === 'created') data['document'] = { cells: 1 + Math.floor(random() * 8), spec: pick(SPECS) };
      if (phase === 'failed' || phase === 'degraded') data['reason'] = pick(REASONS);
      last = envelope(type, `cellos.events.formation.${formation.id}.${phase}`, data);
      yield last;
      continue;
    }
    while (cells.length < concurrent) cells.push(newCell());
    const index = Math.floor(random() * cells.length);
    const cell = cells[index]!;
    const step = cell.steps[cell.step++]!;
    if (cell.step >= cell.steps.length) cells.splice(index, 1);
    const base: Record<string, unknown> = { cellId: cell.id, specId: cell.specId, runId: cell.runId };
    if (cell.formationId) base['correlation'] = { formationId: cell.formationId };
    const subject = (phase: string) => `cellos.events.cell.${cell.id}.${phase}`;
    switch (step) {
      case 'start':
        last = envelope('cell.lifecycle.v1.started', subject('started'), base);
        break;
      case 'observe':
        last = envelope(pick(OBSERVABILITY), subject('observed'), { ...base, sample: Math.floor(random() * 1000) });
        break;
      case 'complete': {
        const failedRun = cell.steps.at(-1) === 'failed';
        last = envelope('cell.command.v1.completed', subject('completed'), {
          ...base,
          exitCode: failedRun ? 1 + Math.floor(random() * 126) : 0,
          argv: ['/bin/sh', '-c', 'make test'],
          durationMs: Math.floor(random() * 60_000),
        });
        break;
      }
      case 'succeeded':
        last = envelope('cell.lifecycle.v1.destroyed', subject('destroyed'), {
          ...base,
          outcome: 'succeeded',
          terminalState: 'clean',
        });
        break;
      case 'failed':
        last = envelope('cell.lifecycle.v1.destroyed', subject('destroyed'), {
          ...base,
          outcome: 'failed',
          terminalState: 'clean',
        });
        break;
      case 'forced':
        last = envelope('cell.lifecycle.v1.destroyed', subject('destroyed'), {
          ...base,
          outcome: 'failed',
          terminalState: 'forced',
          reason: pick(REASONS),
        });
        break;
      default:
        last = envelope('cell.lifecycle.v1.failed', subject('failed'), { ...base, reason: pick(REASONS) });
        break;
    }
    yield last;
  }
}

/** The first `count` simulated events. */
export function takeEvents(count: number, options: SimulatorOptions = {}): SimulatedEvent[] {
  const out: SimulatedEvent[] = [];
  for (const event of simulateEvents(options)) {
    if (out.length >= count) break;
    out.push(event);
  }
  return out;
}
