/**
 * `npm run bench` / `npm run bench:quick`: starts its own nats-server,
 * publishes simulated CellOS events once, and measures cellgraph against a
 * baseline in the same run, each in its own process:
 *   1. replay   boot replay events/s vs a bare ordered consumer doing JSON.parse
 *   2. queries  cells(first: 50) and cell(id) req/s and p99 vs a bare node:http endpoint
 *   3. fan-out  graphql-ws subscribers vs a bare `ws` broadcast of the same frames
 *   4. memory   bytes per cell (JS heap + ArrayBuffers) with 1,000,000 cells; RSS at the end of each run
 *   4b. timeline a cell's timeline query (CellRecord.events) over HTTP vs a bare handler reading the same seqs
 *   5. storm    (only with --only storm) a reconnect storm of snapshot subscriptions next to ingest and queries
 *   6. bookmarks (only with --only bookmarks) --idle idle subscriptions told a new seq vs a bare ws server writing one frame each
 * Prints a table; the full run also writes it into BENCHMARKS.md.
 *
 * Flags: --quick (tiny sizes, < 1 min, prints only), --only replay,queries,timeline,fanout,memory,
 * --events N, --runs N, --write / --no-write; fan-out only: --clients 100,1000, --seconds N,
 * --targets bare,cellgraph (BENCH_CPU_PROF=<dir> profiles the cellgraph server; bookmarks too); bookmarks: --idle N.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSchema } from '../src/schema/index.js';
import { simulateEvents } from '../src/simulator/generator.js';
import { EventPublisher } from '../src/simulator/publisher.js';
import { type MachineInfo, machineInfo } from './lib/machine.js';
import { BENCH_STREAM, createBenchStream, publishSimulated, startBenchNats } from './lib/nats.js';
import {
  CELL_FIELDS,
  checkSameBytes,
  checkSameTimelineBytes,
  fanoutBatchSubscription,
  fanoutSubscription,
  type LoadKind,
} from './lib/queries.js';
import { fmt, fmtBytes, median, ratio } from './lib/stats.js';
import { Worker, type WorkerMessage } from './lib/worker.js';

export interface BenchOptions {
  quick: boolean;
  only: Set<string>;
  events: number;
  runs: number;
  queryConnections: number;
  querySeconds: number;
  queryRounds: number;
  fanoutClients: number[];
  /** Only these fan-out targets; null: all. */
  fanoutTargets: string[] | null;
  fanoutRate: number;
  fanoutSeconds: number;
  /** Idle subscriptions next to 100 active ones, for memory per subscription (0: skip). */
  fanoutIdle: number;
  memoryCells: number;
  /** Reconnect storm: events before it (about 1 cell per 4.2), its length, the publish rate during it, connections per wave. */
  stormEvents: number;
  stormSeconds: number;
  stormRate: number;
  stormWave: number;
  batch: number;
  write: boolean;
  log: (line: string) => void;
}

export function benchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      events: { type: 'string' },
      runs: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      targets: { type: 'string' },
      idle: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  return {
    quick,
    only: new Set(
      (values.only ?? 'replay,boot,checkpoint,queries,timeline,fanout,memory').split(',').map((s) => s.trim()),
    ),
    events: Number(values.events ?? (quick ? 20_000 : 1_000_000)),
    runs: Number(values.runs ?? (quick ? 1 : 2)),
    queryConnections: 10,
    querySeconds: quick ? 2 : 10,
    queryRounds: quick ? 1 : 2,
    fanoutClients: values.clients ? values.clients.split(',').map(Number) : quick ? [20] : [100, 1000],
    fanoutTargets: values.targets ? values.targets.split(',') : null,
    fanoutRate: quick ? 100 : 500,
    fanoutSeconds: Number(values.seconds ?? (quick ? 2 : 10)),
    fanoutIdle: Number(values.idle ?? (quick ? 200 : 10_000)),
    memoryCells: quick ? 20_000 : 1_000_000,
    stormEvents: Number(values.events ?? (quick ? 5_000 : 63_000)),
    stormSeconds: Number(values.seconds ?? (quick ? 4 : 20)),
    stormRate: 200,
    stormWave: quick ? 10 : 50,
    batch: Number(process.env['CELLGRAPH_REPLAY_BATCH'] ?? 10_000),
    write: values['no-write'] ? false : (values.write ?? !quick),
    log: (line) => console.error(line),
  };
}

interface Row {
  section: string;
  metric: string;
  cellgraph: string;
  baseline: string;
  ratio: string;
  target: string;
}

export interface BenchResult {
  machine: MachineInfo;
  options: Omit<BenchOptions, 'log' | 'only'> & { only: string[] };
  rows: Row[];
  notes: string[];
  raw: Record<string, unknown>;
}

