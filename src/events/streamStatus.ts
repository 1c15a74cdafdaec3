// What the stream follower reports about itself (connection, replay, readiness): the vocabulary shared by source/, which fills it, and the API, which shows it.

export interface ReplayProgressSnapshot {
  /** Stream last seq read at boot: replay is done when the cursor reaches it. */
  target: number;
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
}
