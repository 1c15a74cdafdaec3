import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SHUTDOWN_FORCE_MS } from '../../src/cli/serve.js';
import { configSchema, loadConfig } from '../../src/config.js';
import { startTestCellgraph, type TestCellgraph } from '../support/cellgraph.js';
import { useNats } from '../support/nats.js';

/**
 * The deployment files cannot run here (no cluster, no Docker daemon), so
 * this checks what can go stale: every manifest parses, and every path, port
 * and variable they name exists in the server.
 */

const root = path.resolve(import.meta.dirname, '../..');
const deployDir = path.join(root, 'deploy');
const TOKEN = 'deploy-test-token-0123456789abcdef';
const DEFAULT_PORT = configSchema.shape.CELLGRAPH_PORT.parse(undefined);

type Json = Record<string, unknown>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => path.join(dir, name))
    .sort();
}

/** Every document of every YAML file under deploy/, parsed strictly (a YAML error fails the test). */
function manifests(): { file: string; doc: Json }[] {
  return yamlFiles(deployDir).flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8'), { merge: true }).map((document) => {
      expect(document.errors, file).toEqual([]);
      return { file: path.relative(root, file), doc: document.toJS() as Json };
    }),
  );
}

const kubernetes = () => manifests().filter(({ doc }) => typeof doc['kind'] === 'string');
const compose = () => manifests().find(({ file }) => file.endsWith('compose.yaml'))!.doc;
const prometheus = () => manifests().find(({ file }) => file.endsWith('prometheus.yml'))!.doc;

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  readinessProbe?: Json;
  livenessProbe?: Json;
  startupProbe?: Json;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
}

function deployment(): { spec: Json; containers: Container[] } {
  const { doc } = kubernetes().find(({ doc }) => doc['kind'] === 'Deployment')!;
  const spec = (doc['spec'] as Json)['template'] as Json;
  return { spec: doc['spec'] as Json, containers: (spec['spec'] as Json)['containers'] as Container[] };
}

/** A container's environment as cellgraph would see it: literal values, and a token where a Secret supplies one. */
function containerEnv(container: Container): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map(({ name, value, valueFrom }) => [name, valueFrom ? TOKEN : (value ?? '')]),
  );
}

/** Compose's `${VAR:?message}` and `${VAR}` interpolation, with a token for the variable. */
const interpolate = (value: string) => value.replace(/\$\{[A-Z_]+(:?[?-][^}]*)?\}/g, TOKEN);

function composeServices(): [string, Json][] {
  return Object.entries(compose()['services'] as Record<string, Json>);
}

function cellgraphServices(): [string, Record<string, string>, Json][] {
  return composeServices()
    .filter(([, service]) => (service['image'] as string | undefined)?.startsWith('cellgraph'))
    .map(([name, service]) => {
      const env = Object.fromEntries(
        Object.entries(service['environment'] as Record<string, string>).map(([k, v]) => [k, interpolate(String(v))]),
      );
      return [name, env, service];
    });
}

/** Every `CELLGRAPH_*` name anywhere in deploy/ and the Dockerfile, as written. */
function namedVariables(): string[] {
  const texts = [...yamlFiles(deployDir), path.join(root, 'Dockerfile')].map((file) => readFileSync(file, 'utf8'));
  return [...new Set(texts.flatMap((text) => text.match(/\bCELLGRAPH_[A-Z0-9_]+/g) ?? []))].sort();
}

