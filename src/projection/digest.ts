import { createHash } from 'node:crypto';
import type { Projection } from './projection.js';

/**
 * A SHA-256 over every record (cells and formations, in id order) and the
 * counts. Two replicas at the same cursor must give the same digest: anyone
 * can compare replicas, or a replica with a fresh replay, with one query.
 */
export function projectionDigest(projection: Projection): string {
  const hash = createHash('sha256');
  const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  for (const id of [...projection.cells.keys()].sort(byId))
    hash.update(JSON.stringify(projection.cells.get(id))).update('\n');
  hash.update('--formations--\n');
  for (const id of [...projection.formations.keys()].sort(byId))
    hash.update(JSON.stringify(projection.formations.get(id))).update('\n');
  hash.update(JSON.stringify(projection.counts));
  return hash.digest('hex');
}

/** Caches the digest per cursor: it costs a pass over the projection, and readers tend to ask repeatedly. */
export class DigestCache {
  private cached: { cursor: number; digest: string; projection: Projection } | undefined;

  get(projection: Projection): string {
    if (this.cached?.cursor !== projection.cursor || this.cached.projection !== projection) {
      this.cached = { cursor: projection.cursor, digest: projectionDigest(projection), projection };
    }
    return this.cached.digest;
  }
}
