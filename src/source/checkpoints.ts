// Checkpoints in a JetStream Object Store bucket: the newest usable one loaded at boot, new ones written as the stream moves on.
import { Readable } from 'node:stream';
import type { StreamInfo } from '@nats-io/jetstream';
import { type ObjectInfo, type ObjectStore, Objm, StorageType } from '@nats-io/obj';
import type { CheckpointStatus, CheckpointSummary } from '../events/streamStatus.js';
import { REDUCER_RULES_VERSION } from '../projection/cellReducer.js';
import { CHECKPOINT_FORMAT_VERSION, CheckpointUnusable } from '../projection/checkpoint/format.js';
import { type CheckpointExpectations, readCheckpoint } from '../projection/checkpoint/reader.js';
import { writeCheckpoint } from '../projection/checkpoint/writer.js';
import { Projection } from '../projection/projection.js';
import type { Logger } from '../util/logger.js';
import type { NatsClients } from './natsConnection.js';

export interface CheckpointsOptions {
  bucket: string;
  stream: string;
  /** Create the bucket when missing (false for read-only deployments). */
  create: boolean;
  intervalEvents: number;
  intervalMs: number;
  keep: number;
  /** False: checkpoints are only loaded at boot, never written (the account may only read the bucket). */
  write?: boolean;
  logger: Logger;
  /** The live projection: pinned to write, and the shape (dedup window) a loaded one must have. */
  projection: Projection;
  /** Which rules built the projection; a test may pretend to be another build. */
  rulesVersion?: number;
}

/** What the object's metadata says, so a listing can pick candidates without reading them. */
interface StoredCheckpoint {
  info: ObjectInfo;
  streamCreated: string;
  cursor: number;
  rulesVersion: number;
  format: number;
  cells: number;
}

function storedCheckpoint(info: ObjectInfo, stream: string): StoredCheckpoint | null {
  const m = info.metadata;
  if (info.deleted || m?.['stream'] !== stream) return null;
  const cursor = Number(m['cursor']);
  if (!Number.isSafeInteger(cursor)) return null;
  return {
    info,
    streamCreated: m['streamCreated'] ?? '',
    cursor,
    rulesVersion: Number(m['rulesVersion']),
    format: Number(m['format']),
    cells: Number(m['cells'] ?? 0),
  };
}

function summary(stored: StoredCheckpoint): CheckpointSummary {
  return { seq: stored.cursor, writtenAt: stored.info.mtime, cells: stored.cells, bytes: stored.info.size };
}

/**
 * Boot: `loadNewest` tries the stream's checkpoints newest first and returns
 * the first that passes every check, or null (full replay); each one refused
 * is logged with its reason. Afterwards: `noteMessages` and a timer decide
 * when to write (every `intervalEvents` messages or `intervalMs`, once caught
 * up, only when the cursor moved, and not when another replica already stored
 * one close to this cursor); the newest `keep` are kept.
 */
export class Checkpoints {
  private readonly state: CheckpointStatus;
  private store: ObjectStore | undefined;
  private clients: NatsClients | undefined;
  /** The stream the projection is built from, as last seen: a checkpoint records it. */
  private streamCreated: string | undefined;
  private messagesSinceWrite = 0;
  private lastWriteAt = Date.now();
  private lastWrittenCursor = 0;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private caughtUp = false;
  private readonly rulesVersion: number;

  constructor(private readonly options: CheckpointsOptions) {
    this.rulesVersion = options.rulesVersion ?? REDUCER_RULES_VERSION;
    this.state = {
      bucket: options.bucket,
      origin: 'FULL_REPLAY',
      loadedFrom: null,
      loading: null,
      refused: [],
      lastWritten: null,
      lastWriteError: null,
    };
  }

  status(): CheckpointStatus {
    return { ...this.state, refused: [...this.state.refused] };
  }

  /** The stream (re)appeared or was checked: checkpoints written from now on name this one. */
  noteStream(info: StreamInfo, clients: NatsClients): void {
    this.streamCreated = info.created;
    this.clients = clients;
  }

  /** The projection was rebuilt from seq 1 (stream reset). */
  noteRebuilt(info: StreamInfo): void {
    this.streamCreated = info.created;
    this.state.origin = 'FULL_REPLAY';
    this.state.loadedFrom = null;
    this.lastWrittenCursor = 0;
    this.caughtUp = false;
  }

