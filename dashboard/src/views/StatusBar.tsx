import type { OverviewQuery } from '../generated/graphql';
import type { ApiError, ConnectionState } from '../graphqlClient';
import type { LiveStatus } from '../liveCells';

interface Props {
  socket: ConnectionState;
  overview: OverviewQuery | undefined;
  overviewError: ApiError | undefined;
  live: LiveStatus;
}

/** Is the page live, is the server caught up, and how current is what the table shows. */
export function StatusBar({ socket, overview, overviewError, live }: Props) {
  const projection = overview?.projection;
  return (
    <div class="status-bar" data-testid="status-bar">
      <span class={`pill ${socket}`} data-testid="socket-state">
        {socket}
      </span>
      {projection && (
        <>
          <span class={`pill ${projection.connected ? 'connected' : 'disconnected'}`}>
            NATS {projection.connected ? 'connected' : 'disconnected'}
          </span>
          {projection.replay.done ? (
            <span>replayed</span>
          ) : (
            <span data-testid="replay">
              replaying {projection.replay.percent.toFixed(1)}% ({Math.round(projection.replay.eventsPerSecond)} ev/s
              {projection.replay.etaSeconds != null ? `, ETA ${Math.ceil(projection.replay.etaSeconds)} s` : ''})
            </span>
          )}
          <span data-testid="lag">lag {projection.lag}</span>
          <span>server seq {projection.streamLastSeq - projection.lag}</span>
        </>
      )}
      <span data-testid="as-of">
        {live.synced && live.seq !== undefined
          ? `current as of seq ${live.seq}`
          : `loading cells… ${live.snapshotCells.toLocaleString()}`}
      </span>
      {live.error && (
        <span class="error" data-testid="live-error">
          {live.error}
          {live.retries ? ` (retry ${live.retries})` : ''}
        </span>
      )}
      {overviewError && (
        <span class="error" data-testid="overview-error">
          {overviewError.message}
        </span>
      )}
    </div>
  );
}
