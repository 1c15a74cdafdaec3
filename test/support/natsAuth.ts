// What every NATS authentication mode's test proves: cellgraph connects and reads with the right secret, and with a wrong one is refused, says why, retries, and never shows the secret.
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { expect } from 'vitest';
import { ProjectionSeqDocument } from '../generated/graphql.js';
import { cellgraphForTest, waitCursor, waitReady, waitUntil } from './cellgraph.js';
import { captureLogs } from './logs.js';
import { cloudEvent, publishAll } from './publish.js';

/** Connects with `env`, becomes ready, and applies events published by a client holding the right credentials. */
export async function expectConnectsAndReads(
  natsUrl: string,
  env: Record<string, string>,
  publisher: NodeConnectionOptions,
): Promise<void> {
  const app = await cellgraphForTest(natsUrl, env);
  await waitReady(app);
  const seqs = await publishAll(publisher, [
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'auth-cell-1', specId: 'spec' }),
    cloudEvent('cell.lifecycle.v1.started', { cellId: 'auth-cell-2', specId: 'spec' }),
  ]);
  await waitCursor(app, seqs.at(-1) as number);
  const { projection } = await app.query(ProjectionSeqDocument);
  expect(projection).toMatchObject({ connected: true, lastError: null, ready: true });
}

/**
 * Starts cellgraph with a wrong secret (`env`): it keeps running and retrying, /readyz answers 503 with the
 * reason, `projection.lastError` names `reason`, and neither its logs at trace level, /readyz, the API nor
 * /metrics ever hold any of `secrets`.
 */
export async function expectRefused(
  natsUrl: string,
  env: Record<string, string>,
  reason: RegExp,
  secrets: string[],
): Promise<string> {
  const logs = captureLogs('trace');
  const app = await cellgraphForTest(natsUrl, { ...env, CELLGRAPH_LOG_LEVEL: 'trace' }, logs.logger);
  const failures = () => logs.entries().filter((e) => typeof e['failure'] === 'string');
  // Retried with backoff: at least two failed attempts, each logged with what failed.
  await waitUntil(() => failures().length >= 2, 'two failed connection attempts logged', 20_000);
  const lastError = app.source.status().lastError ?? '';
  expect(lastError).toMatch(reason);
  for (const entry of failures()) expect(entry['err']).toMatch(reason);

  const readyz = await fetch(`${app.url}/readyz`);
  const readyBody = await readyz.text();
  expect(readyz.status).toBe(503);
  expect(JSON.parse(readyBody)).toMatchObject({ ready: false, lastError: expect.stringMatching(reason) });

  const { status, body } = await app.request(ProjectionSeqDocument);
  expect(status).toBe(200);
  expect(body.data?.projection).toMatchObject({
    connected: false,
    ready: false,
    lastError: expect.stringMatching(reason),
  });
  const metrics = await (await fetch(`${app.url}/metrics`)).text();

  const everything = [logs.text(), readyBody, JSON.stringify(body), metrics].join('\n');
  for (const secret of secrets) expect(everything).not.toContain(secret);
  await app.stop();
  return lastError;
}