describe('deploy/ manifests', () => {
  it('every YAML file parses, and the Kubernetes ones say what they are', () => {
    const all = manifests();
    expect(all.map(({ file }) => file)).toEqual(
      expect.arrayContaining([
        'deploy/compose.yaml',
        'deploy/prometheus.yml',
        'deploy/kubernetes/deployment.yaml',
        'deploy/kubernetes/service.yaml',
      ]),
    );
    for (const { file, doc } of kubernetes()) {
      expect(doc['apiVersion'], file).toEqual(expect.any(String));
      if (doc['kind'] === 'Kustomization') {
        // every resource it applies exists
        for (const resource of doc['resources'] as string[])
          expect(yamlFiles(deployDir), resource).toContain(path.join(root, path.dirname(file), resource));
      } else expect((doc['metadata'] as Json | undefined)?.['name'], file).toEqual(expect.any(String));
    }
  });

  it('every CELLGRAPH_* variable they name is a setting of the server (the Dockerfile too)', () => {
    const known = Object.keys(configSchema.shape);
    const named = namedVariables();
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((name) => !known.includes(name))).toEqual([]);
  });

  it('the environments they give are valid configurations (loadConfig accepts them)', () => {
    for (const container of deployment().containers) expect(() => loadConfig(containerEnv(container))).not.toThrow();
    expect(cellgraphServices()).toHaveLength(2);
    for (const [, env] of cellgraphServices()) expect(() => loadConfig(env)).not.toThrow();
  });

  it('Kubernetes: two replicas, container and Service ports are the port cellgraph listens on, the token from a Secret', () => {
    const { spec, containers } = deployment();
    expect(spec['replicas']).toBe(2);
    const [container] = containers;
    const config = loadConfig(containerEnv(container!));
    expect(container!.ports?.map((p) => p.containerPort)).toEqual([config.CELLGRAPH_PORT]);
    expect(container!.env?.find((e) => e.name === 'CELLGRAPH_TOKEN')?.valueFrom).toMatchObject({
      secretKeyRef: { name: expect.any(String), key: expect.any(String) },
    });
    const portNames = new Set(container!.ports?.map((p) => p.name));
    const service = kubernetes().find(({ doc }) => doc['kind'] === 'Service')!.doc;
    for (const port of (service['spec'] as Json)['ports'] as { targetPort: string | number }[]) {
      if (typeof port.targetPort === 'number') expect(port.targetPort).toBe(config.CELLGRAPH_PORT);
      else expect(portNames.has(port.targetPort), String(port.targetPort)).toBe(true);
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
      const port = ((container![probe]?.['httpGet'] as Json | undefined)?.['port'] ?? '') as string | number;
      expect(typeof port === 'number' ? port === config.CELLGRAPH_PORT : portNames.has(port), probe).toBe(true);
    }
  });

  it('Kubernetes: readiness on /readyz, liveness on /healthz, grace period covering preStop and the drain', () => {
    const { spec, containers } = deployment();
    const container = containers[0]!;
    expect((container.readinessProbe?.['httpGet'] as Json | undefined)?.['path']).toBe('/readyz');
    expect((container.livenessProbe?.['httpGet'] as Json | undefined)?.['path']).toBe('/healthz');
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const grace = ((spec['template'] as Json)['spec'] as Json)['terminationGracePeriodSeconds'] as number;
    expect(grace).toBeGreaterThanOrEqual(preStop + SHUTDOWN_FORCE_MS / 1000);
  });

  it('compose: a 3-node NATS cluster, two cellgraph replicas on its seeds, Prometheus scraping both on their port', () => {
    const nats = composeServices().filter(([, s]) => String(s['image']).startsWith('nats:'));
    expect(nats).toHaveLength(3);
    const natsNames = nats.map(([name]) => name);
    for (const [name, service] of nats) {
      const args = (service['command'] as string[]).join(' ');
      expect(args, name).toMatch(/-js/);
      for (const other of natsNames.filter((n) => n !== name)) expect(args, name).toContain(`nats://${other}:6222`);
    }
    const scrape = (prometheus()['scrape_configs'] as Json[])[0]!;
    const targets = ((scrape['static_configs'] as Json[])[0]!['targets'] as string[]).sort();
    const expected: string[] = [];
    for (const [name, env, service] of cellgraphServices()) {
      const config = loadConfig(env);
      expect(config.CELLGRAPH_NATS_URL?.split(',').map((url) => new URL(url).hostname)).toEqual(natsNames);
      for (const mapping of service['ports'] as string[])
        expect(mapping.split(':').at(-1)).toBe(String(config.CELLGRAPH_PORT));
      expected.push(`${name}:${config.CELLGRAPH_PORT}`);
    }
    expect(targets).toEqual(expected.sort());
    expect((scrape['authorization'] as Json)['type']).toBe('Bearer');
  });

  it('Dockerfile: Node LTS slim (the same major CI tests), production deps, non-root, EXPOSE, host, exec-form node', () => {
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const ciLts = /CI_NODE_LTS:-(\d+)/.exec(readFileSync(path.join(root, '.ci/run'), 'utf8'))?.[1];
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toBe(`node:${ciLts}-slim`);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(new RegExp(`^EXPOSE ${DEFAULT_PORT}$`, 'm'));
    expect(runtime).toMatch(/CELLGRAPH_HOST=0\.0\.0\.0/);
    expect(runtime).toMatch(/^CMD \["node", "dist\/main\.js", "serve"\]$/m);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin['cellgraph']).toBe('dist/main.js');
  });
});

describe('deploy/ paths answer on a running server', () => {
  const nats = useNats();
  let app: TestCellgraph;

  beforeAll(async () => {
    app = await startTestCellgraph(nats.url, { CELLGRAPH_TOKEN: TOKEN });
    await app.source.whenReady();
  });
  afterAll(() => app?.stop());

  /** Every HTTP path the files name: probes, Prometheus' metrics_path, URLs in commands (the Dockerfile too). */
  function namedPaths(): string[] {
    const paths = new Set<string>();
    const visit = (value: unknown, key = ''): void => {
      if (Array.isArray(value)) for (const item of value) visit(item, key);
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, k);
      else if (typeof value === 'string' && (key === 'path' || key === 'metrics_path' || key === 'prometheus.io/path'))
        paths.add(value);
    };
    for (const { file, doc } of manifests()) if (!file.endsWith('compose.yaml')) visit(doc);
    // cellgraph's own URLs in commands (NATS' monitoring URLs in compose are NATS', not ours)
    const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    for (const match of dockerfile.matchAll(/'\/([a-z]+)'/g)) paths.add(`/${match[1]}`);
    return [...paths].sort();
  }

  it('each path they name exists: 200 from the ready server', async () => {
    const paths = namedPaths();
    expect(paths).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics']));
    for (const p of paths) {
      const response = await fetch(`${app.url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await response.arrayBuffer();
      expect(response.status, p).toBe(200);
    }
  });
});
