// The proofs of a fault test: a cellgraph equals a fresh replay of the stream, and a subscriber's view equals a fresh query.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { expect } from 'vitest';
import type { CellFieldsFragment, CellFilter } from '../generated/graphql.js';
import { startTestCellgraph, type TestCellgraph, waitUntil } from './cellgraph.js';
import { allCells } from './cells.js';
import { streamState } from './jetstream.js';
import type { CellView } from './subscriber.js';

export interface DigestResult {
  projection: {
    seq: number;
    digest: string;
    ready: boolean;
    applied: number;
    duplicates: number;
    skipped: number;
    rejected: number;
  };
}

/** Query.projection with the digest (kept here, not in test/operations, so it needs no codegen). */
export const DigestDocument: TypedDocumentNode<DigestResult, { minSeq?: number | null }> = parse(`
  query FaultDigest($minSeq: Seq) {
    projection(minSeq: $minSeq) { seq digest ready applied duplicates skipped rejected }
  }
`);

/**
 * `app` has applied the whole stream, and a cellgraph started now (a fresh
 * replay) holds the same projection at the same cursor: same digest, same cells.
 */
export async function expectEqualsFreshReplay(
  natsUrl: string,
  app: TestCellgraph,
  timeoutMs = 30_000,
): Promise<{ last: number; cells: CellFieldsFragment[] }> {
  const { last } = await streamState(natsUrl);
  await waitUntil(
    () => app.projection.cursor >= last && app.source.status().ready,
    `cellgraph reaching the stream's last seq ${last}`,
    timeoutMs,
  );
  expect(app.projection.cursor).toBe(last);
  // A full replay from seq 1, never a checkpoint: that is what the others are compared with.
  const fresh = await startTestCellgraph(natsUrl, { CELLGRAPH_CHECKPOINT_BUCKET: '' });
  try {
    await waitUntil(
      () => fresh.projection.cursor >= last && fresh.source.status().ready,
      'fresh replay done',
      timeoutMs,
    );
    const [a, b] = await Promise.all([
      app.query(DigestDocument, { minSeq: last }),
      fresh.query(DigestDocument, { minSeq: last }),
    ]);
    expect(a.projection.seq).toBe(last);
    expect(b.projection.seq).toBe(last);
    const [cellsA, cellsB] = await Promise.all([allCells(app, last), allCells(fresh, last)]);
    expect(cellsA.seq).toBe(last);
    expect(cellsB.seq).toBe(last);
    expect(cellsA.cells).toEqual(cellsB.cells);
    expect(a.projection).toEqual(b.projection);
    return { last, cells: cellsB.cells };
  } finally {
    await fresh.stop();
  }
}

/** Waits until the watcher's view is at `seq` and compares it with a query of `app` at that seq. */
export async function expectViewEqualsQuery(
  watcher: { readonly view: CellView; readonly problems: string[] },
  app: TestCellgraph,
  seq: number,
  filter: CellFilter | null = null,
  timeoutMs = 20_000,
): Promise<void> {
  await waitUntil(
    () => watcher.view.lastSeq >= seq,
    `subscriber reaching seq ${seq} (at ${watcher.view.lastSeq})`,
    timeoutMs,
  );
  const fresh = await allCells(app, seq, filter);
  expect(fresh.seq).toBe(seq);
  expect(watcher.problems).toEqual([]);
  expect(watcher.view.sorted()).toEqual(fresh.cells);
}