const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a');
const ms = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${fmt(v, v < 10 ? 1 : 0)} ms` : 'n/a');

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const log = options.log;
  const machine = machineInfo();
  const rows: Row[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = {};
  const rss: Record<string, number> = {};
  const workers = new Set<Worker>();
  const spawn = (name: string, args: unknown, execArgv?: string[]) => {
    const w = new Worker(name, args, { execArgv });
    workers.add(w);
    return w;
  };
  const nats = await startBenchNats();
  log(`bench: nats-server at ${nats.url}`);
  try {
    const serves = options.only.has('queries') || options.only.has('timeline');
    const needStream = options.only.has('replay') || serves || options.only.has('boot');
    let lastSeq = 0;
    if (needStream) {
      await createBenchStream(nats.url);
      log(`bench: publishing ${fmt(options.events)} simulated events...`);
      const published = await publishSimulated(nats.url, options.events);
      lastSeq = published.lastSeq;
      raw['publish'] = published;
      log(
        `bench: published in ${published.seconds.toFixed(1)} s (${fmt(options.events / published.seconds)}/s, avg ${fmt(published.bytes / options.events)} B)`,
      );
    }

    // 1. Replay, interleaved: baseline, cellgraph, baseline, cellgraph, ...
    let serving: { worker: Worker; message: WorkerMessage } | undefined;
    if (needStream) {
      const base: number[] = [];
      const subject: number[] = [];
      const baseCpu: number[] = [];
      const subjectCpu: number[] = [];
      const pairs: string[] = [];
      let replayed: WorkerMessage | undefined;
      const runs = options.only.has('replay') ? options.runs : 0;
      for (let run = 0; run < runs || (run === 0 && !serving && serves); run++) {
        const loadAtPair = os.loadavg()[0]!;
        if (options.only.has('replay')) {
          const b = spawn('replayBaseline', {
            url: nats.url,
            stream: BENCH_STREAM,
            target: lastSeq,
            batch: options.batch,
          });
          const done = await b.next('done');
          base.push(done['eventsPerSecond'] as number);
          baseCpu.push(((done['cpuMs'] as number) * 1000) / (done['events'] as number));
          rss['replay baseline'] = done['rss'] as number;
          log(`bench: replay baseline run ${run + 1}: ${fmt(done['eventsPerSecond'] as number)} events/s`);
        }
        const last = run >= runs - 1;
        const serve = last && serves;
        const s = spawn(
          'cellgraphServer',
          {
            url: nats.url,
            stream: BENCH_STREAM,
            target: lastSeq,
            batch: options.batch,
            serve,
            // The replay itself: never a checkpoint (the boot section measures those).
            env: { CELLGRAPH_CHECKPOINT_BUCKET: '' },
          },
          // BENCH_CPU_PROF=<dir>: profile the serving process (replay included: use a short --events).
          serve && process.env['BENCH_CPU_PROF']
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`]
            : undefined,
        );
        replayed = await s.next('replayed');
        subject.push(replayed['eventsPerSecond'] as number);
        subjectCpu.push(((replayed['cpuMs'] as number) * 1000) / (replayed['events'] as number));
        if (options.only.has('replay'))
          pairs.push(
            `pair ${run + 1}: load ${loadAtPair.toFixed(2)}, baseline ${fmt(base.at(-1)!)} events/s (${baseCpu.at(-1)!.toFixed(1)} µs CPU/event), cellgraph ${fmt(subject.at(-1)!)} events/s (${subjectCpu.at(-1)!.toFixed(1)} µs CPU/event), ratio ${x(ratio(subject.at(-1)!, base.at(-1)!))}`,
          );
        rss['cellgraph after replay'] = replayed['rss'] as number;
        log(
          `bench: replay cellgraph run ${run + 1}: ${fmt(replayed['eventsPerSecond'] as number)} events/s (${fmt(replayed['cells'] as number)} cells)`,
        );
        if (serve) serving = { worker: s, message: await s.next('serving') };
      }
      if (options.only.has('replay')) {
        raw['replay'] = {
          baseline: base,
          cellgraph: subject,
          counts: replayed?.['counts'],
          cells: replayed?.['cells'],
        };
        const b = median(base);
        const c = median(subject);
        rows.push({
          section: 'replay',
          metric: `events/s, boot replay of ${fmt(lastSeq)} events (median of ${runs})`,
          cellgraph: fmt(c),
          baseline: fmt(b),
          ratio: x(ratio(c, b)),
          target: '>= 0.90x',
        });
        rows.push({
          section: 'replay',
          metric: 'CPU µs per event (process CPU time / events, median)',
          cellgraph: median(subjectCpu).toFixed(1),
          baseline: median(baseCpu).toFixed(1),
          ratio: x(ratio(median(baseCpu), median(subjectCpu))),
          target: '>= 0.90x',
        });
        notes.push(`Replay pairs (1-minute load average when each pair started): ${pairs.join('; ')}.`);
        const lines = (replayed?.['progressLines'] as Record<string, unknown>[] | undefined) ?? [];
        const progress = lines.filter((l) => l['msg'] === 'replay progress');
        const sample = progress[Math.floor(progress.length / 2)];
        notes.push(
          `Boot progress: the last cellgraph replay logged ${progress.length} "replay progress" line(s)` +
            (sample
              ? `, e.g. percent=${sample['percent']} eventsPerSecond=${sample['eventsPerSecond']} etaSeconds=${sample['etaSeconds']}.`
              : ' (replay shorter than the 1 s log interval).'),
        );
      }
    }

    // 1b. Boot-to-ready with a checkpoint vs without, same stream, interleaved pairs.
    if (needStream && options.only.has('boot')) {
      const bucket = { CELLGRAPH_CHECKPOINT_BUCKET: 'bench-checkpoints' };
      const boot = (env: Record<string, string>, waitCheckpoint = false) =>
        spawn('cellgraphServer', {
          url: nats.url,
          stream: BENCH_STREAM,
          target: lastSeq,
          batch: options.batch,
          serve: false,
          waitCheckpoint,
          env,
        });
      const writer = boot(
        { ...bucket, CELLGRAPH_CHECKPOINT_INTERVAL_EVENTS: String(Math.min(100_000, lastSeq)) },
        true,
      );
      await writer.next('replayed');
      const written = await writer.next('checkpoint');
      if (written['error']) throw new Error(`checkpoint not written: ${written['error']}`);
      log(
        `bench: checkpoint at seq ${written['seq']}: ${fmtBytes(written['bytes'] as number)}, ${fmt(written['cells'] as number)} cells, ${written['durationMs']} ms, longest pause ${written['longestPauseMs']} ms`,
      );
      const without: WorkerMessage[] = [];
      const withCheckpoint: WorkerMessage[] = [];
      const pairs: string[] = [];
      for (let run = 0; run < options.runs; run++) {
        const loadAtPair = os.loadavg()[0]!;
        const a = await boot({ CELLGRAPH_CHECKPOINT_BUCKET: '' }).next('replayed');
        const b = await boot(bucket).next('replayed');
        if (b['origin'] !== 'CHECKPOINT')
          throw new Error(`boot did not use the checkpoint: ${JSON.stringify(b['refused'])}`);
        without.push(a);
        withCheckpoint.push(b);
        pairs.push(
          `pair ${run + 1}: load ${loadAtPair.toFixed(2)}, full replay ${(a['seconds'] as number).toFixed(2)} s (${fmt(a['cpuMs'] as number)} ms CPU), checkpoint ${(b['seconds'] as number).toFixed(2)} s (${fmt(b['cpuMs'] as number)} ms CPU), ${x(ratio(a['seconds'] as number, b['seconds'] as number))}`,
        );
        log(`bench: boot ${pairs.at(-1)}`);
      }
      raw['boot'] = { written, without, withCheckpoint };
      const secs = (list: WorkerMessage[]) => median(list.map((m) => m['seconds'] as number));
      const cpu = (list: WorkerMessage[]) => median(list.map((m) => m['cpuMs'] as number));
      rows.push({
        section: 'boot',
        metric: `boot-to-ready, ${fmt(lastSeq)} events: full replay vs from a checkpoint at the last seq (median of ${options.runs}; s)`,
        cellgraph: secs(withCheckpoint).toFixed(2),
        baseline: secs(without).toFixed(2),
        ratio: x(ratio(secs(without), secs(withCheckpoint))),
        target: '>= 10x',
      });
      rows.push({
        section: 'boot',
        metric: 'boot CPU time, ms (full replay vs from a checkpoint)',
        cellgraph: fmt(cpu(withCheckpoint)),
        baseline: fmt(cpu(without)),
        ratio: x(ratio(cpu(without), cpu(withCheckpoint))),
        target: '',
      });
      rows.push({
        section: 'boot',
        metric: `checkpoint written to the bucket: ${fmt(written['cells'] as number)} cells, bytes (per cell) / write time / longest event-loop hold`,
        cellgraph: `${fmtBytes(written['bytes'] as number)} (${fmt((written['bytes'] as number) / (written['cells'] as number))} B) / ${fmt(written['durationMs'] as number)} ms / ${written['longestPauseMs']} ms`,
        baseline: '',
        ratio: '',
        target: 'pause: a few ms',
      });
      notes.push(`Boot pairs (1-minute load average when each pair started): ${pairs.join('; ')}.`);
    }

    // 1c. A checkpoint of a 1M-cell projection: size, write stall under ingest, load time.
    if (options.only.has('checkpoint')) {
      const loadAtRun = os.loadavg()[0]!;
      const done = await spawn('checkpointCells', { cells: options.memoryCells }).next('done');
      raw['checkpoint'] = { ...done, load: loadAtRun };
      log(`bench: checkpoint of ${fmt(done['cells'] as number)} cells: ${JSON.stringify(done)}`);
      rows.push({
        section: 'checkpoint',
        metric: `checkpoint of ${fmt(done['cells'] as number)} cells: bytes per cell (gzip)`,
        cellgraph: fmt(done['bytesPerCell'] as number),
        baseline: '',
        ratio: '',
        target: '',
      });
      rows.push({
        section: 'checkpoint',
        metric: `writing it while ingest applies 20 events/ms: longest event-loop stall / p99 stall / writer's longest slice / pin / longest GC pause (load ${loadAtRun.toFixed(2)})`,
        cellgraph: `${ms(done['maxLoopDelayMs'])} / ${ms(done['p99LoopDelayMs'])} / ${ms(done['longestSliceMs'])} / ${ms(done['pinMs'])} / ${ms((done['gcDuringWrite'] as { maxMs: number }).maxMs)}`,
        baseline: '',
        ratio: '',
        target: 'a few ms',
      });
      rows.push({
        section: 'checkpoint',
        metric: 'write time (CPU) / load time incl. checksum and digest (CPU)',
        cellgraph: `${(done['writeSeconds'] as number).toFixed(1)} s (${fmt(done['writeCpuMs'] as number)} ms) / ${(done['loadSeconds'] as number).toFixed(1)} s (${fmt(done['loadCpuMs'] as number)} ms)`,
        baseline: '',
        ratio: '',
        target: '',
      });
    }

    // 2. Queries against the last cellgraph, bare and GraphQL interleaved per round.
    if (serving && options.only.has('queries')) {
      const { graphqlUrl, bareUrl, ids } = serving.message as unknown as {
        graphqlUrl: string;
        bareUrl: string;
        ids: string[];
      };
      const checked = await checkSameBytes(graphqlUrl, bareUrl, ids.slice(0, 50));
      log(`bench: bare query endpoint answers ${checked} documents with cellgraph's bytes`);
      const results = new Map<LoadKind, WorkerMessage[]>();
      for (let round = 0; round < options.queryRounds; round++) {
        for (const kind of ['bare-cells', 'graphql-cells', 'bare-cell', 'graphql-cell'] as LoadKind[]) {
          const loadAverage = os.loadavg()[0]!;
          const load = spawn('load', {
            kind,
            graphqlUrl,
            bareUrl,
            ids,
            connections: options.queryConnections,
            durationSeconds: options.querySeconds,
          });
          serving.worker.send({ type: 'measure' });
          const done = await load.next('done');
          serving.worker.send({ type: 'cpu' });
          const { micros } = await serving.worker.next('cpu');
          done['cpuMicrosPerRequest'] = (micros as number) / (done['total'] as number);
          done['load'] = loadAverage;
          if ((done['non2xx'] as number) > 0 || (done['errors'] as number) > 0) {
            throw new Error(`${kind}: ${done['non2xx']} non-2xx, ${done['errors']} errors`);
          }
          results.set(kind, [...(results.get(kind) ?? []), done]);
          log(
            `bench: ${kind} round ${round + 1}: ${fmt(done['requestsPerSecond'] as number)} req/s, p99 ${done['p99']} ms, server CPU ${(done['cpuMicrosPerRequest'] as number).toFixed(0)} µs/request (load ${(done['load'] as number).toFixed(2)})`,
          );
        }
      }
      raw['queries'] = Object.fromEntries(results);
      const med = (kind: LoadKind, key: string) => median((results.get(kind) ?? []).map((r) => r[key] as number));
      for (const [label, g, b, target] of [
        ['cells(first: 50)', 'graphql-cells', 'bare-cells', '>= 0.60x'],
        ['cell(id)', 'graphql-cell', 'bare-cell', ''],
      ] as const) {
        rows.push({
          section: 'queries',
          metric: `${label} req/s (${options.queryConnections} connections)`,
          cellgraph: fmt(med(g, 'requestsPerSecond')),
          baseline: fmt(med(b, 'requestsPerSecond')),
          ratio: x(ratio(med(g, 'requestsPerSecond'), med(b, 'requestsPerSecond'))),
          target,
        });
        rows.push({
          section: 'queries',
          metric: `${label} server CPU µs per request (median; load ${med(g, 'load').toFixed(1)} / ${med(b, 'load').toFixed(1)})`,
          cellgraph: med(g, 'cpuMicrosPerRequest').toFixed(0),
          baseline: med(b, 'cpuMicrosPerRequest').toFixed(0),
          ratio: x(ratio(med(b, 'cpuMicrosPerRequest'), med(g, 'cpuMicrosPerRequest'))),
          target: '',
        });
        rows.push({
          section: 'queries',
          metric: `${label} p99 latency`,
          cellgraph: ms(med(g, 'p99')),
          baseline: ms(med(b, 'p99')),
          ratio: '',
          target: '',
        });
      }
    }
    if (serving && options.only.has('timeline')) await timelineSection(options, serving, spawn, rows, notes, raw);
    if (serving) {
      const stopped = await serving.worker.stop();
      if (stopped) rss['cellgraph after queries'] = stopped['rss'] as number;
    }

    // 3. Fan-out: a fresh stream, events published at a fixed rate, stamped with their publish time.
    if (options.only.has('fanout')) {
      const stream = 'BENCH_FANOUT';
      await createBenchStream(nats.url, stream, 'bench.fanout.>');
      const schema = buildSchema();
      const query = fanoutSubscription(schema);
      const batchQuery = fanoutBatchSubscription(schema);
      if (!query)
        notes.push(
          'Fan-out, cellgraph: not measured, this branch has no `Subscription.cells` yet (the harness runs it as soon as the schema has it).',
        );
      raw['fanout'] = {};
      // Per-event frames (`cells` vs one broadcast frame per event), then batches
      // (`cellBatches` vs one broadcast frame per event-loop turn): same payloads, same clients.
      const targets = [
        { name: 'bare', mode: 'per event', bare: true, batch: false, query: null },
        { name: 'cellgraph', mode: 'per event', bare: false, batch: false, query },
        { name: 'bare-batched', mode: 'batched', bare: true, batch: true, query: null },
        { name: 'cellgraph-batches', mode: 'batched', bare: false, batch: true, query: batchQuery },
      ];
      for (const clients of options.fanoutClients) {
        const measured: Record<string, WorkerMessage> = {};
        for (const target of targets) {
          if (!target.bare && !target.query) continue;
          if (options.fanoutTargets && !options.fanoutTargets.includes(target.name)) continue;
          const load = os.loadavg()[0]!;
          let server: Worker;
          let wsUrl: string;
          if (target.bare) {
            server = spawn('fanoutBare', { url: nats.url, stream, batch: target.batch });
            wsUrl = (await server.next('ready'))['wsUrl'] as string;
          } else {
            server = spawn(
              'cellgraphServer',
              { url: nats.url, stream, target: 0, serve: true, env: { CELLGRAPH_SUBJECTS: 'bench.fanout.>' } },
              process.env['BENCH_CPU_PROF']
                ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`]
                : undefined,
            );
            await server.next('replayed');
            wsUrl = ((await server.next('serving'))['graphqlUrl'] as string).replace(/^http/, 'ws');
          }
          const clientWorker = spawn('fanoutClients', {
            wsUrl,
            clients,
            protocol: target.bare ? 'bare' : 'graphql-ws',
            query: target.query,
          });
          await clientWorker.next('connected', 120_000);
          clientWorker.send({ type: 'measure' });
          server.send({ type: 'measure' });
          const count = Math.round(options.fanoutRate * options.fanoutSeconds);
          const started = performance.now();
          await publishStamped(nats.url, count, options.fanoutRate);
          const publishSeconds = (performance.now() - started) / 1000;
          await new Promise((r) => setTimeout(r, 1000));
          const result = (await clientWorker.stop())!;
          const serverStopped = await server.stop();
          if (serverStopped) rss[`fan-out ${target.name} server, ${clients} clients`] = serverStopped['rss'] as number;
          const cpuMicros = serverStopped?.['cpuMicros'] as number | undefined;
          measured[target.name] = {
            ...result,
            expected: count * clients,
            publishSeconds,
            load,
            cpuMicros,
            live: serverStopped?.['live'],
          };
          log(
            `bench: fan-out ${target.name} ${clients} clients (load ${load.toFixed(1)}): ${fmt(result['received'] as number)}/${fmt(count * clients)} changes ` +
              `in ${fmt(result['frames'] as number)} frames, p50 ${result['p50']} ms, p99 ${result['p99']} ms, ` +
              `server CPU ${fmt((cpuMicros ?? Number.NaN) / 1e6, 1)} s`,
          );
        }
        (raw['fanout'] as Record<string, unknown>)[clients] = measured;
        const rate = (m?: WorkerMessage) =>
          m ? (m['received'] as number) / (m['publishSeconds'] as number) : Number.NaN;
        for (const [mine, bare, what] of [
          ['cellgraph', 'bare', '`cells`, one frame per change'],
          ['cellgraph-batches', 'bare-batched', '`cellBatches`, one frame per batch'],
        ] as const) {
          if (!measured[mine] && !measured[bare]) continue;
          const g = measured[mine];
          const b = measured[bare];
          const loads = `load ${g ? (g['load'] as number).toFixed(1) : '-'} / ${b ? (b['load'] as number).toFixed(1) : '-'}`;
          rows.push({
            section: 'fan-out',
            metric: `${clients} subscribers at ${options.fanoutRate} events/s, ${what}: delivered changes/s (frames) (${loads})`,
            cellgraph: g ? `${fmt(rate(g))} (${fmt(g['frames'] as number)})` : 'not yet',
            baseline: b ? `${fmt(rate(b))} (${fmt(b['frames'] as number)})` : 'n/a',
            ratio: g && b ? x(ratio(rate(g), rate(b))) : 'n/a',
            target: '',
          });
          rows.push({
            section: 'fan-out',
            metric: `${clients} subscribers, ${what}: latency publish→receipt p50 / p99`,
            cellgraph: g ? `${ms(g['p50'])} / ${ms(g['p99'])}` : 'not yet',
            baseline: b ? `${ms(b['p50'])} / ${ms(b['p99'])}` : 'n/a',
            ratio: '',
            target: clients >= 1000 ? 'p99 < 50 ms' : '',
          });
          const perChange = (m?: WorkerMessage) =>
            m && typeof m['cpuMicros'] === 'number'
              ? (m['cpuMicros'] as number) / (m['received'] as number)
              : Number.NaN;
          rows.push({
            section: 'fan-out',
            metric: `${clients} subscribers, ${what}: server CPU µs per delivered change (CPU s)`,
            cellgraph: g ? `${fmt(perChange(g), 2)} (${fmt((g['cpuMicros'] as number) / 1e6, 1)} s)` : 'not yet',
            baseline: b ? `${fmt(perChange(b), 2)} (${fmt((b['cpuMicros'] as number) / 1e6, 1)} s)` : 'n/a',
            ratio: g && b ? x(ratio(perChange(g), perChange(b))) : 'n/a',
            target: '<= 1.25x',
          });
        }
      }
      if (options.fanoutIdle > 0 && batchQuery && (!options.fanoutTargets || options.fanoutTargets.includes('idle'))) {
        raw['fanoutIdle'] = await idleScenario(options, nats.url, stream, batchQuery, spawn, rows, rss);
      }
    }

    // 5. Reconnect storm (issue 14 §3): not part of the default run (--only storm).
    if (options.only.has('storm')) await stormSection(options, nats.url, spawn, rows, notes, raw);

    // 6. Bookmarks (issue 13 §1): not part of the default run (--only bookmarks; --idle N subscriptions).
    if (options.only.has('bookmarks')) raw['bookmarks'] = await bookmarkSection(options, nats.url, spawn, rows);

    // 4. Memory: pure, no NATS, its own process with --expose-gc.
    if (options.only.has('memory')) {
      const mem = spawn('memory', { cells: options.memoryCells }, ['--expose-gc']);
      const done = await mem.next('done', 30 * 60_000);
      raw['memory'] = done;
      rss['memory (projection only)'] = done['rss'] as number;
      log(
        `bench: memory ${fmt(done['bytesPerCell'] as number)} B/cell over ${fmt(done['cells'] as number)} cells (${fmt(done['events'] as number)} events)`,
      );
      rows.push({
        section: 'memory',
        metric: `bytes per cell, JS heap + ArrayBuffers (of which the timeline log), ${fmt(done['cells'] as number)} cells (${fmt(done['events'] as number)} events)`,
        cellgraph: `${fmt(done['bytesPerCell'] as number)} = ${fmt(done['heapBytesPerCell'] as number)} + ${fmt(done['arrayBufferBytesPerCell'] as number)} (${fmt(done['timelineBytesPerCell'] as number)})`,
        baseline: '',
        ratio: '',
        target: '<= 600',
      });
    }
    for (const [what, bytes] of Object.entries(rss)) {
      rows.push({
        section: 'rss',
        metric: `RSS at the end: ${what}`,
        cellgraph: fmtBytes(bytes),
        baseline: '',
        ratio: '',
        target: '',
      });
    }
  } finally {
    for (const w of workers) w.kill();
    await nats.remove();
  }
  const { log: _log, only, ...rest } = options;
  return { machine, options: { ...rest, only: [...only] }, rows, notes, raw };
}

/**
 * A cell's timeline over HTTP (TIMELINE_QUERY: a cell with the median
 * number of events, ids rotating over 1,000 such cells) against the bare
 * handler reading the same seqs on the same connection (bareTimeline.ts),
 * interleaved per round like the queries. Both pay the same nats-server
 * work; server CPU is cellgraph's process only.
 */
async function timelineSection(
  options: BenchOptions,
  serving: { worker: Worker; message: WorkerMessage },
  spawn: (name: string, args: unknown, execArgv?: string[]) => Worker,
  rows: Row[],
  notes: string[],
  raw: Record<string, unknown>,
): Promise<void> {
  const { graphqlUrl, timelineUrl, timelineIds, typicalEvents } = serving.message as unknown as {
    graphqlUrl: string;
    timelineUrl: string;
    timelineIds: string[];
    typicalEvents: number;
  };
  const checked = await checkSameTimelineBytes(graphqlUrl, timelineUrl, timelineIds.slice(0, 20));
  options.log(`bench: bare timeline endpoint answers ${checked} timelines with cellgraph's bytes`);
  const results = new Map<LoadKind, WorkerMessage[]>();
  for (let round = 0; round < options.queryRounds; round++) {
    for (const kind of ['bare-timeline', 'graphql-timeline'] as LoadKind[]) {
      const loadAverage = os.loadavg()[0]!;
      const load = spawn('load', {
        kind,
        graphqlUrl,
        bareUrl: timelineUrl,
        timelineUrl,
        ids: timelineIds,
        connections: options.queryConnections,
        durationSeconds: options.querySeconds,
      });
      serving.worker.send({ type: 'measure' });
      const done = await load.next('done');
      serving.worker.send({ type: 'cpu' });
      const { micros } = await serving.worker.next('cpu');
      done['cpuMicrosPerRequest'] = (micros as number) / (done['total'] as number);
      done['load'] = loadAverage;
      if ((done['non2xx'] as number) > 0 || (done['errors'] as number) > 0)
        throw new Error(`${kind}: ${done['non2xx']} non-2xx, ${done['errors']} errors`);
      results.set(kind, [...(results.get(kind) ?? []), done]);
      options.log(
        `bench: ${kind} round ${round + 1}: ${fmt(done['requestsPerSecond'] as number)} req/s, p50 ${done['p50']} ms, p99 ${done['p99']} ms, server CPU ${(done['cpuMicrosPerRequest'] as number).toFixed(0)} µs/request (load ${loadAverage.toFixed(2)})`,
      );
    }
  }
  raw['timeline'] = { typicalEvents, ...Object.fromEntries(results) };
  const med = (kind: LoadKind, key: string) => median((results.get(kind) ?? []).map((r) => r[key] as number));
  const label = `a cell's timeline (${typicalEvents} events, the median), \`events(first: 100)\` with bodies`;
  const loads = `load ${med('graphql-timeline', 'load').toFixed(1)} / ${med('bare-timeline', 'load').toFixed(1)}`;
  rows.push({
    section: 'timeline',
    metric: `${label}: req/s (${options.queryConnections} connections)`,
    cellgraph: fmt(med('graphql-timeline', 'requestsPerSecond')),
    baseline: fmt(med('bare-timeline', 'requestsPerSecond')),
    ratio: x(ratio(med('graphql-timeline', 'requestsPerSecond'), med('bare-timeline', 'requestsPerSecond'))),
    target: '',
  });
  rows.push({
    section: 'timeline',
    metric: `${label}: server CPU µs per request (median; ${loads})`,
    cellgraph: med('graphql-timeline', 'cpuMicrosPerRequest').toFixed(0),
    baseline: med('bare-timeline', 'cpuMicrosPerRequest').toFixed(0),
    ratio: x(ratio(med('bare-timeline', 'cpuMicrosPerRequest'), med('graphql-timeline', 'cpuMicrosPerRequest'))),
    target: '',
  });
  rows.push({
    section: 'timeline',
    metric: `${label}: latency p50 / p99`,
    cellgraph: `${ms(med('graphql-timeline', 'p50'))} / ${ms(med('graphql-timeline', 'p99'))}`,
    baseline: `${ms(med('bare-timeline', 'p50'))} / ${ms(med('bare-timeline', 'p99'))}`,
    ratio: '',
    target: '',
  });
  notes.push(
    `Timeline: ${options.queryRounds} round(s) of ${options.querySeconds} s per side, ids rotating over ${fmt(timelineIds.length)} cells with ${typicalEvents} events; the baseline reads the same seqs with one \`getMessage\` each on cellgraph's own NATS connection.`,
  );
}

/**
 * `options.fanoutIdle` idle subscriptions (a filter of their own each,
 * matching nothing) next to 100 active `cellBatches` subscribers: heap
 * (after a full GC) and RSS per idle subscription, then the active ones'
 * delivery and the server's CPU per delivered change at the fan-out rate.
 */
async function idleScenario(
  options: BenchOptions,
  url: string,
  stream: string,
  query: string,
  spawn: (name: string, args: unknown, execArgv?: string[]) => Worker,
  rows: Row[],
  rss: Record<string, number>,
): Promise<Record<string, unknown>> {
  const idle = options.fanoutIdle;
  const active = 100;
  const load = os.loadavg()[0]!;
  const server = spawn(
    'cellgraphServer',
    {
      url,
      stream,
      target: 0,
      serve: true,
      env: { CELLGRAPH_SUBJECTS: 'bench.fanout.>', CELLGRAPH_MAX_SUBSCRIPTIONS: String(idle + active + 100) },
    },
    ['--expose-gc'],
  );
  await server.next('replayed');
  const wsUrl = ((await server.next('serving'))['graphqlUrl'] as string).replace(/^http/, 'ws');
  const clients = spawn('fanoutClients', { wsUrl, clients: active, protocol: 'graphql-ws', query });
  await clients.next('connected', 120_000);
  server.send({ type: 'memory' });
  const before = await server.next('memory');
  const idlers = spawn('fanoutIdle', { wsUrl, count: idle, perSocket: 1 });
  const connected = await idlers.next('connected', 15 * 60_000);
  server.send({ type: 'memory' });
  const after = await server.next('memory');
  const heapPer = ((after['heapUsed'] as number) - (before['heapUsed'] as number)) / idle;
  const rssPer = ((after['rss'] as number) - (before['rss'] as number)) / idle;
  clients.send({ type: 'measure' });
  server.send({ type: 'measure' });
  const count = Math.round(options.fanoutRate * options.fanoutSeconds);
  const started = performance.now();
  await publishStamped(url, count, options.fanoutRate);
  const publishSeconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const result = (await clients.stop())!;
  const stopped = await server.stop();
  await idlers.stop();
  if (stopped) rss[`${fmt(idle)} idle + ${active} active subscribers server`] = stopped['rss'] as number;
  const cpuMicros = stopped?.['cpuMicros'] as number;
  const received = result['received'] as number;
  options.log(
    `bench: ${fmt(idle)} idle + ${active} active (load ${load.toFixed(1)}): heap ${fmt(heapPer)} B, RSS ${fmt(rssPer)} B per idle subscription; ` +
      `${fmt(received)}/${fmt(count * active)} changes, p99 ${result['p99']} ms, server CPU ${fmt(cpuMicros / 1e6, 1)} s`,
  );
  rows.push({
    section: 'fan-out',
    metric: `${fmt(idle)} idle subscriptions (own filter each, ${fmt(connected['sockets'] as number)} sockets) + ${active} active: memory per idle subscription, heap after GC / RSS (load ${load.toFixed(1)})`,
    cellgraph: `${fmt(heapPer)} B / ${fmt(rssPer)} B`,
    baseline: '',
    ratio: '',
    target: '',
  });
  rows.push({
    section: 'fan-out',
    metric: `${active} active \`cellBatches\` next to ${fmt(idle)} idle, ${options.fanoutRate} events/s: delivered changes/s, p50 / p99, server CPU µs per delivered change`,
    cellgraph: `${fmt(received / publishSeconds)}, ${ms(result['p50'])} / ${ms(result['p99'])}, ${fmt(cpuMicros / received, 2)}`,
    baseline: '',
    ratio: '',
    target: '',
  });
  return { before, after, heapPer, rssPer, result, cpuMicros, publishSeconds, load, connected };
}

/**
 * How much a bookmark round costs, and how soon the last idle subscriber
 * hears of a new seq. `options.fanoutIdle` graphql-ws `cells`
 * subscriptions, one per socket, each with a filter of its own that no
 * event matches, one selection (bookmarkClients.ts). Each round: a quiet
 * spell longer than the bookmark interval, then one event about another
 * cell is published; measured are the server's CPU from just before the
 * publish until every subscriber has a frame with that seq, and the delay
 * from the publish to the first and the last subscriber's receipt.
 * Baseline: a bare ws server writing one precomputed frame to each of as
 * many sockets (bookmarkBare.ts), timed from the orchestrator's command.
 */
async function bookmarkSection(
  options: BenchOptions,
  url: string,
  spawn: (name: string, args: unknown, execArgv?: string[]) => Worker,
  rows: Row[],
): Promise<Record<string, unknown>> {
  const stream = 'BENCH_BOOKMARKS';
  const prefix = 'bench.bookmarks';
  await createBenchStream(url, stream, `${prefix}.>`);
  const count = options.fanoutIdle;
  const rounds = options.quick ? 3 : 5;
  const now = () => performance.timeOrigin + performance.now();
  type Round = { cpuMicros: number; firstMs: number; lastMs: number; load: number };
  /** One round: `expect` acknowledged by the clients before the seq moves, so no receipt is missed. */
  const round = async (server: Worker, clients: Worker, seq: number, move: () => Promise<void>): Promise<Round> => {
    await new Promise((r) => setTimeout(r, 1500));
    const load = os.loadavg()[0]!;
    clients.send({ type: 'expect', seq });
    await clients.next('expecting');
    server.send({ type: 'measure' });
    const started = now();
    await move();
    const arrived = await clients.next('arrived', 300_000);
    server.send({ type: 'cpu' });
    const cpuMicros = (await server.next('cpu'))['micros'] as number;
    return {
      cpuMicros,
      firstMs: (arrived['firstAt'] as number) - started,
      lastMs: (arrived['lastAt'] as number) - started,
      load,
    };
  };

  // cellgraph: the seq moves because an event is published.
  const server = spawn(
    'cellgraphServer',
    {
      url,
      stream,
      target: 0,
      serve: true,
      env: { CELLGRAPH_SUBJECTS: `${prefix}.>`, CELLGRAPH_MAX_SUBSCRIPTIONS: String(count + 100) },
    },
    process.env['BENCH_CPU_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}`] : undefined,
  );
  await server.next('replayed');
  const wsUrl = ((await server.next('serving'))['graphqlUrl'] as string).replace(/^http/, 'ws');
  let clients = spawn('bookmarkClients', { wsUrl, count, graphqlWs: true });
  await clients.next('connected', 15 * 60_000);
  const publisher = await EventPublisher.connect(url);
  const cellgraph: Round[] = [];
  try {
    for (let i = 1; i <= rounds; i++) {
      const event = {
        specversion: '1.0',
        id: `bench-bookmark-${i}-${Date.now()}`,
        source: 'bench',
        type: 'dev.cellos.events.cell.lifecycle.v1.started',
        time: new Date().toISOString(),
        data: { cellId: `elsewhere-${i}`, specId: 'elsewhere' },
      };
      // A fresh stream with only these events: the i-th publish is seq i.
      cellgraph.push(
        await round(server, clients, i, async () => {
          const [seq] = await publisher.publish([{ subject: `${prefix}.${i}`, event }]);
          if (seq !== i) throw new Error(`bookmarks bench: published seq ${seq}, expected ${i}`);
        }),
      );
      options.log(`bench: bookmarks cellgraph round ${i}: ${JSON.stringify(cellgraph.at(-1))}`);
    }
  } finally {
    await publisher.close();
  }
  await clients.stop();
  const stopped = await server.stop();
  const live = stopped?.['live'] as Record<string, number> | undefined;

  // Baseline: the same number of sockets, one frame written to each on command.
  const bare = spawn('bookmarkBare', {});
  const bareUrl = (await bare.next('ready'))['wsUrl'] as string;
  clients = spawn('bookmarkClients', { wsUrl: bareUrl, count, graphqlWs: false });
  await clients.next('connected', 15 * 60_000);
  const baseline: Round[] = [];
  for (let i = 1; i <= rounds; i++) {
    baseline.push(await round(bare, clients, i, async () => bare.send({ type: 'round', seq: i })));
    options.log(`bench: bookmarks bare round ${i}: ${JSON.stringify(baseline.at(-1))}`);
  }
  await clients.stop();
  await bare.stop();

  const med = (list: Round[], key: keyof Round) => median(list.map((r) => r[key]));
  const loads = `load ${med(cellgraph, 'load').toFixed(1)} / ${med(baseline, 'load').toFixed(1)}`;
  const perSub = (list: Round[]) => med(list, 'cpuMicros') / count;
  rows.push({
    section: 'bookmarks',
    metric: `${fmt(count)} idle subscriptions (own filter each, one socket each), one seq move: server CPU per round, ms (µs per subscription), median of ${rounds} (${loads})`,
    cellgraph: `${fmt(med(cellgraph, 'cpuMicros') / 1000, 1)} (${fmt(perSub(cellgraph), 1)})`,
    baseline: `${fmt(med(baseline, 'cpuMicros') / 1000, 1)} (${fmt(perSub(baseline), 1)})`,
    ratio: x(ratio(perSub(cellgraph), perSub(baseline))),
    target: '',
  });
  rows.push({
    section: 'bookmarks',
    metric: `${fmt(count)} idle subscriptions: seq moved → first / last subscriber told, median of ${rounds} (cellgraph from the publish, baseline from the command)`,
    cellgraph: `${ms(med(cellgraph, 'firstMs'))} / ${ms(med(cellgraph, 'lastMs'))}`,
    baseline: `${ms(med(baseline, 'firstMs'))} / ${ms(med(baseline, 'lastMs'))}`,
    ratio: x(ratio(med(cellgraph, 'lastMs'), med(baseline, 'lastMs'))),
    target: 'last < ~1 s',
  });
  return { count, rounds, cellgraph, baseline, live };
}

/**
 * A reconnect storm next to ingest and queries, three times on the same
 * stream: quiet (ingest and queries only: the baseline), the storm with
 * catch-up unpaced (CELLGRAPH_CATCHUP_SLICE_MS=0), and the storm as
 * configured by default. Each: a fresh cellgraph replays the stream
 * (about 15k cells), then for `stormSeconds` events are published at
 * `stormRate`/s, a poller asks `cells(first: 50)` every 20 ms, and (storm)
 * a wave of `stormWave` snapshot subscriptions opens every 1-3 s, half cut
 * abruptly (stormClients.ts). Reported: query p50/p99/max, the server's
 * event-loop lag, snapshot cells delivered per second, and the server CPU.
 */
async function stormSection(
  options: BenchOptions,
  url: string,
  spawn: (name: string, args: unknown, execArgv?: string[]) => Worker,
  rows: Row[],
  notes: string[],
  raw: Record<string, unknown>,
): Promise<void> {
  const stream = 'BENCH_STORM';
  const prefix = 'bench.storm';
  await createBenchStream(url, stream, `${prefix}.>`);
  const prefilled = await publishSimulated(url, options.stormEvents, 42, { stream, prefix });
  const subscription = `subscription BenchStorm { cells(include: SNAPSHOT) { kind seq id changedFields cell { ${CELL_FIELDS} } } }`;
  const results: Record<string, Record<string, unknown>> = {};
  const variants = [
    { name: 'quiet', storm: false, slice: '5' },
    { name: 'storm, unpaced', storm: true, slice: '0' },
    { name: 'storm', storm: true, slice: '5' },
  ];
  for (const [index, variant] of variants.entries()) {
    const server = spawn(
      'cellgraphServer',
      {
        url,
        stream,
        target: prefilled.lastSeq,
        serve: true,
        env: { CELLGRAPH_SUBJECTS: `${prefix}.>`, CELLGRAPH_CATCHUP_SLICE_MS: variant.slice },
      },
      process.env['BENCH_CPU_PROF']
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_CPU_PROF']}/${variant.name.replace(/\W+/g, '-')}`]
        : undefined,
    );
    const replayed = await server.next('replayed');
    const graphqlUrl = (await server.next('serving'))['graphqlUrl'] as string;
    const load = os.loadavg()[0]!;
    server.send({ type: 'measure' });
    const queries = spawn('stormQueries', { graphqlUrl, seconds: options.stormSeconds, pauseMs: 20 });
    const clients = variant.storm
      ? spawn('stormClients', {
          wsUrl: graphqlUrl.replace(/^http/, 'ws'),
          query: subscription,
          wave: options.stormWave,
          seconds: options.stormSeconds,
          seed: 7,
        })
      : undefined;
    const count = Math.round(options.stormRate * options.stormSeconds);
    const published = publishStamped(url, count, options.stormRate, `${prefix}.live${index}`);
    const answered = await queries.next('done', 10 * 60_000);
    if (clients) await clients.next('waves-done', 10 * 60_000);
    await published;
    const storm = clients ? await clients.stop() : undefined;
    const stopped: WorkerMessage = (await server.stop()) ?? { type: 'stopped' };
    const lag = stopped['lag'] as { p50: number; p99: number; max: number };
    const cpuMicros = stopped['cpuMicros'] as number;
    results[variant.name] = { load, cells: replayed['cells'], answered, storm, lag, cpuMicros, live: stopped['live'] };
    options.log(
      `bench: storm (${variant.name}, load ${load.toFixed(1)}, ${fmt(replayed['cells'] as number)} cells): ` +
        `query p50/p99/max ${fmt(answered['p50'] as number)}/${fmt(answered['p99'] as number)}/${fmt(answered['max'] as number)} ms, ` +
        `loop lag p99 ${fmt(lag.p99)} ms (max ${fmt(lag.max)}), ` +
        (storm
          ? `${fmt(storm['opened'] as number)} subscriptions (${fmt(storm['completed'] as number)} completed, ${fmt(storm['cut'] as number)} cut), ${fmt(storm['cellsPerSecond'] as number)} snapshot cells/s, SYNCED p99 ${fmt(storm['syncP99'] as number)} ms, `
          : '') +
        `server CPU ${fmt(cpuMicros / 1e6, 1)} s`,
    );
    if (storm && ((storm['problems'] as string[]).length > 0 || (storm['failed'] as number) > 0))
      throw new Error(`storm: broken snapshots: ${JSON.stringify(storm['problems'])}`);
  }
  raw['storm'] = results;
  const quiet = results['quiet']!;
  const answers = (r: Record<string, unknown>) => r['answered'] as Record<string, number>;
  const lagOf = (r: Record<string, unknown>) => r['lag'] as Record<string, number>;
  const stormOf = (r: Record<string, unknown>) => r['storm'] as Record<string, number>;
  const cells = fmt(quiet['cells'] as number);
  for (const name of ['storm, unpaced', 'storm']) {
    const r = results[name]!;
    const loads = `load ${(r['load'] as number).toFixed(1)} / ${(quiet['load'] as number).toFixed(1)}`;
    const what = `${name === 'storm' ? 'reconnect storm' : 'reconnect storm, catch-up unpaced (CELLGRAPH_CATCHUP_SLICE_MS=0)'}, ${cells} cells, ${options.stormRate} events/s, ${options.stormWave} snapshot subscriptions every 1-3 s (half cut)`;
    rows.push({
      section: 'storm',
      metric: `${what}: \`cells(first: 50)\` p50 / p99 / max vs quiet (${loads})`,
      cellgraph: `${ms(answers(r)['p50'])} / ${ms(answers(r)['p99'])} / ${ms(answers(r)['max'])}`,
      baseline: `${ms(answers(quiet)['p50'])} / ${ms(answers(quiet)['p99'])} / ${ms(answers(quiet)['max'])}`,
      ratio: x(ratio(answers(r)['p99']!, answers(quiet)['p99']!)),
      target: name === 'storm' ? 'p99 < 100 ms' : '',
    });
    rows.push({
      section: 'storm',
      metric: `${what}: event-loop lag p99 (max) vs quiet`,
      cellgraph: `${ms(lagOf(r)['p99'])} (${ms(lagOf(r)['max'])})`,
      baseline: `${ms(lagOf(quiet)['p99'])} (${ms(lagOf(quiet)['max'])})`,
      ratio: '',
      target: name === 'storm' ? 'p99 < 50 ms' : '',
    });
    const s = stormOf(r);
    rows.push({
      section: 'storm',
      metric: `${what}: snapshot cells delivered/s (subscriptions opened / completed to SYNCED; SYNCED p50 / p99), server CPU µs per snapshot cell`,
      cellgraph: `${fmt(s['cellsPerSecond']!)} (${fmt(s['opened']!)} / ${fmt(s['completed']!)}; ${ms(s['syncP50'])} / ${ms(s['syncP99'])}), ${fmt((r['cpuMicros'] as number) / s['cells']!, 2)}`,
      baseline: '',
      ratio: '',
      target: '',
    });
  }
  notes.push(
    'Storm: the baseline is the same server, stream and poller with no storm (quiet); CPU per snapshot cell counts all the server did (ingest and queries too).',
  );
}

/** Publishes `count` simulated events at `rate`/s to the fan-out stream, each stamped with its publish time. */
let stampedRuns = 0;

/** Each call uses a fresh seed: re-publishing the same CloudEvent ids would be dropped by cellgraph's dedup window. */
async function publishStamped(url: string, count: number, rate: number, prefix = 'bench.fanout'): Promise<void> {
  const seed = 99 + stampedRuns++;
  const publisher = await EventPublisher.connect(url);
  function* stamped() {
    let n = 0;
    for (const simulated of simulateEvents({ seed, concurrentCells: 200, duplicateRate: 0 })) {
      if (n++ >= count) return;
      const event = simulated.event;
      const subject = `${prefix}.${n}`;
      // Read by the publisher right before it sends, after its pacing wait.
      yield {
        subject,
        get event() {
          event['time'] = new Date().toISOString();
          return event;
        },
      };
    }
  }
  try {
    await publisher.publish(stamped(), { rate, window: 64 });
  } finally {
    await publisher.close();
  }
}

export function renderTable(result: BenchResult): string {
  const header =
    '| section | metric | cellgraph | baseline | ratio | target |\n| --- | --- | ---: | ---: | ---: | --- |';
  const lines = result.rows.map(
    (r) => `| ${r.section} | ${r.metric} | ${r.cellgraph} | ${r.baseline} | ${r.ratio} | ${r.target} |`,
  );
  return [header, ...lines].join('\n');
}

export function renderReport(result: BenchResult): string {
  const m = result.machine;
  return [
    `Measured ${m.date} on ${m.cpu}, ${m.cores} cores, ${m.memory} RAM, ${m.os}; Node ${m.node}; ${m.natsServer}.`,
    `Load average at the start: ${m.loadAverage} (other work on the machine shows up as noise).`,
    '',
    renderTable(result),
    '',
    ...result.notes.map((n) => `- ${n}`),
  ].join('\n');
}

const BEGIN = '<!-- bench:begin (written by npm run bench) -->';
const END = '<!-- bench:end -->';

function writeBenchmarksMd(report: string): string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'BENCHMARKS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const block = `${BEGIN}\n${report}\n${END}`;
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END.length)
      : `${current}\n${block}\n`;
  writeFileSync(file, next);
  return file;
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1]);
if (invokedDirectly) {
  const options = benchOptions(process.argv.slice(2));
  const started = Date.now();
  runBench(options)
    .then((result) => {
      const report = renderReport(result);
      console.log(report);
      if (options.write) console.error(`bench: wrote ${writeBenchmarksMd(report)}`);
      const rawFile = path.join(process.cwd(), '.cellgraph', 'bench-last.json');
      try {
        writeFileSync(rawFile, JSON.stringify(result, null, 2));
      } catch {
        // .cellgraph/ may not exist: raw figures are optional
      }
      console.error(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
      process.exit(0);
    })
    .catch((error: Error) => {
      console.error(error.stack ?? error);
      process.exit(1);
    });
}
