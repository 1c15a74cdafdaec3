import type { CellStore } from './cellStore';
import { CellBatchesDocument, type CellBatchesSubscription, type CellFilter } from './generated/graphql';
import type { ApiError, GraphqlClient } from './graphqlClient';

/**
 * Keeps a CellStore equal to the server's cells matching a filter, with the
 * stream contract of `cellBatches`: a snapshot of the matching cells, SYNCED,
 * then live changes, every batch carrying a seq that is a valid resume point.
 * - A dropped socket or a SHUTDOWN: resume with `after: <last seq>` after a
 *   backoff; the server sends what changed meanwhile (REMOVED included).
 * - STREAM_RESET or LAGGED, or a failure before the first SYNCED: the seq is
 *   no longer a valid resume point; clear the view and take a new snapshot.
 */
export interface LiveStatus {
  /** The snapshot has been received (SYNCED at least once since the last reset). */
  synced: boolean;
  /** Cells received during the current snapshot (replay progress of this view). */
  snapshotCells: number;
  /** The view is current as of this seq (last batch, SYNCED or BOOKMARK). */
  seq: number | undefined;
  /** The last error, while retrying. */
  error: string | undefined;
  retries: number;
}

const RESNAPSHOT = new Set(['STREAM_RESET', 'LAGGED', 'BAD_CURSOR']);
const FATAL = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_FILTER', 'BAD_ARGUMENT', 'GRAPHQL_VALIDATION_FAILED']);

export function backoffMs(retries: number): number {
  return Math.min(10_000, 250 * 2 ** Math.min(retries, 6));
}

export class LiveCells {
  private unsubscribe: (() => void) | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private lastSeq: number | undefined;
  status: LiveStatus = { synced: false, snapshotCells: 0, seq: undefined, error: undefined, retries: 0 };

  constructor(
    private readonly client: GraphqlClient,
    private readonly store: CellStore,
    private readonly filter: CellFilter,
    private readonly onChange: () => void,
  ) {}

  start(): void {
    this.subscribe();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
  }

  private subscribe(): void {
    if (this.stopped) return;
    const resuming = this.status.synced && this.lastSeq !== undefined;
    if (!resuming) {
      this.store.clear();
      this.lastSeq = undefined;
      this.status = { ...this.status, synced: false, snapshotCells: 0, seq: undefined };
    }
    let done = false;
    const finish = () => {
      done = true;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    };
    this.unsubscribe = this.client.subscribe(
      CellBatchesDocument,
      resuming
        ? { filter: this.filter, after: this.lastSeq, include: 'CHANGES' }
        : { filter: this.filter, include: 'SNAPSHOT' },
      {
        next: (data) => {
          if (!done) this.receive(data);
        },
        error: (error) => {
          if (done) return;
          finish();
          this.failed(error);
        },
        complete: () => {
          if (done) return;
          finish();
          // Only SHUTDOWN (or the server going away) completes a subscription: resume elsewhere/later.
          this.retry(undefined);
        },
      },
    );
  }

  private receive(data: CellBatchesSubscription): void {
    const batch = data.cellBatches;
    for (const change of batch.changes) {
      switch (change.kind) {
        case 'ADDED':
        case 'UPDATED':
        case 'REMOVED':
          if (change.id) this.store.apply(change.kind, change.id, change.cell);
          if (!this.status.synced) this.status.snapshotCells++;
          break;
        case 'SYNCED':
          this.status.synced = true;
          break;
        case 'BOOKMARK':
        case 'SHUTDOWN':
          break;
      }
    }
    this.lastSeq = batch.seq;
    this.status = { ...this.status, seq: batch.seq, error: undefined, retries: 0 };
    this.onChange();
  }

  private failed(error: ApiError): void {
    if (error.code && RESNAPSHOT.has(error.code)) this.status.synced = false;
    if (error.code && FATAL.has(error.code)) {
      this.status = { ...this.status, error: `${error.message} (${error.code})` };
      this.onChange();
      return; // retrying cannot help: the user changes the token or the filter
    }
    this.retry(error);
  }

  private retry(error: ApiError | undefined): void {
    if (this.stopped) return;
    const retries = this.status.retries + 1;
    this.status = {
      ...this.status,
      retries,
      error: error ? `${error.message}${error.code ? ` (${error.code})` : ''}` : undefined,
    };
    this.onChange();
    this.timer = setTimeout(() => this.subscribe(), error ? backoffMs(retries - 1) : 0);
  }
}