  /** The replay caught up: from now on checkpoints are written (unless this replica only reads them). */
  noteCaughtUp(): void {
    if (this.options.write === false) return;
    this.caughtUp = true;
    this.timer ??= setInterval(() => this.maybeWrite('interval'), this.options.intervalMs);
    this.timer.unref();
    this.maybeWrite('events');
  }

  noteMessages(count = 1): void {
    this.messagesSinceWrite += count;
    if (this.messagesSinceWrite >= this.options.intervalEvents) this.maybeWrite('events');
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    return this.writing ?? Promise.resolve();
  }

  /**
   * The newest checkpoint of this stream that passes every check, loaded
   * into a fresh projection (the live one is untouched), or null.
   */
  async loadNewest(clients: NatsClients, info: StreamInfo): Promise<Projection | null> {
    this.noteStream(info, clients);
    this.state.refused = [];
    const refuse = (seq: number | null, reason: string) => {
      this.state.refused.push({ seq, reason });
      this.options.logger.warn({ bucket: this.options.bucket, seq, reason }, 'checkpoint not used');
    };
    let candidates: StoredCheckpoint[];
    try {
      const store = await this.openStore(clients, info);
      if (!store) {
        refuse(null, `bucket ${this.options.bucket} does not exist and CELLGRAPH_CREATE_STREAM=false`);
        return null;
      }
      candidates = await this.listStream(store);
    } catch (error) {
      refuse(null, `bucket ${this.options.bucket} unreadable: ${(error as Error).message}`);
      return null;
    }
    if (candidates.length === 0) {
      this.options.logger.info({ bucket: this.options.bucket }, 'no checkpoint of this stream: replaying from seq 1');
      return null;
    }
    const expect: CheckpointExpectations = {
      stream: this.options.stream,
      streamCreated: info.created,
      streamFirstSeq: info.state.first_seq,
      streamLastSeq: info.state.last_seq,
      rulesVersion: this.rulesVersion,
      dedupCapacity: this.options.projection.dedupCapacity,
    };
    for (const candidate of candidates) {
      const started = performance.now();
      this.state.loading = { seq: candidate.cursor, cells: candidate.cells, cellsLoaded: 0 };
      try {
        const loaded = await this.load(candidate, expect);
        this.state.origin = 'CHECKPOINT';
        this.state.loadedFrom = summary(candidate);
        this.lastWrittenCursor = candidate.cursor;
        this.options.logger.info(
          {
            bucket: this.options.bucket,
            seq: candidate.cursor,
            cells: loaded.cellCount,
            bytes: candidate.info.size,
            ms: Math.round(performance.now() - started),
          },
          'projection loaded from a checkpoint: replaying the rest',
        );
        return loaded;
      } catch (error) {
        refuse(
          candidate.cursor,
          error instanceof CheckpointUnusable ? error.message : `unreadable: ${(error as Error).message}`,
        );
      } finally {
        this.state.loading = null;
      }
    }
    return null;
  }

  private async load(candidate: StoredCheckpoint, expect: CheckpointExpectations): Promise<Projection> {
    const projection = new Projection({ dedupWindow: expect.dedupCapacity });
    const store = this.store!;
    const result = await store.get(candidate.info.name);
    if (!result) throw new CheckpointUnusable('deleted while being read');
    await readCheckpoint(result.data as unknown as AsyncIterable<Uint8Array>, expect, projection, (progress) => {
      this.state.loading = { seq: progress.cursor, cells: progress.cells, cellsLoaded: progress.cellsLoaded };
    });
    // The object store checks its own SHA-256 of the chunks once they are all read.
    const storeError = await result.error;
    if (storeError) throw new CheckpointUnusable(`object store: ${storeError.message}`);
    return projection;
  }

  private async openStore(clients: NatsClients, info: StreamInfo): Promise<ObjectStore | null> {
    if (this.store && this.clients === clients) return this.store;
    const objm = new Objm(clients.js);
    try {
      this.store = await objm.open(this.options.bucket);
    } catch (error) {
      if (!/not found/i.test((error as Error).message)) throw error;
      if (!this.options.create) return null;
      // Replicated like the stream it checkpoints.
      this.store = await objm.create(this.options.bucket, {
        storage: StorageType.File,
        replicas: info.config.num_replicas,
        description: `cellgraph checkpoints of ${this.options.stream}`,
      });
      this.options.logger.info({ bucket: this.options.bucket }, 'created the checkpoint bucket');
    }
    return this.store;
  }

