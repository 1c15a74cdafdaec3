// Trusted documents: what naming a listed operation by hash saves against sending its text (issue 12).
// Usage: npm run bench:trusted -- [--cells 100000] [--seconds 3]
// In process (yoga.fetch), the query benchmark's cells(first: 50) three ways, alternated over three rounds:
// no manifest + text (today's baseline), manifest + the listed text, manifest + hash only (APQ form).
import { createHash } from 'node:crypto';
import os from 'node:os';
import { parse, validate } from 'graphql';
import { loadConfig } from '../src/config.js';
import { decodeObject } from '../src/events/decode.js';
import { CursorClock } from '../src/live/cursorClock.js';
import { LiveHub } from '../src/live/hub.js';
import { Projection } from '../src/projection/projection.js';
import { buildSchema } from '../src/schema/index.js';
import { Metrics } from '../src/server/metrics.js';
import { TrustedDocuments } from '../src/server/trustedDocuments.js';
import { createCellgraphYoga } from '../src/server/yoga.js';
import { createLogger } from '../src/util/logger.js';
import { CELLS_QUERY } from './lib/queries.js';
import { fmt, ratio } from './lib/stats.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const CELLS = arg('cells', 100_000);
const SECONDS = arg('seconds', 3);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const projection = new Projection({ dedupWindow: 0 });
for (let i = 0; i < CELLS; i++) {
  const event = decodeObject({
    specversion: '1.0',
    id: `e${i}`,
    source: 'bench',
    type: 'dev.cellos.events.cell.lifecycle.v1.started',
    time: '2026-11-28T12:00:00Z',
    data: { cellId: `cell-${i}`, specId: 'spec', tenantId: `tenant-${i % 20}` },
  });
  projection.apply(i + 1, event);
}

const config = loadConfig({ CELLGRAPH_LOG_LEVEL: 'silent' });
const status = () => ({
  connected: true,
  streamLastSeq: projection.cursor,
  ready: true,
  replay: { done: true } as never,
  lastError: null,
  checkpoint: null as never,
});
const hub = new LiveHub(projection, {
  bookmarkIntervalMs: 60_000,
  eventQueueLimit: 10,
  logger: createLogger('silent'),
});
const services = {
  config,
  projection,
  clock: new CursorClock(),
  sourceStatus: status,
  streamName: 'bench',
  events: null as never,
  hub,
};
const metrics = () => new Metrics({ projection, sourceStatus: status, liveStats: () => hub.stats() });
// The manifest as the client preset writes it: sha256:<hex of the text> -> text.
const HASH = createHash('sha256').update(CELLS_QUERY).digest('hex');
const trusted = new TrustedDocuments({ [`sha256:${HASH}`]: CELLS_QUERY }, false);
const plain = createCellgraphYoga({ context: services, metrics: metrics() });
const listed = createCellgraphYoga({ context: services, metrics: metrics(), trustedDocuments: trusted });

type Yoga = typeof plain;
const byText = JSON.stringify({ query: CELLS_QUERY });
const byHash = JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: HASH } } });
const cases: [string, Yoga, string][] = [
  ['no manifest, text (baseline)', plain, byText],
  ['manifest, listed text', listed, byText],
  ['manifest, hash only', listed, byHash],
];

const send = async (yoga: Yoga, body: string) =>
  (
    await yoga.fetch('http://bench/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'accept-encoding': 'identity' },
      body,
    })
  ).text();

// Same answer three ways, checked before measuring (a refused or different answer would measure nothing).
const reference = await send(plain, byText);
if (!reference.includes('"edges"')) throw new Error(`baseline answer: ${reference.slice(0, 200)}`);
for (const [name, yoga, body] of cases) {
  const answer = await send(yoga, body);
  if (answer !== reference) throw new Error(`${name} answers differently: ${answer.slice(0, 200)}`);
}

async function measure(yoga: Yoga, body: string): Promise<{ rate: number; cpuUs: number }> {
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    await send(yoga, body);
    n += 1;
  }
  const used = process.cpuUsage(cpu);
  return { rate: n / ((performance.now() - start) / 1000), cpuUs: (used.user + used.system) / n };
}

console.log(`${fmt(CELLS)} cells; cells(first: 50), ${CELLS_QUERY.length} characters of text; load average ${load()}`);
const runs = new Map<string, { rate: number; cpuUs: number; load: string }[]>();
for (let round = 0; round < 3; round++)
  for (const [name, yoga, body] of cases) {
    const run = await measure(yoga, body);
    runs.get(name)?.push({ ...run, load: load() }) ?? runs.set(name, [{ ...run, load: load() }]);
  }
const best = (name: string) => runs.get(name)!.reduce((a, b) => (b.rate > a.rate ? b : a));
for (const [name] of cases) {
  const b = best(name);
  console.log(`${name}: ${fmt(b.rate)} requests/s, ${fmt(b.cpuUs, 1)} µs CPU/request (load ${b.load})`);
}
const base = best(cases[0]![0]);
for (const [name] of cases.slice(1)) {
  const b = best(name);
  console.log(
    `${name} / baseline: ${fmt(ratio(b.rate, base.rate), 2)}x requests/s, ${fmt(b.cpuUs - base.cpuUs, 1)} µs CPU/request`,
  );
}

// What the hash skips when the text is not already in yoga's parse/validate cache (a first request, or a cache
// miss): parsing and validating this document, timed alone.
const schema = buildSchema();
let parses = 0;
const cpu = process.cpuUsage();
const start = performance.now();
while (performance.now() - start < SECONDS * 1000) {
  const errors = validate(schema, parse(CELLS_QUERY));
  if (errors.length > 0) throw new Error(errors[0]!.message);
  parses += 1;
}
const used = process.cpuUsage(cpu);
console.log(
  `parse + validate of the text alone: ${fmt((used.user + used.system) / parses, 1)} µs CPU each (load ${load()})`,
);
hub.shutdown();
