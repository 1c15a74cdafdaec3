// The checkpoint bucket seen from outside cellgraph: list, read, replace and delete its objects, as an operator (or a fault) would.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { jetstreamManager } from '@nats-io/jetstream';
import { type ObjectInfo, Objm } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';

export const TEST_BUCKET = 'cellgraph-checkpoints';

async function withBucket<T>(url: string, fn: (os: Awaited<ReturnType<Objm['open']>>) => Promise<T>): Promise<T> {
  const nc = await connect({ servers: url });
  try {
    return await fn(await new Objm(nc).open(TEST_BUCKET));
  } finally {
    await nc.close();
  }
}

/** The bucket's checkpoints, highest seq first. */
export function listCheckpoints(url: string): Promise<ObjectInfo[]> {
  return withBucket(url, async (os) =>
    (await os.list())
      .filter((i) => !i.deleted)
      .sort((a, b) => Number(b.metadata?.['cursor']) - Number(a.metadata?.['cursor'])),
  );
}

export function readCheckpointObject(url: string, name: string): Promise<Buffer> {
  return withBucket(url, async (os) => Buffer.from((await os.getBlob(name))!));
}

/** Stores `bytes` under `info`'s name and metadata (with `metadata` overriding), as if cellgraph had written them. */
export function replaceCheckpointObject(
  url: string,
  info: ObjectInfo,
  bytes: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<void> {
  return withBucket(url, async (os) => {
    await os.putBlob({ name: info.name, metadata: { ...info.metadata, ...metadata } }, bytes);
  });
}

export async function deleteBucket(url: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await jetstreamManager(nc)).streams.delete(`OBJ_${TEST_BUCKET}`);
  } finally {
    await nc.close();
  }
}

/**
 * A checkpoint's bytes with its uncompressed lines changed by `change`; with
 * `fixChecksum` the trailer's SHA-256 is recomputed, so only the later checks
 * (header, range, digest) can notice.
 */
export function editCheckpoint(bytes: Uint8Array, change: (lines: string[]) => void, fixChecksum = true): Buffer {
  const lines = gunzipSync(bytes).toString('utf8').split('\n');
  lines.pop();
  change(lines);
  if (fixChecksum) {
    const trailer = JSON.parse(lines.at(-1)!) as { end: { sha256: string } };
    trailer.end.sha256 = createHash('sha256')
      .update(`${lines.slice(0, -1).join('\n')}\n`)
      .digest('hex');
    lines[lines.length - 1] = JSON.stringify(trailer);
  }
  return gzipSync(`${lines.join('\n')}\n`);
}

/** Edits the header line (the first) of a checkpoint. */
export function editHeader(bytes: Uint8Array, patch: Record<string, unknown>): Buffer {
  return editCheckpoint(bytes, (lines) => {
    lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), ...patch });
  });
}