  /** This stream's checkpoints, newest (highest cursor) first. */
  private async listStream(store: ObjectStore): Promise<StoredCheckpoint[]> {
    return (await store.list())
      .map((info) => storedCheckpoint(info, this.options.stream))
      .filter((c): c is StoredCheckpoint => c !== null)
      .sort((a, b) => b.cursor - a.cursor || b.info.mtime.localeCompare(a.info.mtime));
  }

  private maybeWrite(trigger: 'events' | 'interval'): void {
    if (!this.caughtUp || this.writing || !this.clients || !this.streamCreated) return;
    const cursor = this.options.projection.cursor;
    if (cursor <= this.lastWrittenCursor) return;
    if (trigger === 'events' && this.messagesSinceWrite < this.options.intervalEvents) return;
    if (trigger === 'interval' && Date.now() - this.lastWriteAt < this.options.intervalMs) return;
    this.writing = this.write(this.clients, this.streamCreated).finally(() => {
      this.writing = undefined;
    });
  }

  private async write(clients: NatsClients, streamCreated: string): Promise<void> {
    const { logger, bucket, stream } = this.options;
    try {
      const info = await clients.jsm.streams.info(stream);
      const store = await this.openStore(clients, info);
      if (!store) return;
      // Another replica may have just written one near this cursor: then this replica waits for the next interval.
      const newest = (await this.listStream(store)).find(
        (c) => c.streamCreated === streamCreated && c.rulesVersion === this.rulesVersion,
      );
      const cursorNow = this.options.projection.cursor;
      if (
        newest &&
        newest.cursor + this.options.intervalEvents / 2 > cursorNow &&
        Date.now() - Date.parse(newest.info.mtime) < this.options.intervalMs
      ) {
        this.lastWrittenCursor = Math.max(this.lastWrittenCursor, newest.cursor);
        this.messagesSinceWrite = Math.max(0, cursorNow - newest.cursor);
        this.lastWriteAt = Date.parse(newest.info.mtime);
        logger.debug({ bucket, seq: newest.cursor, cursor: cursorNow }, 'a recent checkpoint exists: not writing');
        return;
      }
      if (this.streamCreated !== streamCreated) return;
      const pinStarted = performance.now();
      const pin = this.options.projection.pin();
      const pinMs = performance.now() - pinStarted;
      const { cursor, cellCount } = pin.state;
      const started = performance.now();
      const { bytes, stats } = writeCheckpoint(pin, { stream, streamCreated, rulesVersion: this.rulesVersion });
      const stored = await store.put(
        {
          name: `${stream}.${String(cursor).padStart(20, '0')}`,
          description: `cellgraph checkpoint of ${stream} at seq ${cursor}`,
          metadata: {
            stream,
            streamCreated,
            cursor: String(cursor),
            rulesVersion: String(this.rulesVersion),
            format: String(CHECKPOINT_FORMAT_VERSION),
            cells: String(cellCount),
          },
        },
        Readable.toWeb(bytes) as unknown as ReadableStream<Uint8Array>,
      );
      const written = await stats;
      this.lastWrittenCursor = cursor;
      this.messagesSinceWrite = Math.max(0, this.options.projection.cursor - cursor);
      this.lastWriteAt = Date.now();
      this.state.lastWriteError = null;
      this.state.lastWritten = {
        seq: cursor,
        writtenAt: stored.mtime,
        cells: cellCount,
        bytes: stored.size,
        durationMs: Math.round(performance.now() - started),
        longestPauseMs: Math.round(Math.max(pinMs, written.longestSliceMs) * 100) / 100,
      };
      logger.info({ bucket, ...this.state.lastWritten, rawBytes: written.rawBytes }, 'checkpoint written');
      await this.prune(store);
    } catch (error) {
      this.state.lastWriteError = (error as Error).message;
      this.lastWriteAt = Date.now();
      logger.warn({ bucket, err: (error as Error).message }, 'checkpoint not written');
    }
  }

  /** Keeps the newest `keep` checkpoints of this stream (by write time, whatever their stream identity or rules). */
  private async prune(store: ObjectStore): Promise<void> {
    const all = (await this.listStream(store)).sort((a, b) => b.info.mtime.localeCompare(a.info.mtime));
    for (const old of all.slice(this.options.keep)) await store.delete(old.info.name);
  }
}
