// What the stream follower reports about itself (connection, replay, readiness): the vocabulary shared by source/, which fills it, and the API, which shows it.

export interface ReplayProgressSnapshot {
  /** Stream last seq read at boot: replay is done when the cursor reaches it. */
  target: number;
  /** The cursor the replay began from: 0, or the seq of the checkpoint loaded before it. */
  from: number;
  cursor: number;
  done: boolean;
  percent: number;
  eventsPerSecond: number;
  etaSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SourceStatus {
  connected: boolean;
  streamLastSeq: number;
  ready: boolean;
  replay: ReplayProgressSnapshot;
  lastError: string | null;
  checkpoint: CheckpointStatus;
}

/** A checkpoint as the status reports it. */
export interface CheckpointSummary {
  /** The stream seq the checkpoint holds the projection at. */
  seq: number;
  /** When it was written (by whichever replica). */
  writtenAt: string;
  cells: number;
  /** Compressed size in the bucket. */
  bytes: number;
}

export interface CheckpointStatus {
  /** The bucket, or null when checkpoints are disabled. */
  bucket: string | null;
  /** Where this replica's state came from: a checkpoint (then `loadedFrom`) or a full replay from seq 1. */
  origin: 'CHECKPOINT' | 'FULL_REPLAY';
  loadedFrom: CheckpointSummary | null;
  /** A checkpoint being loaded at boot, with how far. */
  loading: { seq: number; cells: number; cellsLoaded: number } | null;
  /** Why the newest checkpoint(s) could not be used at boot, newest first (empty when one was used or none exist). */
  refused: { seq: number | null; reason: string }[];
  /** The last checkpoint this replica wrote, with the longest time the write held the event loop. */
  lastWritten: (CheckpointSummary & { durationMs: number; longestPauseMs: number }) | null;
  lastWriteError: string | null;
}
