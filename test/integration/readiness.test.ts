import { describe, expect, it, onTestFinished } from 'vitest';
import { ProjectionSeqDocument } from '../generated/graphql.js';
import { cellgraphForTest, waitCursor, waitReady, waitUntil } from '../support/cellgraph.js';
import { httpStatus } from '../support/http.js';
import { natsForTest } from '../support/nats.js';
import { cloudEvent, createStream, publishAll } from '../support/publish.js';

/** /healthz from the first second, /readyz only once the replay has caught up; NATS may come later. */

describe('readiness', () => {
  it('NATS unreachable at boot: /healthz 200, /readyz 503; NATS started later: cellgraph connects by itself and becomes ready', async () => {
    const late = await natsForTest({ start: false });

    const app = await cellgraphForTest(late.url);
    expect(await httpStatus(`${app.url}/healthz`)).toBe(200);
    // wait until a connection attempt has failed, so 503 is the answer of an app that knows NATS is down
    await waitUntil(() => app.source.status().lastError !== null, 'a failed connection attempt');
    expect(await httpStatus(`${app.url}/readyz`)).toBe(503);
    expect(await httpStatus(`${app.url}/healthz`)).toBe(200);
    const { projection } = await app.query(ProjectionSeqDocument, {});
    expect(projection).toMatchObject({ ready: false, connected: false, seq: 0 });
    expect(projection.lastError).toBeTruthy();

    await late.start();
    await createStream(late.url);
    const seqs = await publishAll(late.url, [
      cloudEvent('cell.lifecycle.v1.started', { cellId: 'late-1', specId: 's' }),
      cloudEvent('cell.lifecycle.v1.started', { cellId: 'late-2', specId: 's' }),
    ]);
    await waitReady(app, 45_000);
    await waitCursor(app, seqs.at(-1)!);
    const after = await app.query(ProjectionSeqDocument, {});
    expect(after.projection).toMatchObject({
      ready: true,
      connected: true,
      lastError: null,
      seq: seqs.at(-1),
      applied: 2,
    });
    expect(app.projection.cells.size).toBe(2);
  });

  it('a NATS that accepts TCP but does not answer (paused) keeps /readyz 503 until it resumes', async () => {
    const server = await natsForTest();
    const seqs = await publishAll(server.url, [cloudEvent('cell.lifecycle.v1.started', { cellId: 'p1', specId: 's' })]);
    server.pause();
    const app = await cellgraphForTest(server.url);
    // cleanups run in reverse: resume NATS before stopping cellgraph, even if an assertion fails
    onTestFinished(() => server.resume());
    expect(await httpStatus(`${app.url}/healthz`)).toBe(200);
    expect(await httpStatus(`${app.url}/readyz`)).toBe(503);
    expect(app.projection.cursor).toBe(0);
    server.resume();
    await waitReady(app, 45_000);
    expect(app.projection.cursor).toBe(seqs[0]);
  });

  it('an empty stream is ready at once', async () => {
    const server = await natsForTest({ stream: false });
    const app = await cellgraphForTest(server.url);
    await waitReady(app);
    const response = await fetch(`${app.url}/readyz`);
    expect(await response.json()).toMatchObject({ ready: true, seq: 0, streamLastSeq: 0 });
  });

  it('/readyz is 503 while a large stream replays and 200 only once the cursor reached the boot target', async () => {
    const server = await natsForTest();
    const count = 20_000;
    const bodies = Array.from({ length: count }, (_, i) =>
      cloudEvent(i % 3 === 0 ? 'cell.lifecycle.v1.started' : 'cell.observability.v1.metrics', {
        cellId: `big-${i % 500}`,
        specId: 's',
      }),
    );
    const seqs = await publishAll(server.url, bodies);
    const target = seqs.at(-1)!;
    const app = await cellgraphForTest(server.url, { CELLGRAPH_REPLAY_BATCH: '100' });

    const statuses: number[] = [];
    for (;;) {
      const response = await fetch(`${app.url}/readyz`);
      const body = (await response.json()) as {
        ready: boolean;
        seq: number;
        replay: { target: number; done: boolean };
      };
      statuses.push(response.status);
      // the invariant, whatever the timing: 200 iff ready, and never ready below the boot target
      expect(response.status === 200).toBe(body.ready);
      if (body.ready) {
        expect(body.seq).toBeGreaterThanOrEqual(target);
        expect(body.replay).toMatchObject({ target, done: true });
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // the first answer came before the replay could possibly have finished
    expect(statuses[0]).toBe(503);
    expect(app.projection.cursor).toBe(target);
    expect(app.projection.counts.applied).toBe(count);
  });
});
